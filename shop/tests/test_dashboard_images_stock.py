"""Seller dashboard: pictures (upload, text alternative, order, delete) and the stock grid (one form, one save)."""

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.models import Stock, StockMovement, Warehouse
from fulfillment.services.stock import _apply, adjust_stock, lock_stocks
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import run_by
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


# Stock: one grid, one save


class _FormInputs(HTMLParser):
    """The inputs of one form of a page, as a browser would post them (name -> value)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.forms, self.values = action, False, 0, {}

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == self.action:
            self.inside, self.forms = True, self.forms + 1
        elif tag == "input" and self.inside:
            self.values[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self.inside = False


def save_url(product) -> str:
    return reverse("dashboard:stock-save", kwargs={"pk": product.pk})


def grid_inputs(client, product) -> dict[str, str]:
    """GET the product page; the stock grid's inputs with the values it shows (exactly one such form)."""
    parser = _FormInputs(save_url(product))
    parser.feed(client.get(edit_url(product)).content.decode())
    assert parser.forms == 1
    return parser.values


def cell(variant, warehouse, field="quantity") -> str:
    return f"stock-{variant.pk}-{warehouse.pk}-{field}"


def allocate(stock: Stock, quantity: int) -> None:
    """Promise units to an order, with its ledger row (until the allocation service lands)."""
    with transaction.atomic():
        locked = lock_stocks(stock_ids=[stock.pk])[stock.pk]
        _apply(stock=locked, quantity_change=0, allocated_change=quantity, reason=StockMovement.Reason.ALLOCATED)


def stock_table() -> dict[tuple[int, int], tuple[int, int, str]]:
    return {
        (s.variant_id, s.warehouse_id): (s.quantity, s.quantity_allocated, s.bin_location) for s in Stock.objects.all()
    }


@pytest.fixture
def two_by_four(seller_client):
    """The phone shopper's issue: 2 variants x 4 fulfillment centres, some stock already counted."""
    product = ProductFactory(seller=seller_client.seller)
    variants = [
        VariantFactory(product=product, sku="TEE-S", position=0),
        VariantFactory(product=product, sku="TEE-M", position=1),
    ]
    warehouses = [
        WarehouseFactory(code=f"FC-{n}", name=f"Centre {n}", **run_by(seller_client.seller)) for n in range(1, 5)
    ]
    for variant in variants:
        stock_of(variant, warehouses[0], quantity=10)
    return product, variants, warehouses


def test_the_stock_grid_has_a_row_per_variant_and_a_column_per_active_fulfillment_centre(seller_client):
    variant = VariantFactory(product__seller=seller_client.seller, sku="LIN-M")
    other = VariantFactory(product=variant.product, sku="LIN-L")
    newark = WarehouseFactory(code="US-NJ1", name="Newark", **run_by(seller_client.seller))
    reno = WarehouseFactory(code="US-NV1", name="Reno", **run_by(seller_client.seller))
    WarehouseFactory(code="HUB-1", kind=Warehouse.Kind.CONSOLIDATION_HUB)
    WarehouseFactory(code="RET-1", kind=Warehouse.Kind.RETURNS_CENTRE)
    WarehouseFactory(code="OLD-1", is_active=False)
    stock = stock_of(variant, newark, quantity=9)
    Stock.objects.filter(pk=stock.pk).update(bin_location="A-03-2")
    allocate(stock, 4)

    html = seller_client.get(edit_url(variant.product)).content.decode()
    inputs = grid_inputs(seller_client, variant.product)

    assert html.count(f'action="{save_url(variant.product)}"') == 1
    assert html.count(">Save stock</button>") == 1
    assert "US-NJ1<span" in html and "US-NV1<span" in html
    assert "HUB-1" not in html and "RET-1" not in html and "OLD-1" not in html
    assert {name: value for name, value in inputs.items() if name.startswith(("stock-", "initial-"))} == {
        cell(variant, newark): "9", f"initial-{cell(variant, newark)}": "9",
        cell(variant, newark, "bin_location"): "A-03-2", f"initial-{cell(variant, newark, 'bin_location')}": "A-03-2",
        **{
            name: "0" if name.endswith("quantity") else ""
            for v, w in ((variant, reno), (other, newark), (other, reno))
            for field in ("quantity", "bin_location")
            for name in (cell(v, w, field), f"initial-{cell(v, w, field)}")
        },
    }  # fmt: skip
    assert f'<p class="dash-allocated" id="id_{cell(variant, newark)}_helptext">4 allocated</p>' in html
    assert f'aria-describedby="id_{cell(variant, newark)}_helptext"' in html
    assert '<span class="visually-hidden">LIN-M at US-NJ1: </span>On hand</label>' in html


