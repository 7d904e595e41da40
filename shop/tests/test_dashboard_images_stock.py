"""Seller dashboard: pictures (upload, text alternative, order, delete) and stock per warehouse."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from fulfillment.models import Stock, StockMovement, Warehouse
from fulfillment.services.stock import _apply, lock_stocks
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import ProductImage
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory, image_upload

pytestmark = pytest.mark.django_db


def edit_url(product) -> str:
    return reverse("dashboard:product-edit", kwargs={"pk": product.pk})


def stored_files() -> set[Path]:
    return {path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()}


def image_order(product) -> list[int]:
    return list(product.images.order_by("position", "id").values_list("pk", flat=True))


# Pictures


def test_upload_stores_the_picture_and_makes_renditions(seller_client, django_capture_on_commit_callbacks):
    product = ProductFactory(seller=seller_client.seller, title="Linen shirt")

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(
            reverse("dashboard:image-upload", kwargs={"pk": product.pk}),
            {"image": image_upload("a.png", image_format="PNG")},
        )

    assert response.status_code == 302
    assert response["Location"] == edit_url(product) + "#images"
    image = product.images.get()
    assert image.alt_text == "Linen shirt"  # empty text alternative: the title
    assert image.image.name.endswith(".png")
    assert {name for widths in image.renditions.values() for name in widths.values()}
    for widths in image.renditions.values():
        for name in widths.values():
            assert default_storage.exists(name)
    page = seller_client.get(edit_url(product)).content.decode()
    assert "<picture>" in page
    assert image.renditions["webp"]["320"] in page


def test_a_text_file_named_jpg_is_refused_with_a_clear_message(seller_client, django_capture_on_commit_callbacks):
    product = ProductFactory(seller=seller_client.seller)
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a picture", content_type="image/jpeg")
    files_before = stored_files()

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(reverse("dashboard:image-upload", kwargs={"pk": product.pk}), {"image": fake})

    assert response.status_code == 200
    message = "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF picture."
    assert response.context["upload_form"].errors["image"] == [message]
    assert message in response.content.decode()
    assert not ProductImage.objects.exists()
    assert stored_files() == files_before


def test_a_picture_with_too_many_pixels_is_refused(seller_client, settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    product = ProductFactory(seller=seller_client.seller)
    files_before = stored_files()

    response = seller_client.post(
        reverse("dashboard:image-upload", kwargs={"pk": product.pk}),
        {"image": image_upload("big.png", size=(200, 101), image_format="PNG")},
    )

    assert response.status_code == 200
    assert response.context["upload_form"].errors["image"] == [
        "The image has 200 x 101 pixels; at most 10,000 pixels are accepted."
    ]
    assert not ProductImage.objects.exists()
    assert stored_files() == files_before


def test_upload_without_a_file_is_a_form_error(seller_client):
    product = ProductFactory(seller=seller_client.seller)

    response = seller_client.post(reverse("dashboard:image-upload", kwargs={"pk": product.pk}), {"alt_text": "x"})

    assert response.context["upload_form"].errors["image"] == ["This field is required."]
    assert not ProductImage.objects.exists()


def test_seller_changes_a_pictures_text_alternative(seller_client):
    image = ProductImageFactory(product__seller=seller_client.seller, alt_text="Product photo")

    seller_client.post(
        reverse("dashboard:image-edit", kwargs={"pk": image.product_id, "image_pk": image.pk}),
        {f"image-{image.pk}-alt_text": "Shirt folded on a chair"},
    )

    image.refresh_from_db()
    assert image.alt_text == "Shirt folded on a chair"


def test_too_long_text_alternative_is_a_form_error(seller_client):
    image = ProductImageFactory(product__seller=seller_client.seller, alt_text="Product photo")

    response = seller_client.post(
        reverse("dashboard:image-edit", kwargs={"pk": image.product_id, "image_pk": image.pk}),
        {f"image-{image.pk}-alt_text": "x" * 201},
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 200 characters (it has 201)." in response.content.decode()
    image.refresh_from_db()
    assert image.alt_text == "Product photo"


def test_seller_moves_pictures_up_and_down(seller_client):
    product = ProductFactory(seller=seller_client.seller)
    first, second, third = (ProductImageFactory(product=product, position=n) for n in (1, 2, 3))

    def move(image, direction):
        return seller_client.post(
            reverse("dashboard:image-move", kwargs={"pk": product.pk, "image_pk": image.pk}), {"direction": direction}
        )

    response = move(third, "up")
    assert response.status_code == 302
    assert image_order(product) == [first.pk, third.pk, second.pk]

    move(first, "down")
    assert image_order(product) == [third.pk, first.pk, second.pk]

    move(third, "up")  # already first: stays
    assert image_order(product) == [third.pk, first.pk, second.pk]

    page = seller_client.get(edit_url(product)).content.decode()
    assert page.index(third.image.name) < page.index(first.image.name) < page.index(second.image.name)


def test_seller_deletes_a_picture_and_its_file(seller_client, django_capture_on_commit_callbacks):
    image = ProductImageFactory(product__seller=seller_client.seller)
    name = image.image.name
    assert default_storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        seller_client.post(reverse("dashboard:image-delete", kwargs={"pk": image.product_id, "image_pk": image.pk}))

    assert not ProductImage.objects.exists()
    assert not default_storage.exists(name)


# Stock


def stock_url(variant, warehouse) -> str:
    return reverse(
        "dashboard:stock-set", kwargs={"pk": variant.product_id, "variant_pk": variant.pk, "warehouse_pk": warehouse.pk}
    )


def stock_form(variant, warehouse, quantity, bin_location="") -> dict:
    prefix = f"stock-{variant.pk}-{warehouse.pk}"
    return {f"{prefix}-quantity": quantity, f"{prefix}-bin_location": bin_location}


def allocate(stock: Stock, quantity: int) -> None:
    """Promise units to an order, with its ledger row (until the allocation service lands)."""
    with transaction.atomic():
        locked = lock_stocks(stock_ids=[stock.pk])[stock.pk]
        _apply(stock=locked, quantity_change=0, allocated_change=quantity, reason=StockMovement.Reason.ALLOCATED)


def test_stock_page_shows_a_form_per_active_fulfillment_warehouse(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller, sku="LIN-M")
    newark = WarehouseFactory(code="US-NJ1", name="Newark")
    WarehouseFactory(code="HUB-1", kind=Warehouse.Kind.CONSOLIDATION_HUB)
    WarehouseFactory(code="RET-1", kind=Warehouse.Kind.RETURNS_CENTRE)
    WarehouseFactory(code="OLD-1", is_active=False)
    allocate(stock_of(variant, newark, quantity=9), 4)

    html = seller_client.get(edit_url(variant.product)).content.decode()

    assert "US-NJ1 · Newark" in html
    assert "HUB-1" not in html and "RET-1" not in html and "OLD-1" not in html
    assert f'name="stock-{variant.pk}-{newark.pk}-quantity" value="9"' in html
    assert "Allocated to orders: <strong>4</strong>" in html


def test_seller_sets_stock_which_is_ledgered_and_shown(seller_client, seller_member):
    variant = VariantFactory(product__seller=seller_client.seller)
    warehouse = WarehouseFactory()

    response = seller_client.post(stock_url(variant, warehouse), stock_form(variant, warehouse, 12, "A-03-2"))

    assert response.status_code == 302
    assert response["Location"] == edit_url(variant.product) + f"#stock-{variant.pk}"
    stock = Stock.objects.get(variant=variant, warehouse=warehouse)
    assert (stock.quantity, stock.quantity_allocated, stock.bin_location) == (12, 0, "A-03-2")
    movement = stock.movements.get()
    assert (movement.reason, movement.quantity_change, movement.quantity_after) == ("counted", 12, 12)
    assert (movement.by, movement.reference) == (seller_member.user, "dashboard")

    page = seller_client.get(response["Location"])
    html = page.content.decode()
    assert f'name="stock-{variant.pk}-{warehouse.pk}-quantity" value="12"' in html
    assert 'value="A-03-2"' in html
    list_page = seller_client.get(reverse("dashboard:products"))
    assert list_page.context["products"][0].available == 12


def test_stock_below_what_is_allocated_is_refused(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller)
    warehouse = WarehouseFactory()
    stock = stock_of(variant, warehouse, quantity=10)
    allocate(stock, 6)
    movements = StockMovement.objects.count()

    response = seller_client.post(stock_url(variant, warehouse), stock_form(variant, warehouse, 5, "Z-9"))

    assert response.status_code == 200
    message = "6 units here are allocated to orders; the count cannot be lower than that."
    assert message in response.content.decode()
    stock.refresh_from_db()
    assert (stock.quantity, stock.quantity_allocated, stock.bin_location) == (10, 6, "")
    assert StockMovement.objects.count() == movements


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (-1, "Ensure this value is greater than or equal to 0."),
        ("lots", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_bad_stock_quantity_is_a_form_error(seller_client, quantity, message):
    variant = VariantFactory(product__seller=seller_client.seller)
    warehouse = WarehouseFactory()
    stock_of(variant, warehouse, quantity=3)

    response = seller_client.post(stock_url(variant, warehouse), stock_form(variant, warehouse, quantity))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="id_stock-{variant.pk}-{warehouse.pk}-quantity_error"' in html
    assert Stock.objects.get(variant=variant, warehouse=warehouse).quantity == 3
    assert StockMovement.objects.count() == 1


def test_stock_cannot_be_set_in_a_hub_or_a_closed_warehouse(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller)
    hub = WarehouseFactory(kind=Warehouse.Kind.CONSOLIDATION_HUB)
    closed = WarehouseFactory(is_active=False)

    for warehouse in (hub, closed):
        response = seller_client.post(stock_url(variant, warehouse), stock_form(variant, warehouse, 5))
        assert response.status_code == 404
    assert not Stock.objects.exists()
