"""Seller dashboard: the product list, creating, editing and archiving products, and variants."""

import re
from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Product, ProductImage, Variant
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    VariantFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db


def product_data(**overrides) -> dict:
    data = {
        "title": "Linen shirt",
        "description": "Cool in summer.",
        "category": "",
        "status": "draft",
        "affiliate_commission_rate": "12.5",
        "hs_code": "620520",
        "country_of_origin": "PT",
        "customs_description": "Men's linen shirt",
        "weight_grams": "320",
        "length_mm": "300",
        "width_mm": "250",
        "height_mm": "30",
    }
    return {**data, **overrides}


def variant_data(**overrides) -> dict:
    data = {
        "sku": "LIN-M-WHT",
        "name": "",
        "size": "M",
        "colour": "White",
        "price": "49.00",
        "currency": "USD",
        "compare_at_price": "",
        "gtin": "",
        "is_active": "on",
    }
    return {**data, **overrides}


def product_snapshot(product: Product) -> dict:
    return Product.objects.filter(pk=product.pk).values().get()


def variant_snapshot(variant: Variant) -> dict:
    return Variant.objects.filter(pk=variant.pk).values().get()


# The list


def test_list_shows_the_sellers_products_with_variants_price_and_availability(seller_client):
    product = ProductFactory(seller=seller_client.seller, title="Linen shirt")
    cheap = VariantFactory(product=product, price=Decimal("19.50"))
    VariantFactory(product=product, price=Decimal("25.00"))
    VariantFactory(product=product, price=Decimal("5.00"), is_active=False)
    stock_of(cheap, quantity=7)
    ProductFactory(title="Someone else's lamp")

    response = seller_client.get(reverse("dashboard:products"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Linen shirt" in html
    assert "Someone else&#x27;s lamp" not in html
    row = response.context["products"][0]
    assert (row.variant_count, row.min_price, row.available) == (3, Decimal("19.50"), 7)
    assert "$19.50" in html
    assert reverse("dashboard:product-edit", kwargs={"pk": product.pk}) in html


def test_list_filters_by_status(seller_client):
    ProductFactory(seller=seller_client.seller, title="On sale now", status=Product.Status.ACTIVE)
    ProductFactory(seller=seller_client.seller, title="Still a draft", status=Product.Status.DRAFT)

    response = seller_client.get(reverse("dashboard:products"), {"status": "draft"})

    assert [product.title for product in response.context["products"]] == ["Still a draft"]


def test_list_is_paginated_by_25(seller_client):
    ProductFactory.create_batch(27, seller=seller_client.seller)

    first = seller_client.get(reverse("dashboard:products"))
    second = seller_client.get(reverse("dashboard:products"), {"page": 2})

    assert len(first.context["products"]) == 25
    assert len(second.context["products"]) == 2
    assert "Page 1 of 2" in first.content.decode()


def _products_with_everything(seller, count: int) -> None:
    warehouse = WarehouseFactory()
    for _ in range(count):
        product = ProductFactory(seller=seller)
        for _ in range(2):
            stock_of(VariantFactory(product=product), warehouse=warehouse, quantity=3)
        ProductImageFactory(product=product)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:products"))
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_products(seller_client, seller_member):
    _products_with_everything(seller_client.seller, 1)
    one = _list_queries(seller_client)

    _products_with_everything(seller_client.seller, 29)
    thirty = _list_queries(seller_client)

    assert one == thirty


def test_pages_have_no_inline_script_or_style_and_every_form_of_theirs_has_a_csrf_token(seller_client):
    product = ProductFactory(seller=seller_client.seller)
    VariantFactory(product=product)
    ProductImageFactory(product=product)
    WarehouseFactory()

    for url in (
        reverse("dashboard:products"),
        reverse("dashboard:product-create"),
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}),
        reverse("dashboard:variant-create", kwargs={"pk": product.pk}),
    ):
        html = seller_client.get(url).content.decode()
        assert "<style" not in html and "style=" not in html
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []  # no inline scripts
        # Every form but the header's log-out, which the browser's Origin guards (`marketplace.accounts.log_out`).
        forms = re.findall(r'<form[^>]*method="post"[^>]*>.*?</form>', html, re.S)
        assert [form for form in forms if "csrfmiddlewaretoken" not in form] == [
            form for form in forms if f'action="{reverse("logout")}"' in form
        ]