def test_one_save_writes_every_changed_cell_with_one_movement_each(seller_client, seller_member, two_by_four):
    product, (small, medium), (fc1, fc2, fc3, fc4) = two_by_four
    movements_before = StockMovement.objects.count()
    data = grid_inputs(seller_client, product)
    data |= {
        cell(small, fc1): "12",
        cell(small, fc3): "5",
        cell(medium, fc4): "7",
        cell(medium, fc2, "bin_location"): "B-1",
    }

    response = seller_client.post(save_url(product), data)

    assert response.status_code == 302
    assert response["Location"] == edit_url(product) + "#stock"
    assert stock_table() == {
        (small.pk, fc1.pk): (12, 0, ""),
        (small.pk, fc3.pk): (5, 0, ""),
        (medium.pk, fc1.pk): (10, 0, ""),
        (medium.pk, fc2.pk): (0, 0, "B-1"),
        (medium.pk, fc4.pk): (7, 0, ""),
    }  # untouched empty cells got no stock row
    new = StockMovement.objects.order_by("pk")[movements_before:]
    assert sorted(
        (m.stock.variant_id, m.stock.warehouse_id, m.quantity_change, m.quantity_after) for m in new
    ) == sorted([(small.pk, fc1.pk, 2, 12), (small.pk, fc3.pk, 5, 5), (medium.pk, fc4.pk, 7, 7)])
    assert {(m.reason, m.by, m.reference) for m in new} == {("counted", seller_member.user, "dashboard")}

    page = seller_client.get(response["Location"])
    assert "The stock was saved: 4 cells changed." in page.content.decode()
    assert grid_inputs(seller_client, product)[cell(small, fc3)] == "5"
    assert seller_client.get(reverse("dashboard:products")).context["products"][0].available == 12 + 5 + 10 + 7


def test_a_cell_left_as_shown_is_not_written_even_if_its_stock_moved_since(seller_client, two_by_four):
    product, (small, medium), (fc1, fc2, _, _) = two_by_four
    data = grid_inputs(seller_client, product)  # the seller sees 10 of each at FC-1
    adjust_stock(warehouse=fc1, variant_id=small.pk, change=5, reason=StockMovement.Reason.RECEIVED)  # then 5 arrive
    data |= {cell(medium, fc2): "3", cell(small, fc1, "bin_location"): "A-1"}  # only the bin of that cell changes

    response = seller_client.post(save_url(product), data)

    assert response.status_code == 302
    assert stock_table() == {
        (small.pk, fc1.pk): (15, 0, "A-1"),
        (medium.pk, fc1.pk): (10, 0, ""),
        (medium.pk, fc2.pk): (3, 0, ""),
    }


def test_saving_an_unchanged_grid_writes_nothing(seller_client, two_by_four):
    product = two_by_four[0]
    before, movements = stock_table(), StockMovement.objects.count()

    response = seller_client.post(save_url(product), grid_inputs(seller_client, product), follow=True)

    assert "Nothing to save: no count or bin was changed." in response.content.decode()
    assert (stock_table(), StockMovement.objects.count()) == (before, movements)


def test_a_count_below_what_is_allocated_saves_nothing_and_says_which_cell(seller_client, two_by_four):
    product, (small, medium), (fc1, fc2, _, _) = two_by_four
    allocate(Stock.objects.get(variant=medium, warehouse=fc1), 6)
    data = grid_inputs(seller_client, product)
    data |= {
        cell(small, fc1): "14",
        cell(small, fc2): "3",
        cell(medium, fc1): "5",
        cell(medium, fc1, "bin_location"): "Z-9",
    }
    before, movements = stock_table(), StockMovement.objects.count()

    response = seller_client.post(save_url(product), data)

    assert response.status_code == 200
    assert (stock_table(), StockMovement.objects.count()) == (before, movements)  # not even the valid cells
    html = response.content.decode()
    message = "Cannot be lower than 6: that many units here are allocated to orders."
    assert f'<ul class="errorlist" id="id_{cell(medium, fc1)}_error"><li>{message}</li></ul>' in html
    assert html.count(message) == 2  # on the cell, and in the summary above the grid
    assert f'<a href="#id_{cell(medium, fc1)}">TEE-M at FC-1: {message}</a>' in html
    assert "Nothing was saved: one cell needs fixing." in html
    again = _FormInputs(save_url(product))
    again.feed(html)
    typed = {name: value for name, value in data.items() if name != "csrfmiddlewaretoken"}
    assert {name: again.values[name] for name in typed} == typed  # what was typed, and what was shown
    assert 'aria-invalid="true"' in html


