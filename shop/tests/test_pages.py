"""The public shopper pages: what a shopper sees on home, category, product and storefront pages."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.fragments import clear_shared_fragments
from marketplace.tests.factories import UserFactory
from shop.models import Product
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    VariantFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db


def listed_titles(response) -> list[str]:
    """Titles of the product cards on a page, in page order."""
    return re.findall(r'class="product-card-title">([^<]*)<', response.content.decode())


def listed_product(*, title: str, price: str = "19.99", stock: int = 10, **fields) -> Product:
    """An active product with one variant at `price` and `stock` units in a warehouse."""
    variant = VariantFactory(product=ProductFactory(title=title, **fields), price=Decimal(price))
    if stock:
        stock_of(variant, quantity=stock)
    return variant.product


def queries_for(client, url: str) -> int:
    """How many database queries rendering `url` takes (the page must render)."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def add_listed_products(count: int, **fields) -> None:
    """`count` products with a photo, a variant and stock, as a full catalog page would show."""
    warehouse = WarehouseFactory()
    for _ in range(count):
        variant = VariantFactory(product=ProductFactory(**fields))
        ProductImageFactory(product=variant.product, image=image_upload(size=(8, 8)))
        stock_of(variant, warehouse=warehouse, quantity=3)


# Home


def test_home_shows_featured_products_first_then_the_newest(client):
    older = listed_product(title="Older gadget")
    featured = listed_product(title="Featured lamp", is_featured=True)
    for number in range(8):
        listed_product(title=f"Newer thing {number}")

    response = client.get(reverse("home"))

    assert response.status_code == 200
    titles = listed_titles(response)
    assert titles[0] == featured.title
    assert len(titles) == 8
    assert older.title not in titles  # pushed out by the seven newest
    assert "$19.99" in response.content.decode()


def test_home_lists_categories_with_their_subcategories(client):
    parent = CategoryFactory(name="Beauty")
    CategoryFactory(name="Lipstick", parent=parent)

    page = client.get(reverse("home")).content.decode()

    assert f'href="{parent.get_absolute_url()}">Beauty</a>' in page
    assert ">Lipstick</a>" in page


def test_home_marks_a_product_without_stock_sold_out(client):
    listed_product(title="Rare vinyl", stock=0)

    page = client.get(reverse("home")).content.decode()

    assert "Rare vinyl" in page
    assert "Sold out" in page


def test_home_without_products_says_so(client):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert "No products yet" in response.content.decode()


# Category


def test_category_lists_products_of_the_category_and_its_subcategories_only(client):
    shoes = CategoryFactory(name="Shoes")
    sneakers = CategoryFactory(name="Sneakers", parent=shoes)
    listed_product(title="Leather boot", category=shoes)
    listed_product(title="Canvas sneaker", category=sneakers)
    listed_product(title="Wool hat", category=CategoryFactory(name="Hats"))
    listed_product(title="Draft sandal", category=shoes, status=Product.Status.DRAFT)

    response = client.get(reverse("category", kwargs={"slug": shoes.slug}))

    assert response.status_code == 200
    assert sorted(listed_titles(response)) == ["Canvas sneaker", "Leather boot"]
    page = response.content.decode()
    assert "<h1>Shoes</h1>" in page
    assert "2 products" in page


def test_category_price_range_narrows_the_products(client):
    category = CategoryFactory()
    for title, price in [("Cheap", "9.00"), ("Middle", "20.00"), ("Dear", "45.00")]:
        listed_product(title=title, price=price, category=category)

    response = client.get(reverse("category", kwargs={"slug": category.slug}), {"min_price": "10", "max_price": "30"})

    assert listed_titles(response) == ["Middle"]
    assert "$20.00" in response.content.decode()


