"""Product lists kept whole in the cache (home, category, search, `/api/v1/products/`): whatever a shopper
would see change shows on the next request, and nothing personal is ever kept.

The cache is on in tests (cleared before each one): every test reads the lists, changes one thing the way
the shop changes it (a service, the admin's save, a paid order), and reads them again.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.fragments import bump_version, clear_shared_fragments, current_versions
from marketplace.tests.factories import UserFactory
from shop.models import Product
from shop.services.catalog import archive_product, update_product
from shop.services.images import move_product_image
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    VariantFactory,
    image_upload,
    paid_order,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/products/"


def titles(html: str) -> list[str]:
    return re.findall(r'class="product-card-title">([^<]*)<', html)


@pytest.fixture(name="lamps")
def lamps_fixture():
    """Two lamps of one seller in the category "lamps" (a child of "lighting"), in stock."""
    lighting = CategoryFactory(slug="lighting", name="Lighting")
    lamps = CategoryFactory(slug="lamps", name="Lamps", parent=lighting)
    seller = SellerFactory(name="Bright works")
    warehouse = WarehouseFactory()
    products = []
    for title in ("Desk lamp", "Floor lamp"):
        variant = VariantFactory(
            product=ProductFactory(title=title, category=lamps, seller=seller), price=Decimal("20.00")
        )
        stock_of(variant, warehouse=warehouse, quantity=10)
        products.append(variant.product)
    return products


def pages(client) -> dict[str, str]:
    """The HTML of every list page showing the lamps."""
    urls = {
        "home": reverse("home"),
        "category": reverse("category", kwargs={"slug": "lamps"}),
        "search": reverse("search") + "?q=lamp",
    }
    return {name: client.get(url).content.decode() for name, url in urls.items()}


def api_titles(api_client, **params) -> list[str]:
    return [item["title"] for item in api_client.get(LIST_URL, params).json()["results"]]


def test_a_new_product_shows_on_every_list_and_in_the_counts_on_the_next_request(client, api_client, lamps):
    before = pages(client)
    assert "2 products" in before["category"]
    assert "Wall lamp" not in api_titles(api_client)

    stock_of(VariantFactory(product=ProductFactory(title="Wall lamp", category=lamps[0].category)))

    for html in pages(client).values():
        assert "Wall lamp" in titles(html)
    assert "3 products" in pages(client)["category"]
    assert "Wall lamp" in api_titles(api_client)
    assert api_client.get(LIST_URL).json()["count"] == 3


def test_an_archived_product_leaves_every_list_on_the_next_request(client, api_client, lamps):
    pages(client)
    api_titles(api_client)

    archive_product(product=lamps[0])

    for html in pages(client).values():
        assert "Desk lamp" not in titles(html)
    assert "1 product<" in pages(client)["category"]
    assert api_titles(api_client) == ["Floor lamp"]


def test_a_renamed_seller_shows_on_the_cards_and_in_the_filter_panel_on_the_next_request(client, api_client, lamps):
    assert ">Bright works</option>" in pages(client)["category"]
    assert api_client.get(LIST_URL).json()["results"][0]["seller"]["name"] == "Bright works"
    seller = lamps[0].seller

    seller.name = "Lumen & Co"
    seller.save()  # as the admin saves it

    for html in pages(client).values():
        assert "Bright works" not in html
        assert 'class="product-card-seller">Lumen &amp; Co<' in html
    assert ">Lumen &amp; Co</option>" in pages(client)["category"]
    assert api_client.get(LIST_URL).json()["results"][0]["seller"]["name"] == "Lumen & Co"


def test_a_renamed_category_shows_in_its_page_and_on_home_on_the_next_request(client, lamps):
    pages(client)
    category = lamps[0].category

    category.name = "Table lamps"
    category.save()
    category.parent.name = "Light"
    category.parent.save()

    after = pages(client)
    assert "<h1>Table lamps</h1>" in after["category"]
    assert '<a href="/c/lighting/">Light</a>' in after["category"]
    assert '<a href="/c/lamps/">Table lamps</a>' in after["home"]


def test_a_product_moved_to_another_category_leaves_the_old_one_on_the_next_request(client, lamps):
    pages(client)

    update_product(product=lamps[0], data={"category": CategoryFactory(slug="desks")})

    assert titles(pages(client)["category"]) == ["Floor lamp"]
    assert titles(client.get(reverse("category", kwargs={"slug": "desks"})).content.decode()) == ["Desk lamp"]


def test_a_reordered_first_photo_shows_on_the_cards_on_the_next_request(client, lamps):
    first = ProductImageFactory(product=lamps[0], image=image_upload(size=(8, 8)), alt_text="first", position=1)
    second = ProductImageFactory(product=lamps[0], image=image_upload(size=(8, 8)), alt_text="second", position=2)
    assert first.image.name in pages(client)["category"]

    move_product_image(image=second, offset=-1)

    html = pages(client)["category"]
    assert second.image.name in html
    assert first.image.name not in html


def test_best_selling_follows_paid_orders_on_the_next_request(client, api_client, lamps):
    desk, floor = lamps
    paid_order((desk.variants.get(), 2))
    url = reverse("category", kwargs={"slug": "lamps"}) + "?sort=best_selling"
    assert titles(client.get(url).content.decode()) == ["Desk lamp", "Floor lamp"]
    assert api_titles(api_client, sort="best_selling") == ["Desk lamp", "Floor lamp"]

    paid_order((floor.variants.get(), 5))

    assert titles(client.get(url).content.decode()) == ["Floor lamp", "Desk lamp"]
    assert api_titles(api_client, sort="best_selling") == ["Floor lamp", "Desk lamp"]


def test_a_product_sold_out_by_an_order_shows_sold_out_on_the_next_request(client, api_client, lamps):
    assert "Sold out" not in pages(client)["category"]

    paid_order((lamps[0].variants.get(), 10))  # its stock held by the order

    for html in pages(client).values():
        assert html.count("Sold out") == 1
    assert [item["available"] for item in api_client.get(LIST_URL).json()["results"]] == [10, 0]


def test_two_signed_in_shoppers_share_the_list_but_never_each_others_header(client, lamps):
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    url = reverse("category", kwargs={"slug": "lamps"})
    client.force_login(ada)
    as_ada = client.get(url).content.decode()
    client.force_login(bob)

    as_bob = client.get(url).content.decode()

    assert titles(as_ada) == titles(as_bob) == ["Floor lamp", "Desk lamp"]
    assert "Log out ada" in as_ada
    assert "Log out bob" in as_bob
    assert "ada" not in as_bob.replace("Log out bob", "")


def test_the_lists_rebuild_once_the_cache_lost_their_versions(client, lamps):
    pages(client)
    clear_shared_fragments()

    Product.objects.filter(pk=lamps[0].pk).update(title="Reading lamp")  # unseen: the versions start afresh

    assert "Reading lamp" in titles(pages(client)["category"])


def test_a_version_gets_a_new_token_again_when_its_transaction_commits(django_capture_on_commit_callbacks):
    before = current_versions("catalog")
    with django_capture_on_commit_callbacks(execute=True):
        bump_version("catalog")
        # A request now may keep what it read before the commit under this token...
        inside = current_versions("catalog")

    # ...which is never read again once the transaction has committed.
    assert len({before, inside, current_versions("catalog")}) == 3
