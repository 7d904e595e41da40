"""Staff add and change products and variants through the catalog service: its refusals are form errors."""

from decimal import Decimal

import pytest
from django.forms import ModelForm
from django.urls import reverse

from shop.models import Product, Variant
from shop.tests.factories import CategoryFactory, ProductFactory, SellerFactory, VariantFactory

pytestmark = pytest.mark.django_db

SECOND_CURRENCY = "The other variants of this product are priced in USD; use USD here too."


def _variant_page(product: Product, **changes) -> dict:
    """The variant add or change page as staff post it (the read-only stock inline has no rows)."""
    return {
        "product": product.pk,
        "sku": "TEE-M",
        "name": "M",
        "option_values": "{}",
        "position": "0",
        "is_active": "on",
        "price": "25.00",
        "currency": "USD",
        "compare_at_price": "",
        "gtin": "",
        "stocks-TOTAL_FORMS": "0",
        "stocks-INITIAL_FORMS": "0",
    } | changes


def _product_page(product: Product | None = None, *, rows: list[dict] = (), **changes) -> dict:
    """The product add or change page with new variant rows (stored variants are left out: not changed)."""
    product = product or ProductFactory.build(seller=SellerFactory(), category=CategoryFactory())
    data = {
        "seller": product.seller_id,
        "title": product.title,
        "slug": product.slug,
        "description": product.description,
        "category": product.category_id or "",
        "status": product.status,
        "affiliate_commission_rate": str(product.affiliate_commission_rate),
        "hs_code": product.hs_code,
        "country_of_origin": product.country_of_origin,
        "customs_description": product.customs_description,
        "weight_grams": product.weight_grams,
        "length_mm": product.length_mm,
        "width_mm": product.width_mm,
        "height_mm": product.height_mm,
        "variants-TOTAL_FORMS": str(len(rows)),
        "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        data |= {f"variants-{index}-{name}": value for name, value in ({"position": "0"} | row).items()}
    return data | changes


def _variant_row(sku: str, currency: str) -> dict:
    return {"sku": sku, "name": sku, "price": "12.00", "currency": currency, "is_active": "on"}


# --- the variant's own page ---------------------------------------------------------------------


def test_a_variant_in_a_second_currency_is_refused_on_the_add_page(staff_client):
    product = VariantFactory(currency="USD").product

    response = staff_client.post(reverse("admin:shop_variant_add"), _variant_page(product, currency="EUR"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"currency": [SECOND_CURRENCY]}
    assert SECOND_CURRENCY in response.text
    assert not Variant.objects.filter(sku="TEE-M").exists()


def test_a_variant_changed_to_a_second_currency_is_refused(staff_client):
    variant = VariantFactory(currency="USD", sku="TEE-M")
    VariantFactory(product=variant.product, currency="USD")

    response = staff_client.post(
        reverse("admin:shop_variant_change", args=[variant.pk]), _variant_page(variant.product, currency="EUR")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"currency": [SECOND_CURRENCY]}
    variant.refresh_from_db()
    assert variant.currency == "USD"


def test_a_valid_change_is_saved_and_the_variant_stays_with_its_product(staff_client):
    variant = VariantFactory(currency="USD", sku="TEE-M", price=Decimal("19.99"))
    elsewhere = ProductFactory()

    response = staff_client.post(
        reverse("admin:shop_variant_change", args=[variant.pk]), _variant_page(elsewhere, price="21.50")
    )

    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.price, variant.product_id) == (Decimal("21.50"), variant.product_id)
    assert variant.product != elsewhere


def test_the_service_refuses_what_a_stale_form_let_through(staff_client, monkeypatch):
    # As if another variant had been priced in USD between the form's check and the save.
    from shop.admin import VariantAdminForm

    monkeypatch.setattr(VariantAdminForm, "clean", ModelForm.clean)
    product = VariantFactory(currency="USD").product
    add_page = reverse("admin:shop_variant_add")

    response = staff_client.post(add_page, _variant_page(product, currency="EUR"), follow=True)

    assert response.redirect_chain == [(add_page, 302)]
    assert f"Nothing was saved: {SECOND_CURRENCY}" in [str(message) for message in response.context["messages"]]
    assert not Variant.objects.filter(sku="TEE-M").exists()


# --- variant rows on the product's page -----------------------------------------------------------


def test_a_variant_row_in_a_second_currency_is_refused_on_the_product_page(staff_client):
    product = VariantFactory(currency="USD").product

    response = staff_client.post(
        reverse("admin:shop_product_change", args=[product.pk]),
        _product_page(product, rows=[_variant_row("TEE-EU", "EUR")], title="Renamed"),
    )

    assert response.status_code == 200
    [variant_rows] = [
        inline.formset for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "variants"
    ]
    assert variant_rows.errors == [{"currency": [SECOND_CURRENCY]}]
    assert SECOND_CURRENCY in response.text
    assert list(product.variants.values_list("currency", flat=True)) == ["USD"]
    product.refresh_from_db()
    assert product.title != "Renamed"  # nothing of the page was saved


def test_new_variant_rows_in_two_currencies_are_refused_together(staff_client):
    product = ProductFactory()

    response = staff_client.post(
        reverse("admin:shop_product_change", args=[product.pk]),
        _product_page(product, rows=[_variant_row("TEE-US", "USD"), _variant_row("TEE-EU", "EUR")]),
    )

    assert response.status_code == 200
    assert "The other variants of this product are priced in EUR; use EUR here too." in response.text
    assert not product.variants.exists()


def test_a_product_is_added_with_its_variants_through_the_catalog(staff_client):
    seller = SellerFactory(name="Casa Calma")
    page = _product_page(
        rows=[_variant_row("MUG-S", "EUR"), _variant_row("MUG-L", "EUR")],
        seller=seller.pk,
        title="Stoneware mug",
        slug="stoneware-mug-blue",
    )

    response = staff_client.post(reverse("admin:shop_product_add"), page)

    assert response.status_code == 302
    product = Product.objects.get(slug="stoneware-mug-blue")  # the slug staff chose, not one from the title
    assert (product.title, product.seller) == ("Stoneware mug", seller)
    assert sorted(product.variants.values_list("sku", "currency")) == [("MUG-L", "EUR"), ("MUG-S", "EUR")]