def test_category_seller_filter_offers_the_sellers_there_and_narrows_to_one(client):
    category = CategoryFactory()
    acme, globex = SellerFactory(name="Acme", slug="acme"), SellerFactory(name="Globex", slug="globex")
    elsewhere = SellerFactory(name="Initech")
    listed_product(title="Acme anvil", seller=acme, category=category)
    listed_product(title="Globex gizmo", seller=globex, category=category)
    listed_product(title="Initech stapler", seller=elsewhere)
    url = reverse("category", kwargs={"slug": category.slug})

    page = client.get(url).content.decode()
    response = client.get(url, {"seller": "globex"})

    assert '<option value="acme">Acme</option>' in page
    assert '<option value="globex">Globex</option>' in page
    assert "Initech" not in page
    assert listed_titles(response) == ["Globex gizmo"]
    assert '<option value="globex" selected>Globex</option>' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"min_price": "abc"}, "Enter a number."),
        ({"max_price": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"min_price": "30", "max_price": "10"}, "Enter a maximum price at or above the minimum price."),
        ({"seller": "nobody"}, "Select a valid choice."),
        ({"min_price": "NaN"}, "Enter a number."),
    ],
)
def test_category_invalid_filters_show_an_error_and_all_products(client, params, error):
    category = CategoryFactory()
    listed_product(title="Lamp", price="20.00", category=category)

    response = client.get(reverse("category", kwargs={"slug": category.slug}), params)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'aria-invalid="true"' in page
    assert "Some filters could not be applied" in page
    assert listed_titles(response) == ["Lamp"]


def test_category_paginates_24_per_page_and_keeps_the_filters(client):
    category = CategoryFactory()
    add_listed_products(30, category=category)
    url = reverse("category", kwargs={"slug": category.slug})

    first = client.get(url, {"min_price": "1"})
    second = client.get(url, {"min_price": "1", "page": "2"})

    assert len(listed_titles(first)) == 24
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?min_price=1&amp;page=2" rel="next"' in first.content.decode()
    assert len(listed_titles(second)) == 6
    assert set(listed_titles(first)).isdisjoint(listed_titles(second))


@pytest.mark.parametrize(
    ("page", "shown", "cards"),
    [
        ("999", "Page 2 of 2", 1),
        ("abc", "Page 1 of 2", 24),
        ("-1", "Page 2 of 2", 1),
        ("0", "Page 2 of 2", 1),
        ("", "Page 1 of 2", 24),
        ("2.0", "Page 1 of 2", 24),
        ("2", "Page 2 of 2", 1),
        ("9" * 30, "Page 2 of 2", 1),
    ],
)
def test_category_out_of_range_or_bad_page_numbers_show_a_real_page(client, page, shown, cards):
    category = CategoryFactory()
    add_listed_products(25, category=category)

    response = client.get(reverse("category", kwargs={"slug": category.slug}), {"page": page})

    assert response.status_code == 200
    assert shown in response.content.decode()
    assert "25 products" in response.content.decode()
    assert len(listed_titles(response)) == cards


def test_category_unknown_slug_is_404(client):
    assert client.get(reverse("category", kwargs={"slug": "no-such-thing"})).status_code == 404


def test_category_without_products_says_so(client):
    category = CategoryFactory(name="Kites")

    page = client.get(reverse("category", kwargs={"slug": category.slug})).content.decode()

    assert "No products in Kites yet." in page


# Product


def test_product_page_shows_what_a_shopper_needs(client):
    seller = SellerFactory(name="Acme", country="FR")
    product = listed_product(title="Silk scarf", seller=seller, description="Hand-rolled edges.")

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Silk scarf</h1>" in page
    assert f'<a href="{seller.get_absolute_url()}">Acme</a>' in page
    assert "Hand-rolled edges." in page
    assert '<span class="price price-large" id="variant-price">$19.99</span>' in page
    assert "In stock" in page
    assert "Ships from France" in page
    assert "330499" not in page  # customs data is for staff, not shoppers
    assert "Add to cart" in page


def test_product_page_gallery_shows_the_first_photo_large_and_thumbnails(client):
    product = listed_product(title="Mug")
    ProductImageFactory(product=product, alt_text="Mug from the front", position=0)
    ProductImageFactory(product=product, alt_text="Mug from the side", position=1)

    page = client.get(product.get_absolute_url()).content.decode()

    main = page.split('class="gallery-main">')[1].split("</div>")[0]
    assert 'alt="Mug from the front"' in main
    assert 'loading="eager"' in main
    assert "Open photo 1 of 2: Mug from the front" in page
    assert "Open photo 2 of 2: Mug from the side" in page