# Creating and editing


def test_seller_creates_a_product_then_a_variant_then_a_picture(seller_client, django_capture_on_commit_callbacks):
    category = CategoryFactory(name="Shirts")

    response = seller_client.post(reverse("dashboard:product-create"), product_data(category=category.pk))

    product = Product.objects.get(seller=seller_client.seller)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:product-edit", kwargs={"pk": product.pk})
    assert (product.title, product.slug, product.status) == ("Linen shirt", "linen-shirt", "draft")
    assert (product.category, product.affiliate_commission_rate, product.hs_code) == (
        category,
        Decimal("12.5"),
        "620520",
    )
    assert (product.country_of_origin.code, product.weight_grams, product.height_mm) == ("PT", 320, 30)
    assert product.is_featured is False

    seller_client.post(reverse("dashboard:variant-create", kwargs={"pk": product.pk}), variant_data())
    variant = product.variants.get()
    assert (variant.sku, variant.price, variant.currency) == ("LIN-M-WHT", Decimal("49.00"), "USD")
    assert variant.option_values == {"size": "M", "colour": "White"}
    assert variant.is_active

    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(
            reverse("dashboard:image-upload", kwargs={"pk": product.pk}),
            {"image": image_upload("shirt.jpg", size=(900, 700)), "alt_text": "White linen shirt, front"},
        )
    image = product.images.get()
    assert image.alt_text == "White linen shirt, front"
    assert set(image.renditions) == {"webp", "jpeg"}
    assert set(image.renditions["jpeg"]) == {"320", "640", "900"}

    page = seller_client.get(reverse("dashboard:product-edit", kwargs={"pk": product.pk})).content.decode()
    assert "LIN-M-WHT" in page
    assert "White / M" in page
    assert 'alt="White linen shirt, front"' in page


def test_product_create_page_has_labelled_fields_and_no_featured_field(seller_client):
    html = seller_client.get(reverse("dashboard:product-create")).content.decode()

    for name in ("title", "status", "affiliate_commission_rate", "hs_code", "country_of_origin", "weight_grams"):
        assert f'for="id_{name}"' in html
    assert "is_featured" not in html


def test_the_category_picker_shows_the_tree_in_order_with_the_products_category_chosen(seller_client):
    home = CategoryFactory(name="Home", position=2)
    CategoryFactory(name="Bedding", parent=home, position=2)
    beauty = CategoryFactory(name="Beauty", position=1)
    CategoryFactory(name="Makeup", parent=beauty, position=2)
    decor = CategoryFactory(name="Decor", parent=home, position=1)
    CategoryFactory(name="Skincare", parent=beauty, position=1)
    product = ProductFactory(seller=seller_client.seller, category=decor)

    html = seller_client.get(reverse("dashboard:product-edit", kwargs={"pk": product.pk})).content.decode()

    picker = html.split('<select name="category"')[1].split("</select>")[0]
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', picker)
    assert [label for _, _, label in options] == [
        "No category",
        "Beauty",
        "Beauty \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Skincare",
        "Beauty \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Makeup",
        "Home",
        "Home \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Decor",
        "Home \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Bedding",
    ]
    assert [value for value, chosen, _ in options if chosen] == [str(decor.pk)]


def test_featured_flag_sent_by_a_seller_is_ignored(seller_client):
    product = ProductFactory(seller=seller_client.seller, is_featured=False)

    seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}), product_data(is_featured="on", title="Renamed")
    )

    product.refresh_from_db()
    assert product.title == "Renamed"
    assert product.is_featured is False


