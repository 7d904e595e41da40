"""Seller dashboard: only sellers get in, and a seller reaches only their own seller's products."""

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from fulfillment.models import Stock, StockMovement
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Product, ProductImage, Variant
from shop.tests.factories import (
    ProductFactory,
    ProductImageFactory,
    SellerMemberFactory,
    VariantFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_sellers_things():
    """Seller B's product with a variant, two pictures and stock in a fulfillment warehouse."""
    product = ProductFactory(title="B's lamp")
    variant = VariantFactory(product=product)
    first = ProductImageFactory(product=product, position=1)
    ProductImageFactory(product=product, position=2)
    warehouse = WarehouseFactory()
    stock_of(variant, warehouse, quantity=5)
    return {"product": product, "variant": variant, "image": first, "warehouse": warehouse}


def object_urls(product, variant, image, warehouse) -> list[tuple[str, dict]]:
    """(url, POST data that would change something if it were allowed) for every object-bound view."""
    pk = product.pk
    stock_prefix = f"stock-{variant.pk}-{warehouse.pk}"
    return [
        (reverse("dashboard:product-edit", kwargs={"pk": pk}), {"title": "Hacked", "status": "active",
                                                                "affiliate_commission_rate": "80"}),
        (reverse("dashboard:product-archive", kwargs={"pk": pk}), {}),
        (reverse("dashboard:variant-create", kwargs={"pk": pk}), {"sku": "HACK", "price": "1.00", "currency": "USD"}),
        (reverse("dashboard:variant-edit", kwargs={"pk": pk, "variant_pk": variant.pk}),
         {"sku": "HACK", "price": "1.00", "currency": "USD"}),
        (reverse("dashboard:variant-deactivate", kwargs={"pk": pk, "variant_pk": variant.pk}), {}),
        (reverse("dashboard:stock-save", kwargs={"pk": pk}),
         {f"{stock_prefix}-quantity": "0", f"initial-{stock_prefix}-quantity": "5",
          f"{stock_prefix}-bin_location": "X"}),
        (reverse("dashboard:image-upload", kwargs={"pk": pk}), {"image": image_upload}),
        (reverse("dashboard:image-edit", kwargs={"pk": pk, "image_pk": image.pk}), {f"image-{image.pk}-alt_text": "x"}),
        (reverse("dashboard:image-move", kwargs={"pk": pk, "image_pk": image.pk}), {"direction": "down"}),
        (reverse("dashboard:image-delete", kwargs={"pk": pk, "image_pk": image.pk}), {}),
    ]  # fmt: skip


def fresh(data: dict) -> dict:
    """Form data with a new upload each time (a file can be posted once)."""
    return {key: value() if callable(value) else value for key, value in data.items()}


def everything() -> dict[str, list[dict]]:
    """The whole catalog and stock, to compare before and after."""
    models = {"products": Product, "variants": Variant, "images": ProductImage, "stock": Stock,
              "movements": StockMovement}  # fmt: skip
    return {name: [model_to_dict(row) for row in model.objects.order_by("pk")] for name, model in models.items()}


def all_urls(things) -> list[tuple[str, dict]]:
    return [
        (reverse("dashboard:products"), {}),
        (reverse("dashboard:product-create"), {"title": "x"}),
        *object_urls(**things),
    ]


# Who gets in


def test_anonymous_visitors_are_sent_to_log_in(client, other_sellers_things):
    before = everything()

    for url, data in all_urls(other_sellers_things):
        for response in (client.get(url), client.post(url, fresh(data))):
            assert response.status_code == 302, url
            assert response["Location"] == f"{reverse('login')}?next={url}"
    assert everything() == before


def test_logged_in_non_sellers_get_a_403_page(client, user, other_sellers_things):
    client.force_login(user)
    before = everything()

    for url, data in all_urls(other_sellers_things):
        for response in (client.get(url), client.post(url, fresh(data))):
            assert response.status_code == 403, url
            assert "This page is for sellers" in response.content.decode()
    assert everything() == before


def test_post_without_a_csrf_token_is_refused(seller_member):
    product = ProductFactory(seller=seller_member.seller)
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller_member.user)

    response = client.post(reverse("dashboard:product-archive", kwargs={"pk": product.pk}))

    assert response.status_code == 403
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


# Seller A and seller B


def test_another_sellers_objects_answer_404_on_get_and_post_and_nothing_changes(seller_client, other_sellers_things):
    before = everything()

    for url, data in object_urls(**other_sellers_things):
        assert seller_client.get(url).status_code == 404, url
        assert seller_client.post(url, fresh(data)).status_code == 404, url

    assert everything() == before


def test_another_sellers_variant_or_picture_under_my_own_product_answers_404(seller_client, other_sellers_things):
    mine = ProductFactory(seller=seller_client.seller).pk
    variant, image = other_sellers_things["variant"].pk, other_sellers_things["image"].pk
    warehouse = other_sellers_things["warehouse"].pk
    urls = [
        reverse("dashboard:variant-edit", kwargs={"pk": mine, "variant_pk": variant}),
        reverse("dashboard:variant-deactivate", kwargs={"pk": mine, "variant_pk": variant}),
        reverse("dashboard:image-edit", kwargs={"pk": mine, "image_pk": image}),
        reverse("dashboard:image-move", kwargs={"pk": mine, "image_pk": image}),
        reverse("dashboard:image-delete", kwargs={"pk": mine, "image_pk": image}),
    ]
    stock_prefix = f"stock-{variant}-{warehouse}"
    data = {"sku": "HACK", "price": "1.00", "currency": "USD", "direction": "down", f"image-{image}-alt_text": "x",
            f"{stock_prefix}-quantity": "0"}  # fmt: skip
    before = everything()

    for url in urls:
        assert seller_client.get(url).status_code == 404, url
        assert seller_client.post(url, data).status_code == 404, url

    assert everything() == before


def test_my_stock_grid_ignores_cells_of_another_sellers_variant(seller_client, other_sellers_things):
    mine = VariantFactory(product__seller=seller_client.seller)
    theirs, warehouse = other_sellers_things["variant"], other_sellers_things["warehouse"]
    before = everything()

    response = seller_client.post(
        reverse("dashboard:stock-save", kwargs={"pk": mine.product_id}),
        {f"stock-{theirs.pk}-{warehouse.pk}-quantity": "0", f"initial-stock-{theirs.pk}-{warehouse.pk}-quantity": "5"},
    )

    assert response.status_code == 302  # nothing of mine changed
    assert everything() == before


def test_the_list_shows_only_my_sellers_products(seller_client, other_sellers_things):
    ProductFactory(seller=seller_client.seller, title="My candle")

    response = seller_client.get(reverse("dashboard:products"))

    assert [product.title for product in response.context["products"]] == ["My candle"]


def test_a_colleague_at_the_same_seller_edits_the_same_products(client, seller_member):
    colleague = SellerMemberFactory(seller=seller_member.seller)
    product = ProductFactory(seller=seller_member.seller)
    client.force_login(colleague.user)

    response = client.get(reverse("dashboard:product-edit", kwargs={"pk": product.pk}))

    assert response.status_code == 200


def test_post_only_actions_refuse_get_on_my_own_product(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller)
    product = variant.product

    response = seller_client.get(reverse("dashboard:product-archive", kwargs={"pk": product.pk}))
    deactivate = seller_client.get(
        reverse("dashboard:variant-deactivate", kwargs={"pk": product.pk, "variant_pk": variant.pk})
    )

    assert (response.status_code, deactivate.status_code) == (405, 405)
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.status, variant.is_active) == (Product.Status.ACTIVE, True)
