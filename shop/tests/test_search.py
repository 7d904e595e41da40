"""Search: what a shopper finds by typing in the search box."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfillment.tests.factories import stock_of
from shop.models import Product
from shop.selectors import search_products, storefront_products
from shop.tests.factories import ProductFactory, SellerFactory, VariantFactory

pytestmark = pytest.mark.django_db


def found_titles(response) -> list[str]:
    """Titles of the product cards in the results, in page order."""
    return re.findall(r'class="product-card-title">([^<]*)<', response.content.decode())


def listed_product(*, title: str, price: str = "19.99", **fields) -> Product:
    """An active product with one variant in stock."""
    variant = VariantFactory(product=ProductFactory(title=title, **fields), price=Decimal(price))
    stock_of(variant, quantity=10)
    return variant.product


def search(client, query: str, **params):
    return client.get(reverse("search"), {"q": query, **params})


def test_search_finds_a_product_by_title(client):
    listed_product(title="Velvet cushion")
    listed_product(title="Steel kettle")

    response = search(client, "cushion")

    assert response.status_code == 200
    assert found_titles(response) == ["Velvet cushion"]
    page = response.content.decode()
    assert "Search results for “cushion”" in page
    assert "1 product found" in page
    assert "$19.99" in page


def test_search_finds_a_product_by_description(client):
    listed_product(title="Throw", description="Knitted from merino wool.")
    listed_product(title="Rug", description="Cotton weave.")

    assert found_titles(search(client, "merino")) == ["Throw"]


def test_search_finds_a_product_by_seller_name(client):
    listed_product(title="Pan", seller=SellerFactory(name="Copperworks"))
    listed_product(title="Pot", seller=SellerFactory(name="Ironside"))

    assert found_titles(search(client, "copperworks")) == ["Pan"]


def test_search_with_several_words_needs_all_of_them(client):
    listed_product(title="Red wool scarf")
    listed_product(title="Red cotton shirt")
    listed_product(title="Blue wool hat")

    assert found_titles(search(client, "red wool")) == ["Red wool scarf"]


def test_search_never_shows_drafts_or_archived_products(client):
    listed_product(title="Lamp for sale")
    listed_product(title="Lamp in draft", status=Product.Status.DRAFT)
    listed_product(title="Lamp retired", status=Product.Status.ARCHIVED)

    assert found_titles(search(client, "lamp")) == ["Lamp for sale"]


def test_search_without_matches_says_no_results(client):
    listed_product(title="Teapot")

    response = search(client, "submarine")

    assert response.status_code == 200
    assert "No results for “submarine”." in response.content.decode()
    assert found_titles(response) == []


@pytest.mark.parametrize("query", ["the", "!(&|:*", "'\"", "a" * 500])
def test_search_with_odd_input_answers_instead_of_crashing(client, query):
    listed_product(title="Teapot")

    response = search(client, query)

    assert response.status_code == 200
    assert "Teapot" not in found_titles(response)


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_search_asks_for_words_and_lists_nothing(client, query):
    listed_product(title="Teapot")

    response = search(client, query)

    assert response.status_code == 200
    assert "Type what you are looking for" in response.content.decode()
    assert found_titles(response) == []


def test_search_shows_the_query_escaped_and_keeps_it_in_the_search_box(client):
    response = search(client, "<b>bold</b>")

    page = response.content.decode()
    assert "<b>bold</b>" not in page
    assert "Search results for “&lt;b&gt;bold&lt;/b&gt;”" in page
    assert 'name="q" value="&lt;b&gt;bold&lt;/b&gt;"' in page


def test_search_filters_narrow_the_results_and_keep_the_query(client):
    listed_product(title="Cheap mug", price="5.00", seller=SellerFactory(name="Acme", slug="acme"))
    listed_product(title="Fancy mug", price="40.00", seller=SellerFactory(name="Globex", slug="globex"))

    by_price = search(client, "mug", max_price="10")
    by_seller = search(client, "mug", seller="globex")

    assert found_titles(by_price) == ["Cheap mug"]
    assert found_titles(by_seller) == ["Fancy mug"]
    assert '<input type="hidden" name="q" value="mug">' in by_seller.content.decode()


def test_search_invalid_filter_shows_an_error_not_a_crash(client):
    listed_product(title="Mug")

    response = search(client, "mug", min_price="cheap")

    assert response.status_code == 200
    assert "Enter a number." in response.content.decode()
    assert found_titles(response) == ["Mug"]


def test_search_paginates_and_keeps_the_query_in_the_page_links(client):
    for number in range(26):
        listed_product(title=f"Candle {number}")

    first = search(client, "candle")
    second = search(client, "candle", page="2")

    assert len(found_titles(first)) == 24
    assert 'href="?q=candle&amp;page=2" rel="next"' in first.content.decode()
    assert len(found_titles(second)) == 2


@pytest.mark.postgres
def test_search_ranks_a_title_match_before_a_description_only_match(client):
    listed_product(title="Garden hose", description="Fits every tap.")
    listed_product(title="Watering can", description="Lighter than any garden hose.")

    assert found_titles(search(client, "hose")) == ["Garden hose", "Watering can"]


@pytest.mark.postgres
def test_the_last_letters_of_a_word_may_be_missing_on_postgresql():
    seller = SellerFactory(name="Bluebird Goods")
    VariantFactory(product=ProductFactory(seller=seller, title="Canvas tote"))

    assert [p.title for p in search_products(storefront_products(), query="blueb tot")] == ["Canvas tote"]