def test_every_refused_cell_gets_its_error_at_once(seller_client, two_by_four):
    product, (small, medium), (fc1, _, _, _) = two_by_four
    allocate(Stock.objects.get(variant=small, warehouse=fc1), 3)
    allocate(Stock.objects.get(variant=medium, warehouse=fc1), 8)
    data = grid_inputs(seller_client, product) | {cell(small, fc1): "2", cell(medium, fc1): "7"}

    response = seller_client.post(save_url(product), data)

    html = response.content.decode()
    assert "Nothing was saved: 2 cells need fixing." in html
    assert "TEE-S at FC-1: Cannot be lower than 3: that many units here are allocated to orders." in html
    assert "TEE-M at FC-1: Cannot be lower than 8: that many units here are allocated to orders." in html
    assert [s.quantity for s in Stock.objects.order_by("pk")] == [10, 10]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("lots", "Enter a whole number."),
        ("", "This field is required."),
    ],
)
def test_a_bad_count_is_a_field_error_and_nothing_is_saved(seller_client, two_by_four, quantity, message):
    product, (small, medium), (fc1, _, _, _) = two_by_four
    data = grid_inputs(seller_client, product) | {cell(small, fc1): "20", cell(medium, fc1): quantity}
    before, movements = stock_table(), StockMovement.objects.count()

    response = seller_client.post(save_url(product), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<ul class="errorlist" id="id_{cell(medium, fc1)}_error"><li>{message}</li></ul>' in html
    assert (stock_table(), StockMovement.objects.count()) == (before, movements)


def test_cells_of_a_hub_a_closed_warehouse_or_a_variant_added_since_are_left_alone(seller_client, two_by_four):
    product, (small, _), (fc1, _, _, _) = two_by_four
    data = grid_inputs(seller_client, product)
    newer = VariantFactory(product=product)  # added in another tab: not on the page the seller saves
    hub = WarehouseFactory(kind=Warehouse.Kind.CONSOLIDATION_HUB)
    closed = WarehouseFactory(is_active=False)
    data |= {cell(small, fc1): "11", cell(small, hub): "5", cell(small, closed): "5"}

    response = seller_client.post(save_url(product), data)

    assert response.status_code == 302
    assert Stock.objects.get(variant=small, warehouse=fc1).quantity == 11
    assert not Stock.objects.filter(warehouse__in=[hub, closed]).exists()
    assert not Stock.objects.filter(variant=newer).exists()


def test_the_save_answers_only_post(seller_client, two_by_four):
    assert seller_client.get(save_url(two_by_four[0])).status_code == 405


def _save_queries(client, product, data) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(save_url(product), data)
    return response.status_code, len(queries)


def test_saving_and_refusing_cost_the_same_queries_for_a_small_and_a_large_grid(seller_client):
    """One changed cell costs as much in a 1 x 1 grid as in a 6 x 4 one: untouched cells cost nothing."""
    product = ProductFactory(seller=seller_client.seller)
    first = VariantFactory(product=product)
    warehouse = WarehouseFactory(**run_by(seller_client.seller))
    allocate(stock_of(first, warehouse, quantity=10), 4)

    def both(data_for):
        data = grid_inputs(seller_client, product)
        saved = _save_queries(seller_client, product, data | {cell(first, warehouse): data_for("save")})
        refused = _save_queries(seller_client, product, data | {cell(first, warehouse): data_for("refuse")})
        return saved, refused

    small = both(lambda what: "11" if what == "save" else "3")
    for _ in range(5):
        variant = VariantFactory(product=product)
        stock_of(variant, warehouse, quantity=2)
    for _ in range(3):
        extra = WarehouseFactory(**run_by(seller_client.seller))
        for variant in product.variants.all():
            stock_of(variant, extra, quantity=1)
    Stock.objects.filter(variant=first, warehouse=warehouse).update(quantity=10)  # as before the first save
    large = both(lambda what: "11" if what == "save" else "3")

    assert small[0][0] == large[0][0] == 302 and small[1][0] == large[1][0] == 200
    assert large == small


def test_the_product_page_with_its_grid_costs_the_same_queries_for_1_and_many_cells(
    seller_client, get_counting_queries
):
    product = ProductFactory(seller=seller_client.seller)
    stock_of(VariantFactory(product=product), WarehouseFactory(**run_by(seller_client.seller)))
    one_response, one = get_counting_queries(seller_client, edit_url(product))

    for _ in range(5):
        VariantFactory(product=product)
    for _ in range(3):
        WarehouseFactory(**run_by(seller_client.seller))
    many_response, many = get_counting_queries(seller_client, edit_url(product))

    assert one_response.context["stock_grid"].rows[0].cells and len(many_response.context["stock_grid"].rows) == 6
    assert sum(len(row.cells) for row in many_response.context["stock_grid"].rows) == 6 * 4
    assert many == one