def test_product_page_variant_picker_shows_each_option_with_price_and_availability(client):
    product = ProductFactory(title="T-shirt")
    small = VariantFactory(product=product, name="Small", price=Decimal("19.99"), position=0)
    medium = VariantFactory(product=product, name="Medium", price=Decimal("21.50"), position=1)
    large = VariantFactory(product=product, name="Large", price=Decimal("24.00"), position=2)
    stock_of(small, quantity=0)
    stock_of(medium, quantity=3)
    stock_of(large, quantity=40)

    page = client.get(product.get_absolute_url()).content.decode()

    assert "<legend>Choose an option</legend>" in page
    radios = re.findall(r'<input type="radio" name="variant" value="(\d+)"([^>]*)>', page)
    assert [int(pk) for pk, _ in radios] == [small.pk, medium.pk, large.pk]
    small_attrs, medium_attrs, large_attrs = (attrs for _, attrs in radios)
    assert " disabled" in small_attrs
    assert " checked" in medium_attrs  # the first option in stock is chosen
    assert 'data-price="$21.50"' in medium_attrs
    assert 'data-availability="Only 3 left"' in medium_attrs
    assert 'data-availability="In stock"' in large_attrs
    assert "Sold out" in page
    assert '<span class="price price-large" id="variant-price">$21.50</span>' in page
    assert 'id="variant-availability">Only 3 left</p>' in page


@pytest.mark.parametrize(("units", "shown"), [(1, "Only 1 left"), (5, "Only 5 left"), (6, "In stock")])
def test_product_page_warns_when_few_units_are_left(client, units, shown):
    product = listed_product(title="Lamp", stock=units)

    page = client.get(product.get_absolute_url()).content.decode()

    assert f'id="variant-availability">{shown}</p>' in page


def test_product_page_shows_the_variant_asked_for_in_the_address(client):
    product = ProductFactory()
    VariantFactory(product=product, name="Blue", price=Decimal("10.00"), position=0)
    red = VariantFactory(product=product, name="Red", price=Decimal("12.00"), compare_at_price=Decimal("15.00"))
    for variant in product.variants.all():
        stock_of(variant, quantity=10)

    page = client.get(product.get_absolute_url(), {"variant": str(red.pk)}).content.decode()

    assert 'id="variant-price">$12.00</span>' in page
    assert '<span id="variant-compare-at-amount">$15.00</span>' in page
    assert re.search(rf'value="{red.pk}" checked', page)


def test_product_page_with_everything_sold_out_says_sold_out(client):
    product = listed_product(title="Limited print", stock=0)

    page = client.get(product.get_absolute_url()).content.decode()

    assert 'id="variant-availability">Sold out</p>' in page
    assert " checked" not in page


def test_product_page_runs_no_inline_script_or_style(client):
    product = listed_product(title="Lamp")

    response = client.get(product.get_absolute_url())

    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/js/vendor/htmx.min.js" defer>',
        '<script src="/static/js/search-suggest.js" defer>',
        '<script src="/static/js/product.js" defer>',
    ]
    assert " style=" not in page
    assert "<style" not in page


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_product_page_of_a_draft_or_archived_product_is_404(client, status):
    product = listed_product(title="Hidden", status=status)

    assert client.get(product.get_absolute_url()).status_code == 404


def test_product_page_unknown_slug_is_404(client):
    assert client.get(reverse("product", kwargs={"slug": "nothing-here"})).status_code == 404


# Seller storefront