def test_seller_edits_a_product(seller_client):
    product = ProductFactory(seller=seller_client.seller, status=Product.Status.DRAFT, slug="old-slug")

    response = seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}),
        product_data(title="Linen shirt, relaxed fit", status="active", affiliate_commission_rate="80"),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title, product.status, product.affiliate_commission_rate) == (
        "Linen shirt, relaxed fit",
        "active",
        Decimal("80"),
    )
    assert product.slug == "old-slug"  # links already shared keep working


def test_seller_archives_a_product(seller_client):
    product = ProductFactory(seller=seller_client.seller, status=Product.Status.ACTIVE)

    response = seller_client.post(reverse("dashboard:product-archive", kwargs={"pk": product.pk}), follow=True)

    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED
    assert "was archived" in response.content.decode()


def test_saving_an_archived_product_keeps_it_archived(seller_client):
    product = ProductFactory(seller=seller_client.seller, status=Product.Status.ARCHIVED)

    seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}), product_data(status="archived", title="New")
    )

    product.refresh_from_db()
    assert (product.title, product.status) == ("New", "archived")


def test_a_seller_cannot_archive_through_the_status_field_of_an_active_product(seller_client):
    product = ProductFactory(seller=seller_client.seller, status=Product.Status.ACTIVE)
    before = product_snapshot(product)

    response = seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}), product_data(status="archived")
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert product_snapshot(product) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("affiliate_commission_rate", "90", "Ensure this value is less than or equal to 80."),
        ("affiliate_commission_rate", "-1", "Ensure this value is greater than or equal to 0."),
        ("hs_code", "12", "An HS code has 6 digits, or 8 to 10 with a national extension; this one has 2."),
        ("title", "", "This field is required."),
        ("weight_grams", "-5", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_bad_product_input_is_a_form_error_and_changes_nothing(seller_client, field, value, message):
    product = ProductFactory(seller=seller_client.seller)
    before = product_snapshot(product)

    response = seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}), product_data(**{field: value})
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert product_snapshot(product) == before


def test_bad_input_on_create_is_a_form_error_and_creates_nothing(seller_client):
    response = seller_client.post(reverse("dashboard:product-create"), product_data(affiliate_commission_rate="90"))

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 80." in response.content.decode()
    assert not Product.objects.exists()


# Variants


def test_seller_edits_a_variant_keeping_other_option_values(seller_client):
    variant = VariantFactory(
        product__seller=seller_client.seller, option_values={"size": "S", "colour": "Red", "material": "Linen"}
    )

    response = seller_client.post(
        reverse("dashboard:variant-edit", kwargs={"pk": variant.product_id, "variant_pk": variant.pk}),
        variant_data(sku=variant.sku, size="L", colour="", price="30.00", compare_at_price="40.00", currency="eur"),
    )

    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.option_values == {"size": "L", "material": "Linen"}
    assert (variant.price, variant.compare_at_price, variant.currency) == (Decimal("30.00"), Decimal("40.00"), "EUR")


def test_variant_edit_page_shows_size_and_colour(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller, option_values={"size": "XL", "colour": "Navy"})

    response = seller_client.get(
        reverse("dashboard:variant-edit", kwargs={"pk": variant.product_id, "variant_pk": variant.pk})
    )

    assert response.context["form"]["size"].value() == "XL"
    assert response.context["form"]["colour"].value() == "Navy"


