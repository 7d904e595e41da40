"""Search that forgives typos, and the orders a shopper can sort category and search results in."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from fulfillment.tests.factories import stock_of
from shop.models import Order, Product
from shop.tests.factories import CategoryFactory, ProductFactory, VariantFactory, paid_order
from shop.tests.test_pages import queries_for
from shop.tests.test_payments_support import stocked_variant

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it"
)


def titles(response) -> list[str]:
    return re.findall(r'class="product-card-title">([^<]*)<', response.content.decode())


def listed(title: str, price: str = "10.00", *, days_old: int = 0, **fields) -> Product:
    variant = VariantFactory(product=ProductFactory(title=title, **fields), price=Decimal(price))
    stock_of(variant, quantity=50)
    Product.objects.filter(pk=variant.product_id).update(created_at=timezone.now() - timedelta(days=days_old))
    return variant.product


def search(client, query: str, **params):
    return client.get(reverse("search"), {"q": query, **params})


# --- typos ---------------------------------------------------------------------------------------


def test_hoody_finds_the_hoodie(client):
    listed("Zip hoodie")
    listed("Wool scarf")

    assert titles(search(client, "hoody")) == ["Zip hoodie"]


def test_a_plural_finds_the_singular(client):
    listed("Running shoe")

    assert titles(search(client, "shoes")) == ["Running shoe"]


@needs_postgres
def test_a_misspelt_word_finds_the_product_by_its_trigrams_on_postgresql(client):
    listed("Zip hoodie")
    listed("Wool scarf")

    # "hodie" is neither a prefix of a word nor a word less a letter: only pg_trgm's similarity finds it.
    assert titles(search(client, "hodie")) == ["Zip hoodie"]
    assert titles(search(client, "scraf wool")) == ["Wool scarf"]


@needs_postgres
def test_the_exact_match_ranks_above_a_near_one_on_postgresql(client):
    listed("Hoody pullover", days_old=3)
    listed("Hoodie", days_old=0)

    assert titles(search(client, "hoody")) == ["Hoody pullover", "Hoodie"]


@needs_postgres
def test_product_titles_have_a_trigram_index_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'shop_product_title_trgm'")
        (definition,) = cursor.fetchone()

    assert "gin (title gin_trgm_ops)" in definition


# --- sorting -------------------------------------------------------------------------------------


@pytest.fixture
def three_lamps():
    """Three lamps: the cheapest is the oldest, the dearest the newest, the middle one sells best."""
    cheap = listed("Cheap lamp", "5.00", days_old=10)
    dear = listed("Dear lamp", "50.00", days_old=0)
    middle = stocked_variant(quantity=20, price="20.00")
    Product.objects.filter(pk=middle.product_id).update(
        title="Middle lamp", created_at=timezone.now() - timedelta(days=5)
    )
    paid_order((middle, 3))
    return cheap, dear, middle.product


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Dear lamp", "Middle lamp", "Cheap lamp"]),
        ("price_low", ["Cheap lamp", "Middle lamp", "Dear lamp"]),
        ("price_high", ["Dear lamp", "Middle lamp", "Cheap lamp"]),
        ("best_selling", ["Middle lamp", "Dear lamp", "Cheap lamp"]),
    ],
)
def test_search_results_come_in_the_order_the_shopper_picks(client, three_lamps, sort, expected):
    response = search(client, "lamp", sort=sort)

    assert titles(response) == expected
    assert re.search(rf'<option value="{sort}" selected>', response.content.decode())


def test_top_rated_puts_the_best_average_first_more_reviews_breaking_ties_and_unrated_last(client, three_lamps):
    cheap, _dear, middle = three_lamps
    # The stored rating, as the reviews service keeps it: 4.5 from 2 reviews, 4.5 from 4, none.
    Product.objects.filter(pk=cheap.pk).update(rating_count=2, rating_total=9)
    Product.objects.filter(pk=middle.pk).update(rating_count=4, rating_total=18)

    assert titles(search(client, "lamp", sort="rating")) == ["Middle lamp", "Cheap lamp", "Dear lamp"]


def test_a_refunded_or_cancelled_order_does_not_count_as_sold(client, three_lamps):
    cheap = stocked_variant(quantity=20, price="1.00")
    Product.objects.filter(pk=cheap.product_id).update(
        title="Unlucky lamp", created_at=timezone.now() - timedelta(days=30)
    )
    Order.objects.filter(pk=paid_order((cheap, 9)).pk).update(status=Order.Status.REFUNDED)

    assert titles(search(client, "lamp", sort="best_selling"))[0] == "Middle lamp"


def test_a_category_offers_every_order_but_best_match_and_starts_with_the_newest(client, three_lamps):
    category = CategoryFactory()
    Product.objects.update(category=category)
    url = reverse("category", kwargs={"slug": category.slug})

    page = client.get(url).content.decode()
    by_price = client.get(url, {"sort": "price_low", "min_price": "1"})

    assert titles(client.get(url)) == ["Dear lamp", "Middle lamp", "Cheap lamp"]
    assert 'value="relevance"' not in page
    assert re.findall(r'<option value="(\w+)"', page) == ["newest", "price_low", "price_high", "best_selling", "rating"]
    assert titles(by_price) == ["Cheap lamp", "Middle lamp", "Dear lamp"]


def test_search_starts_with_the_best_match_and_keeps_the_order_across_filters_and_pages(client, three_lamps):
    page = search(client, "lamp").content.decode()

    assert re.findall(r'<option value="(\w+)"', page)[0] == "relevance"
    # The sort select belongs to the filter form, so applying a filter keeps the order.
    assert 'name="sort" form="product-filters"' in page
    assert 'id="product-filters"' in page


def test_an_unknown_order_is_a_form_error_and_the_list_keeps_its_default(client, three_lamps):
    response = search(client, "lamp", sort="cheapest-first; drop table")

    assert response.status_code == 200
    assert "Some filters could not be applied" in response.content.decode()
    assert len(titles(response)) == 3


def test_sorting_by_best_selling_takes_the_same_queries_for_one_and_many_products(client):
    first = stocked_variant(quantity=20)
    paid_order((first, 1))
    url = reverse("search") + "?q=product&sort=best_selling"
    Product.objects.update(title="A product")
    with_one = queries_for(client, url)
    for _ in range(12):
        listed("Another product")

    assert queries_for(client, url) == with_one


# --- the API -------------------------------------------------------------------------------------


def test_the_product_api_sorts_by_what_it_is_asked(api_client, three_lamps):
    cheapest_first = api_client.get("/api/v1/products/", {"sort": "price_low"}).json()
    best_first = api_client.get("/api/v1/products/", {"q": "lamp", "sort": "best_selling"}).json()

    assert [item["title"] for item in cheapest_first["results"]] == ["Cheap lamp", "Middle lamp", "Dear lamp"]
    assert best_first["results"][0]["title"] == "Middle lamp"


def test_the_product_api_refuses_an_unknown_order(api_client):
    response = api_client.get("/api/v1/products/", {"sort": "rating-ish"})

    assert response.status_code == 400
    assert "sort" in response.json()["fields"]
