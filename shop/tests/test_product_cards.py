"""Product cards shared through the fragment cache: a change a shopper would see shows on the next request.

The cache is on in tests (cleared before each one), so every test here renders a list, changes one
thing through its service, and reads the list again.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.api.serializers import ProductImageSerializer
from shop.models import ProductImage
from shop.services.catalog import update_product, update_variant
from shop.services.images import update_product_image
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    VariantFactory,
    image_upload,
)
from shop.tests.reviews_support import add_reviews

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/products/"


def card_of(html: str, title: str) -> str:
    """The card (its <li>) showing `title`."""
    for card in re.findall(r'<li class="product-card">.*?</li>', html, flags=re.S):
        if f'class="product-card-title">{title}<' in card:
            return card
    raise AssertionError(f"no card for {title!r}")


@pytest.fixture(name="listed")
def listed_fixture():
    """A product in a category: one variant at 20.00 with 10 units in a warehouse, one photo; and a neighbour."""
    category = CategoryFactory(slug="lamps")
    warehouse = WarehouseFactory()
    variant = VariantFactory(product=ProductFactory(title="Desk lamp", category=category), price=Decimal("20.00"))
    stock_of(variant, warehouse=warehouse, quantity=10)
    ProductImageFactory(product=variant.product, image=image_upload(size=(8, 8)), alt_text="A lamp")
    stock_of(VariantFactory(product=ProductFactory(title="Floor lamp", category=category)), warehouse=warehouse)
    return variant, warehouse


def pages(client) -> dict[str, str]:
    """The HTML of every list page showing the lamps."""
    urls = {
        "home": reverse("home"),
        "category": reverse("category", kwargs={"slug": "lamps"}),
        "search": reverse("search") + "?q=lamp",
    }
    return {name: client.get(url).content.decode() for name, url in urls.items()}


def api_item(api_client, title: str) -> dict:
    return next(item for item in api_client.get(LIST_URL).json()["results"] if item["title"] == title)


def test_a_price_change_shows_on_the_next_request(client, api_client, listed):
    variant, _ = listed
    assert all("$20.00" in card_of(html, "Desk lamp") for html in pages(client).values())
    assert api_item(api_client, "Desk lamp")["min_price"] == "20.00"

    update_variant(variant=variant, data={"price": Decimal("17.50")})

    for html in pages(client).values():
        assert "$17.50" in card_of(html, "Desk lamp")
        assert "$20.00" not in card_of(html, "Desk lamp")
    assert api_item(api_client, "Desk lamp")["min_price"] == "17.50"


def test_a_stock_change_through_the_stock_service_shows_on_the_next_request(client, api_client, listed):
    variant, warehouse = listed
    assert all("Sold out" not in card_of(html, "Desk lamp") for html in pages(client).values())
    assert api_item(api_client, "Desk lamp")["available"] == 10

    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=0)

    assert all("Sold out" in card_of(html, "Desk lamp") for html in pages(client).values())
    assert api_item(api_client, "Desk lamp")["available"] == 0
    # The neighbour's card is untouched.
    assert all("Sold out" not in card_of(html, "Floor lamp") for html in pages(client).values())


def test_a_retitled_product_shows_its_new_title_on_the_next_request(client, api_client, listed):
    variant, _ = listed
    pages(client)
    api_item(api_client, "Desk lamp")

    update_product(product=variant.product, data={"title": "Reading lamp"})

    for html in pages(client).values():
        card_of(html, "Reading lamp")
        assert "Desk lamp" not in html
    assert api_item(api_client, "Reading lamp")["slug"] == variant.product.slug


def test_a_new_review_rating_shows_on_the_next_request(client, api_client, listed):
    variant, _ = listed
    assert all('class="rating"' not in card_of(html, "Desk lamp") for html in pages(client).values())

    add_reviews(variant.product, 1, rating=4, photos=0)

    for html in pages(client).values():
        assert 'aria-label="Rated 4.0 out of 5 from 1 review"' in card_of(html, "Desk lamp")


def test_a_changed_first_image_shows_on_the_next_request(client, api_client, listed):
    variant, _ = listed
    image = ProductImage.objects.get(product=variant.product)
    pages(client)
    assert api_item(api_client, "Desk lamp")["image"]["alt_text"] == "A lamp"

    update_product_image(image=image, alt_text="A brass desk lamp")
    ProductImage.objects.filter(pk=image.pk).update(renditions={"jpeg": {"320": "r/lamp-320.jpg"}})  # the task

    item = api_item(api_client, "Desk lamp")
    assert item["image"]["alt_text"] == "A brass desk lamp"
    assert list(item["image"]["renditions"]["jpeg"]) == ["320"]
    assert "r/lamp-320.jpg" in card_of(pages(client)["category"], "Desk lamp")


def test_an_api_item_shows_its_image_as_the_image_serializer_does(api_client, listed):
    variant, _ = listed
    image = ProductImage.objects.get(product=variant.product)
    ProductImage.objects.filter(pk=image.pk).update(renditions={"webp": {"640": "r/a-640.webp", "320": "r/a-320.webp"}})
    image.refresh_from_db()
    request = api_client.get(LIST_URL).wsgi_request

    item = api_item(api_client, "Desk lamp")

    assert item["image"] == ProductImageSerializer(image, context={"request": request}).data


def test_the_filter_panel_offers_a_new_seller_on_the_next_request(client, listed):
    url = reverse("category", kwargs={"slug": "lamps"})
    assert "Lamp works" not in client.get(url).content.decode()

    stock_of(
        VariantFactory(
            product=ProductFactory(
                title="Wall lamp", category=listed[0].product.category, seller=SellerFactory(name="Lamp works")
            )
        )
    )

    assert ">Lamp works</option>" in client.get(url).content.decode()