def test_seller_takes_a_variant_off_sale(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller)

    seller_client.post(
        reverse("dashboard:variant-deactivate", kwargs={"pk": variant.product_id, "variant_pk": variant.pk})
    )

    variant.refresh_from_db()
    assert variant.is_active is False


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": "-1"}, "price", "Ensure this value is greater than or equal to 0.01."),
        ({"price": "0"}, "price", "Ensure this value is greater than or equal to 0.01."),
        ({"compare_at_price": "49.00"}, "compare_at_price", "The compare-at price must be above the price."),
        ({"compare_at_price": "10.00"}, "compare_at_price", "The compare-at price must be above the price."),
        ({"currency": "XYZ"}, "currency", "XYZ is not an ISO 4217 currency code."),
        ({"gtin": "4006381333932"}, "gtin", "This GTIN's check digit is wrong."),
        ({"sku": ""}, "sku", "This field is required."),
    ],
)
def test_bad_variant_input_is_a_form_error_and_changes_nothing(seller_client, overrides, field, message):
    variant = VariantFactory(product__seller=seller_client.seller, sku="LIN-M-WHT", price=Decimal("49.00"))
    before = variant_snapshot(variant)
    url = reverse("dashboard:variant-edit", kwargs={"pk": variant.product_id, "variant_pk": variant.pk})

    response = seller_client.post(url, variant_data(**overrides))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert variant_snapshot(variant) == before


def test_new_variant_with_a_taken_sku_is_a_form_error(seller_client):
    VariantFactory(sku="TAKEN-1")
    product = ProductFactory(seller=seller_client.seller)

    response = seller_client.post(
        reverse("dashboard:variant-create", kwargs={"pk": product.pk}), variant_data(sku="TAKEN-1")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["sku"] == ["Variant with this SKU already exists."]
    assert not product.variants.exists()


def test_new_variant_currency_defaults_to_usd(seller_client):
    product = ProductFactory(seller=seller_client.seller)

    response = seller_client.get(reverse("dashboard:variant-create", kwargs={"pk": product.pk}))

    assert response.context["form"]["currency"].value() == "USD"


def test_negative_price_on_a_new_variant_creates_nothing(seller_client):
    product = ProductFactory(seller=seller_client.seller)

    response = seller_client.post(
        reverse("dashboard:variant-create", kwargs={"pk": product.pk}), variant_data(price="-3.00")
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0.01." in response.content.decode()
    assert not Variant.objects.exists()
    assert not ProductImage.objects.exists()


def _edit_page_queries(client, product) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard:product-edit", kwargs={"pk": product.pk}))
    assert response.status_code == 200
    return len(queries)


def test_edit_page_query_count_does_not_grow_with_variants_pictures_and_warehouses(seller_client):
    product = ProductFactory(seller=seller_client.seller)
    warehouses = [WarehouseFactory()]
    stock_of(VariantFactory(product=product), warehouse=warehouses[0])
    ProductImageFactory(product=product)
    few = _edit_page_queries(seller_client, product)

    warehouses += [WarehouseFactory(), WarehouseFactory()]
    for _ in range(6):
        variant = VariantFactory(product=product)
        for warehouse in warehouses:
            stock_of(variant, warehouse=warehouse)
        ProductImageFactory(product=product)
    many = _edit_page_queries(seller_client, product)

    assert few == many


def test_a_service_refusal_is_shown_on_the_form_not_a_500(seller_client, monkeypatch):
    product = ProductFactory(seller=seller_client.seller, title="Before")
    before = product_snapshot(product)

    def refuse(*, product, data):
        product.title = data["title"]  # the service had started changing the product
        raise ValidationError(
            {"hs_code": ["Customs refused this code."], "slug": ["Slug clash."], NON_FIELD_ERRORS: ["No."]}
        )

    monkeypatch.setattr("shop.services.catalog.update_product", refuse)

    response = seller_client.post(
        reverse("dashboard:product-edit", kwargs={"pk": product.pk}), product_data(title="After")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["hs_code"] == ["Customs refused this code."]
    assert form.non_field_errors() == ["Slug: Slug clash.", "No."]
    html = response.content.decode()
    assert "<h1>Before " in html
    assert "Slug: Slug clash." in html
    assert product_snapshot(product) == before