def test_storefront_shows_the_seller_and_its_active_products(client):
    seller = SellerFactory(name="Acme", description="Anvils since 1949.", country="US")
    listed_product(title="Anvil", seller=seller)
    listed_product(title="Old anvil", seller=seller, status=Product.Status.ARCHIVED)
    listed_product(title="Someone else's", seller=SellerFactory())

    response = client.get(seller.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Acme</h1>" in page
    assert "Anvils since 1949." in page
    assert listed_titles(response) == ["Anvil"]
    assert "$19.99" in page


def test_storefront_shows_the_seller_logo(client):
    seller = SellerFactory(logo=image_upload("logo.png", size=(64, 64), image_format="PNG"))

    page = client.get(seller.get_absolute_url()).content.decode()

    assert f'src="{seller.logo.url}"' in page


def test_storefront_paginates(client):
    seller = SellerFactory()
    add_listed_products(30, seller=seller)

    second = client.get(seller.get_absolute_url(), {"page": "2"})

    assert len(listed_titles(second)) == 6
    assert "Page 2 of 2" in second.content.decode()


def test_storefront_unknown_seller_is_404(client):
    assert client.get(reverse("seller-storefront", kwargs={"slug": "nobody"})).status_code == 404


# Query counts: a page costs the same whatever it lists.


def cold_and_warm_queries(client, url: str) -> tuple[int, int]:
    """Queries for `url` with nothing cached (the list and its cards built), then with the list cached."""
    clear_shared_fragments()
    return queries_for(client, url), queries_for(client, url)


def test_home_query_count_does_not_grow_with_products(client):
    add_listed_products(1)
    with_one = cold_and_warm_queries(client, reverse("home"))
    add_listed_products(29)

    # cold: featured, newest (ids and versions), categories and their children, the cards' products and images;
    # warm: the whole list from the cache under the catalog's versions
    assert cold_and_warm_queries(client, reverse("home")) == with_one == (6, 0)


def test_category_query_count_does_not_grow_with_products(client):
    category = CategoryFactory()
    CategoryFactory(parent=category)
    add_listed_products(1, category=category)
    url = reverse("category", kwargs={"slug": category.slug}) + "?min_price=1"
    with_one = cold_and_warm_queries(client, url)
    add_listed_products(29, category=category)

    # cold: category and children, the tree, sellers, ids and versions with the count, the cards' products and images
    assert cold_and_warm_queries(client, url) == with_one == (7, 0)


def test_search_query_count_does_not_grow_with_products(client):
    add_listed_products(1, title="Blue widget")
    url = reverse("search") + "?q=widget"
    with_one = cold_and_warm_queries(client, url)
    for number in range(29):
        add_listed_products(1, title=f"Widget {number}")

    # cold: sellers, ids and versions with the count, the cards' products and images; both: creators, posts
    assert cold_and_warm_queries(client, url) == with_one == (6, 2)


@pytest.mark.parametrize("page", ["home", "category", "search"])
def test_a_signed_in_shopper_costs_the_same_few_queries_for_one_product_and_thirty(client, page):
    category = CategoryFactory(slug="widgets")
    url = {"home": reverse("home"), "category": category.get_absolute_url(), "search": "/search/?q=widget"}[page]
    add_listed_products(1, title="Blue widget", category=category)
    client.force_login(UserFactory())
    client.get(url)  # builds the list into the cache
    one = queries_for(client, url)
    add_listed_products(29, title="Widget", category=category)
    client.get(url)

    thirty = queries_for(client, url)

    # the user with their cart's units (the header's count; the session is read from the cache); the search's
    # creators and posts
    assert one == thirty == {"home": 1, "category": 1, "search": 3}[page]
    assert "Widget" in listed_titles(client.get(url))  # the new products, not the list cached before them


def test_storefront_query_count_does_not_grow_with_products(client):
    seller = SellerFactory()
    add_listed_products(1, seller=seller)
    with_one = cold_and_warm_queries(client, seller.get_absolute_url())
    add_listed_products(29, seller=seller)

    # seller, count, ids and versions; cold: the cards' products and images
    assert cold_and_warm_queries(client, seller.get_absolute_url()) == with_one == (5, 3)


def test_product_page_query_count_does_not_grow_with_variants_and_stays_small(client):
    product = ProductFactory()
    ProductImageFactory(product=product)
    warehouse = WarehouseFactory()
    stock_of(VariantFactory(product=product), warehouse=warehouse)
    other = ProductFactory()
    stock_of(VariantFactory(product=other), warehouse=warehouse)
    client.get(other.get_absolute_url())  # another page caches the boxes and rate tables, as in production
    with_one = queries_for(client, product.get_absolute_url())
    for _ in range(9):
        stock_of(VariantFactory(product=product), warehouse=warehouse, quantity=2)
    ProductImageFactory(product=product)

    with_ten = queries_for(client, product.get_absolute_url())

    assert with_ten == with_one
    assert with_ten <= 6


# The variant picker in a real browser (product.js under the site's CSP).


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_picking_a_variant_shows_its_price_and_availability_in_the_browser(live_server, page):
    product = ProductFactory(title="Hoodie")
    small = VariantFactory(product=product, name="Small", price=Decimal("30.00"), compare_at_price=Decimal("40.00"))
    large = VariantFactory(product=product, name="Large", price=Decimal("35.50"), position=1)
    stock_of(small, quantity=20)
    stock_of(large, quantity=2)
    url = live_server.url + product.get_absolute_url()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))

    page.goto(url)
    before = (page.text_content("#variant-price"), page.is_visible("#variant-compare-at"))
    button_shown = page.is_visible("[data-variant-submit]")
    page.get_by_label("Large").check()

    assert before == ("$30.00", True)
    assert not button_shown  # with the script, the no-JS "Show this option" button is not needed
    assert page.text_content("#variant-price") == "$35.50"
    assert page.text_content("#variant-availability") == "Only 2 left"
    assert not page.is_visible("#variant-compare-at")
    assert page.url == f"{url}?variant={large.pk}"
    assert script_errors == []
