"""Public catalog API: product list (search, filters, pages), product detail, categories."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.fragments import clear_shared_fragments
from shop.models import Product
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/products/"


def on_sale(**fields) -> Product:
    """An active product with an active variant: something a shopper can buy."""
    product = ProductFactory(**fields)
    VariantFactory(product=product)
    return product


def _slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


def test_list_shows_a_product_card_with_price_availability_and_first_image(api_client):
    # given an active product with two variants, stock and two images
    seller = SellerFactory(name="Acme", slug="acme")
    category = CategoryFactory(name="Skincare", slug="skincare")
    product = ProductFactory(seller=seller, category=category, title="Face cream", slug="face-cream")
    cheap = VariantFactory(product=product, price=Decimal("9.50"), currency="EUR")
    VariantFactory(product=product, price=Decimal("12.00"), currency="EUR")
    stock_of(cheap, quantity=4)
    first = ProductImageFactory(
        product=product,
        position=1,
        alt_text="Jar",
        renditions={"jpeg": {"640": "products/r/a-640.jpg", "320": "products/r/a-320.jpg"}},
    )
    ProductImageFactory(product=product, position=2)

    # when
    response = api_client.get(LIST_URL)

    # then
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": product.pk,
                "slug": "face-cream",
                "title": "Face cream",
                "seller": {"name": "Acme", "slug": "acme"},
                "category": {"id": category.pk, "name": "Skincare", "slug": "skincare"},
                "min_price": "9.50",
                "currency": "EUR",
                "available": 4,
                "image": {
                    "id": first.pk,
                    "url": f"http://testserver/media/{first.image.name}",
                    "alt_text": "Jar",
                    "width": 800,
                    "height": 600,
                    "position": 1,
                    "renditions": {
                        "jpeg": {
                            "320": "http://testserver/media/products/r/a-320.jpg",
                            "640": "http://testserver/media/products/r/a-640.jpg",
                        }
                    },
                },
            }
        ],
    }


def test_list_leaves_out_drafts_archived_products_and_products_with_nothing_to_buy(api_client):
    on_sale(slug="on-sale")
    on_sale(slug="draft", status=Product.Status.DRAFT)
    on_sale(slug="archived", status=Product.Status.ARCHIVED)
    ProductFactory(slug="no-variant")
    VariantFactory(product=ProductFactory(slug="variant-off-sale"), is_active=False)

    response = api_client.get(LIST_URL)

    assert _slugs(response) == ["on-sale"]


def test_search_matches_title_description_and_seller(api_client):
    on_sale(slug="mug", title="Blue mug")
    on_sale(slug="shirt", title="Shirt", description="A blue cotton shirt")
    on_sale(slug="sock", title="Sock", seller=SellerFactory(name="Bluebird"))
    on_sale(slug="red", title="Red cup")

    response = api_client.get(LIST_URL, {"q": "blue"})

    assert response.status_code == 200
    assert sorted(_slugs(response)) == ["mug", "shirt", "sock"]


def test_category_filter_includes_sub_categories(api_client):
    clothes = CategoryFactory(slug="clothes")
    shirts = CategoryFactory(slug="shirts", parent=clothes)
    linen = CategoryFactory(slug="linen", parent=shirts)
    on_sale(slug="coat", category=clothes)
    on_sale(slug="shirt", category=shirts)
    on_sale(slug="linen-shirt", category=linen)
    on_sale(slug="lamp", category=CategoryFactory(slug="home"))

    response = api_client.get(LIST_URL, {"category": "shirts"})

    assert sorted(_slugs(response)) == ["linen-shirt", "shirt"]


def test_seller_filter(api_client):
    acme = SellerFactory(slug="acme")
    on_sale(slug="a", seller=acme)
    on_sale(slug="b")

    response = api_client.get(LIST_URL, {"seller": "acme"})

    assert _slugs(response) == ["a"]


def test_price_filters_use_the_lowest_variant_price(api_client):
    for slug, price in (("five", "5.00"), ("ten", "10.00"), ("twenty", "20.00")):
        VariantFactory(product=ProductFactory(slug=slug), price=Decimal(price))

    response = api_client.get(LIST_URL, {"min_price": "6", "max_price": "10.00"})

    assert _slugs(response) == ["ten"]


def test_empty_filters_as_a_form_sends_them_are_ignored(api_client):
    on_sale(slug="any")

    response = api_client.get(LIST_URL, {"q": "", "category": "", "seller": "", "min_price": "", "max_price": " "})

    assert response.status_code == 200
    assert _slugs(response) == ["any"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"min_price": "abc"}, {"min_price": ["A valid number is required."]}),
        ({"max_price": "NaN"}, {"max_price": ["A valid number is required."]}),
        ({"min_price": "-1"}, {"min_price": ["Ensure this value is greater than or equal to 0."]}),
        ({"min_price": "1.001"}, {"min_price": ["Ensure that there are no more than 2 decimal places."]}),
        ({"min_price": "10", "max_price": "5"}, {"max_price": ["Must not be below min_price."]}),
        ({"category": "nope"}, {"category": ["No category has the slug nope."]}),
        ({"seller": "nobody"}, {"seller": ["No seller has the slug nobody."]}),
    ],
)
def test_bad_filter_values_are_400_naming_the_field(api_client, params, fields):
    ProductFactory()

    response = api_client.get(LIST_URL, params)

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": f"Invalid input: {', '.join(fields)}.",
        "fields": fields,
    }


def test_pages_hold_24_products_and_a_page_past_the_end_is_404(api_client):
    for _ in range(25):
        on_sale()

    first = api_client.get(LIST_URL)
    second = api_client.get(LIST_URL, {"page": 2})
    past_the_end = api_client.get(LIST_URL, {"page": 3})

    assert (first.json()["count"], len(first.json()["results"])) == (25, 24)
    assert first.json()["next"] == "http://testserver/api/v1/products/?page=2"
    assert len(second.json()["results"]) == 1
    assert past_the_end.status_code == 404
    assert past_the_end.json() == {"code": "not_found", "message": "Invalid page.", "fields": {}}


def _product_with_everything(index: int) -> Product:
    product = ProductFactory()
    warehouse = WarehouseFactory()
    for _ in range(2):
        stock_of(VariantFactory(product=product), warehouse=warehouse, quantity=index + 1)
    ProductImageFactory(product=product)
    return product


def test_list_query_count_does_not_grow_with_the_number_of_products(api_client):
    category = CategoryFactory(slug="all")
    params = {"q": "Product", "min_price": "1", "category": "all"}

    def get_all() -> tuple[list[dict], int, int]:
        """The results and the queries with no item cached (loaded and serialized), then with all cached."""
        Product.objects.update(category=category)
        clear_shared_fragments()
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = api_client.get(LIST_URL, params)
            assert response.status_code == 200
            counts.append(len(queries))
        return response.json()["results"], *counts

    _product_with_everything(0)
    results, one_cold, one = get_all()
    assert len(results) == 1

    for index in range(1, 30):
        _product_with_everything(index)
    results, many_cold, many = get_all()
    assert len(results) == 24

    # cold: category look-up, its tree, count, ids and versions, the items' products and first images;
    # warm: the whole page's data from the cache under the catalog's versions
    assert one == many == 0
    assert one_cold == many_cold == 6


def test_detail_shows_active_variants_with_availability_and_images(api_client):
    product = ProductFactory(
        title="Hoodie",
        slug="hoodie",
        description="Warm.",
        category=None,
        seller=SellerFactory(name="Acme", slug="acme"),
    )
    small = VariantFactory(
        product=product,
        sku="H-S",
        name="",
        option_values={"size": "S", "colour": "Grey"},
        price=Decimal("40.00"),
        compare_at_price=Decimal("50.00"),
        position=1,
    )
    large = VariantFactory(product=product, sku="H-L", name="Large", price=Decimal("42.00"), position=2)
    VariantFactory(product=product, sku="H-XL", is_active=False)
    stock_of(small, quantity=3)
    image = ProductImageFactory(product=product, alt_text="Front", position=1)

    response = api_client.get("/api/v1/products/hoodie/")

    assert response.status_code == 200
    assert response.json() == {
        "id": product.pk,
        "slug": "hoodie",
        "title": "Hoodie",
        "description": "Warm.",
        "seller": {"name": "Acme", "slug": "acme"},
        "category": None,
        "variants": [
            {
                "id": small.pk,
                "sku": "H-S",
                "name": "",
                "label": "Grey / S",
                "option_values": {"size": "S", "colour": "Grey"},
                "price": "40.00",
                "currency": "USD",
                "compare_at_price": "50.00",
                "available": 3,
                "in_stock": True,
            },
            {
                "id": large.pk,
                "sku": "H-L",
                "name": "Large",
                "label": "Large",
                "option_values": {},
                "price": "42.00",
                "currency": "USD",
                "compare_at_price": None,
                "available": 0,
                "in_stock": False,
            },
        ],
        "images": [
            {
                "id": image.pk,
                "url": f"http://testserver/media/{image.image.name}",
                "alt_text": "Front",
                "width": 800,
                "height": 600,
                "position": 1,
                "renditions": {},
            }
        ],
    }


@pytest.mark.parametrize("slug", ["no-such-thing", "draft-one"])
def test_detail_of_an_unknown_or_unpublished_product_is_404_json(api_client, slug):
    ProductFactory(slug="draft-one", status=Product.Status.DRAFT)

    response = api_client.get(f"/api/v1/products/{slug}/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No product on sale has this slug.", "fields": {}}


def test_categories_are_listed_flat_with_their_parent(api_client):
    clothes = CategoryFactory(name="Clothes", slug="clothes", position=1)
    shirts = CategoryFactory(name="Shirts", slug="shirts", parent=clothes, position=2)
    home = CategoryFactory(name="Home", slug="home", position=0)

    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/categories/")

    assert response.status_code == 200
    assert response.json() == [
        {"id": home.pk, "name": "Home", "slug": "home", "parent": None, "position": 0},
        {"id": clothes.pk, "name": "Clothes", "slug": "clothes", "parent": None, "position": 1},
        {"id": shirts.pk, "name": "Shirts", "slug": "shirts", "parent": "clothes", "position": 2},
    ]
    assert len(queries) == 1


def test_catalog_is_read_only(api_client, seller_api_client):
    anonymous = api_client.post(LIST_URL, {"title": "x"})
    member = seller_api_client.post(LIST_URL, {"title": "x"})

    assert anonymous.status_code == member.status_code == 405
    assert member.json() == {"code": "method_not_allowed", "message": 'Method "POST" not allowed.', "fields": {}}
    assert not Product.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint/", "/api/v1/seller/products/not-a-number/"])
def test_unknown_api_address_is_404_json(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No API endpoint at this address.", "fields": {}}
