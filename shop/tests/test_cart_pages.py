"""The cart as a shopper uses it on the site: add from the product page, change, remove; plain forms and htmx."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.urls import reverse

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.tests.factories import PASSWORD
from shop.context_processors import cart as cart_context
from shop.models import Cart, CartLine, Product, Variant
from shop.services.cart import CART_SESSION_KEY, add_to_cart, cart_for_request
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory, image_upload

pytestmark = pytest.mark.django_db

OUR_ORIGIN = {"Origin": "http://testserver"}
HTMX = {**OUR_ORIGIN, "HX-Request": "true"}


def in_stock(quantity: int = 10, **fields) -> Variant:
    """A variant with `quantity` units in a warehouse; without a name unless given (it reads as its product)."""
    variant = VariantFactory(**{"name": "", **fields})
    stock_of(variant, quantity=quantity)
    return variant


def add(client, variant: Variant, quantity="1", headers=OUR_ORIGIN):
    return client.post(reverse("cart-add"), {"variant": variant.pk, "quantity": quantity}, headers=headers)


def session_cart(client) -> Cart | None:
    token = client.session.get(CART_SESSION_KEY)
    return Cart.objects.filter(session_key=token).first() if token else None


def quantities(cart: Cart | None) -> dict[int, int]:
    return dict(cart.lines.values_list("variant_id", "quantity")) if cart else {}


def header_cart(page: str) -> str:
    return re.search(r'<a id="header-cart"[^>]*>([^<]*)</a>', page).group(1)


def only_line(client) -> CartLine:
    return session_cart(client).lines.get()


# Adding from the product page


def test_the_product_page_posts_the_chosen_option_and_quantity_to_the_cart_without_setting_a_cookie(client):
    variant = in_stock(name="Red")

    response = client.get(variant.product.get_absolute_url())

    page = response.content.decode()
    form = re.search(r'<form method="post" action="/cart/add/".*?</form>', page, re.DOTALL).group()
    assert 'hx-post="/cart/add/" hx-target="#add-to-cart-feedback"' in form
    assert f'name="variant" value="{variant.pk}" checked' in form
    assert 'name="quantity" type="number" inputmode="numeric" min="1" max="99" value="1"' in form
    assert '<button type="submit" data-add-to-cart>Add to cart</button>' in form
    # Shared from the cache with visitors without cookies: no CSRF token, no cookie.
    assert "csrfmiddlewaretoken" not in page
    assert response.cookies == {}
    assert header_cart(page) == "Cart (0)"


def test_a_sold_out_option_is_disabled_and_cannot_be_added(client):
    sold_out = in_stock(quantity=0, product__title="Silk scarf", name="Blue")

    page = client.get(sold_out.product.get_absolute_url()).content.decode()
    refused = add(client, sold_out, headers=HTMX)

    assert f'value="{sold_out.pk}" disabled' in page
    assert "data-add-to-cart disabled>Add to cart" in page
    assert refused.status_code == 200
    assert '<p class="cart-feedback cart-feedback-error">Silk scarf - Blue is sold out.</p>' in refused.content.decode()
    assert not Cart.objects.exists()


def test_adding_with_a_plain_form_goes_to_the_cart_with_a_message(client):
    variant = in_stock(product__title="Silk scarf", name="Red", price=Decimal("42.00"))

    response = add(client, variant, quantity="2")

    assert response.status_code == 302
    assert response["Location"] == reverse("cart")
    assert quantities(session_cart(client)) == {variant.pk: 2}
    page = client.get(response["Location"]).content.decode()
    assert "Added 2 \N{MULTIPLICATION SIGN} Silk scarf - Red to your cart." in page
    assert header_cart(page) == "Cart (2)"


def test_adding_with_htmx_answers_a_confirmation_and_the_header_count_without_redirecting(client):
    variant = in_stock(product__title="Silk scarf", name="Red")
    add(client, variant, quantity="1")

    response = add(client, variant, quantity="2", headers=HTMX)

    assert response.status_code == 200
    assert "Location" not in response
    fragment = response.content.decode()
    assert "Added 2 \N{MULTIPLICATION SIGN} Silk scarf - Red to your cart (3 in it now)." in fragment
    assert '<a href="/cart/">View cart</a>' in fragment
    assert '<a id="header-cart" class="header-cart" href="/cart/" hx-swap-oob="true">Cart (3)</a>' in fragment
    assert "<html" not in fragment
    assert quantities(session_cart(client)) == {variant.pk: 3}


def test_more_than_is_available_is_refused_with_the_reason_and_leaves_no_cart_behind(client):
    variant = in_stock(quantity=3, product__title="Silk scarf", name="Red")

    with_htmx = add(client, variant, quantity="4", headers=HTMX)
    plain = add(client, variant, quantity="4")

    assert with_htmx.status_code == 200
    assert "Only 3 of Silk scarf - Red available; you asked for 4." in with_htmx.content.decode()
    assert "hx-swap-oob" not in with_htmx.content.decode()
    assert plain.status_code == 302
    assert plain["Location"] == f"{variant.product.get_absolute_url()}?variant={variant.pk}"
    page = client.get(plain["Location"]).content.decode()
    assert "Only 3 of Silk scarf - Red available; you asked for 4." in page
    assert not Cart.objects.exists()
    assert CART_SESSION_KEY not in client.session


def test_more_than_is_available_counts_what_is_in_the_cart_already(client):
    variant = in_stock(quantity=3, product__title="Silk scarf")
    add(client, variant, quantity="2")

    response = add(client, variant, quantity="2", headers=HTMX)

    assert "Only 3 of Silk scarf available; you asked for 4." in response.content.decode()
    assert quantities(session_cart(client)) == {variant.pk: 2}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-1", "The quantity must be at least 1."),
        ("abc", "Enter a whole number from 1 to 99."),
        ("", "Enter a quantity from 1 to 99."),
        ("100", "At most 99 of one item per order."),
    ],
)
def test_a_bad_quantity_is_refused_when_adding(client, quantity, message):
    variant = in_stock()

    response = add(client, variant, quantity=quantity, headers=HTMX)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CartLine.objects.exists()


def test_an_unknown_option_is_refused(client):
    response = client.post(reverse("cart-add"), {"variant": "999999", "quantity": "1"}, headers=OUR_ORIGIN)

    assert response.status_code == 302
    assert response["Location"] == reverse("cart")
    assert "That option does not exist." in client.get(reverse("cart")).content.decode()


def test_a_variant_no_longer_for_sale_is_refused_back_on_the_cart_page(client):
    variant = in_stock(product__title="Old mug", product__status=Product.Status.ARCHIVED)

    response = add(client, variant)

    assert response["Location"] == reverse("cart")
    assert "Old mug is not for sale." in client.get(reverse("cart")).content.decode()
    assert not CartLine.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/page"},
        {},  # neither Origin nor Referer
    ],
)
def test_an_add_posted_from_another_site_is_refused(client, headers):
    variant = in_stock()

    response = add(client, variant, headers=headers)

    assert response.status_code == 403
    assert not CartLine.objects.exists()


def test_an_add_from_our_page_is_accepted_on_the_referer_when_there_is_no_origin(client):
    variant = in_stock()

    response = add(client, variant, headers={"Referer": f"http://testserver{variant.product.get_absolute_url()}"})

    assert response.status_code == 302
    assert quantities(session_cart(client)) == {variant.pk: 1}


def test_a_variant_in_another_currency_than_the_cart_is_refused(client):
    dollars = in_stock(product__title="Mug", currency="USD")
    euros = in_stock(product__title="Teapot", currency="EUR")
    add(client, dollars)

    response = add(client, euros, headers=HTMX)

    assert "Your cart is priced in USD and Teapot" in response.content.decode()
    assert quantities(session_cart(client)) == {dollars.pk: 1}


def test_the_product_page_stays_shared_from_the_cache_until_the_visitor_adds_to_the_cart(
    client, settings, django_assert_num_queries
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 30
    variant = in_stock(product__title="Silk scarf")
    url = variant.product.get_absolute_url()
    client.get(url)

    with django_assert_num_queries(0):
        shared = client.get(url)
    add(client, variant, quantity="2", headers=HTMX)
    fresh = client.get(url)

    assert header_cart(shared.content.decode()) == "Cart (0)"
    assert header_cart(fresh.content.decode()) == "Cart (2)"


# The cart page


def test_the_cart_page_shows_each_line_the_subtotal_and_the_way_to_checkout(client):
    scarf = in_stock(product__title="Silk scarf", name="Red", price=Decimal("42.00"))
    ProductImageFactory(product=scarf.product, image=image_upload(size=(8, 8)))
    mug = in_stock(product__title="Mug", name="", price=Decimal("9.50"))
    add(client, scarf, quantity="2")
    add(client, mug)
    line = CartLine.objects.get(variant=scarf)

    page = client.get(reverse("cart")).content.decode()

    assert f'<a href="{scarf.product.get_absolute_url()}?variant={scarf.pk}">Silk scarf</a>' in page
    assert '<p class="cart-line-variant">Red</p>' in page
    assert '<p class="cart-line-price">$42.00 each</p>' in page
    assert f'id="quantity-{line.pk}" name="quantity" type="number"' in page
    assert 'value="2"' in page
    assert '<span class="visually-hidden">Total for Silk scarf - Red: </span>$84.00' in page
    assert f'action="/cart/lines/{line.pk}/remove/"' in page
    assert '<img src="/media/' in page
    assert re.search(r"Subtotal \(3 items\):\s*<strong class=\"cart-subtotal-amount\">\$93.50</strong>", page)
    assert '<a class="button" href="/checkout/">Checkout</a>' in page
    assert header_cart(page) == "Cart (3)"


def test_an_empty_cart_says_so_and_sets_no_cookie(client):
    response = client.get(reverse("cart"))

    assert response.status_code == 200
    assert "Your cart is empty." in response.content.decode()
    assert "Checkout" not in response.content.decode()
    assert response.cookies == {}


def test_a_line_with_less_stock_than_its_quantity_says_so(client):
    variant = in_stock(quantity=5)
    add(client, variant, quantity="4")
    stock_of(variant, warehouse=variant.stocks.get().warehouse, quantity=2)

    page = client.get(reverse("cart")).content.decode()

    assert "Only 2 left: lower the quantity." in page


def test_changing_a_quantity_with_a_plain_form_redirects_to_the_cart(client):
    variant = in_stock(product__title="Mug", price=Decimal("9.50"))
    add(client, variant)
    line = only_line(client)

    response = client.post(reverse("cart-line-update", args=[line.pk]), {"quantity": "3"})

    assert response.status_code == 302
    assert response["Location"] == reverse("cart")
    line.refresh_from_db()
    assert line.quantity == 3
    page = client.get(reverse("cart")).content.decode()
    assert "Mug: quantity changed to 3." in page
    assert "$28.50" in page


def test_changing_a_quantity_with_htmx_answers_the_cart_body_the_status_and_the_header_count(client):
    variant = in_stock(product__title="Mug", price=Decimal("9.50"))
    add(client, variant)
    line = only_line(client)

    response = client.post(reverse("cart-line-update", args=[line.pk]), {"quantity": "3"}, headers=HTMX)

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="cart-body" class="cart-body">')
    assert "<html" not in fragment
    assert re.search(r"Subtotal \(3 items\):\s*<strong class=\"cart-subtotal-amount\">\$28.50</strong>", fragment)
    assert '<p id="cart-status" hx-swap-oob="innerHTML">Mug: quantity changed to 3.</p>' in fragment
    assert '<a id="header-cart" class="header-cart" href="/cart/" hx-swap-oob="true">Cart (3)</a>' in fragment
    line.refresh_from_db()
    assert line.quantity == 3


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-1", "The quantity must be at least 1."),
        ("abc", "Enter a whole number from 1 to 99."),
        ("", "Enter a quantity from 1 to 99."),
        ("2.5", "Enter a whole number from 1 to 99."),
        ("100", "At most 99 of one item per order."),
        ("11", "Only 10 of Mug available; you asked for 11."),
    ],
)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_bad_quantity_is_shown_next_to_its_line_and_changes_nothing(client, typed, message, headers):
    variant = in_stock(quantity=10, product__title="Mug")
    other = in_stock(product__title="Tray")
    add(client, variant, quantity="2")
    add(client, other)
    line = CartLine.objects.get(variant=variant)

    response = client.post(reverse("cart-line-update", args=[line.pk]), {"quantity": typed}, headers=headers)

    assert response.status_code == 200
    page = response.content.decode()
    assert ("<html" in page) is not bool(headers)
    assert f'<p class="errorlist" id="quantity-{line.pk}-error" role="alert">{message}</p>' in page
    assert f'aria-invalid="true" aria-describedby="quantity-{line.pk}-error"' in page
    assert page.count('class="errorlist"') == 1
    assert quantities(session_cart(client)) == {variant.pk: 2, other.pk: 1}


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_removing_a_line(client, headers):
    mug = in_stock(product__title="Mug")
    tray = in_stock(product__title="Tray")
    add(client, mug)
    add(client, tray, quantity="2")
    line = CartLine.objects.get(variant=mug)

    response = client.post(reverse("cart-line-remove", args=[line.pk]), headers=headers)

    assert quantities(session_cart(client)) == {tray.pk: 2}
    if headers:
        fragment = response.content.decode()
        assert response.status_code == 200
        assert '<p id="cart-status" hx-swap-oob="innerHTML">Removed Mug from your cart.</p>' in fragment
        assert "Cart (2)</a>" in fragment
    else:
        assert response["Location"] == reverse("cart")
        assert "Removed Mug from your cart." in client.get(reverse("cart")).content.decode()


def test_removing_the_last_line_shows_the_empty_cart(client):
    add(client, in_stock())

    response = client.post(reverse("cart-line-remove", args=[only_line(client).pk]), headers=HTMX)

    assert "Your cart is empty." in response.content.decode()
    assert "Cart (0)</a>" in response.content.decode()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_line_of_another_cart_is_not_found(client, user, headers):
    theirs = add_to_cart(cart=Cart.objects.create(user=user), variant=in_stock(), quantity=2)
    add(client, in_stock())  # the visitor has a cart of their own

    update = client.post(reverse("cart-line-update", args=[theirs.pk]), {"quantity": "1"}, headers=headers)
    remove = client.post(reverse("cart-line-remove", args=[theirs.pk]), headers=headers)

    assert update.status_code == remove.status_code == 404
    theirs.refresh_from_db()
    assert theirs.quantity == 2


def test_a_visitor_without_a_cart_gets_404_for_any_line(client):
    line = add_to_cart(cart=Cart.objects.create(session_key="someone-else"), variant=in_stock())

    assert client.post(reverse("cart-line-update", args=[line.pk]), {"quantity": "1"}).status_code == 404


def test_the_cart_forms_need_the_csrf_token(client):
    variant = in_stock()
    add(client, variant)
    line = only_line(client)
    client.handler.enforce_csrf_checks = True

    response = client.post(reverse("cart-line-update", args=[line.pk]), {"quantity": "3"})

    assert response.status_code == 403
    line.refresh_from_db()
    assert line.quantity == 1


# The header count


def _request(*, user=None, session=None):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = session if session is not None else SessionStore()
    return request


def test_the_header_count_costs_no_query_without_a_cart_and_one_with_one(user, django_assert_num_queries):
    variant = in_stock()
    anonymous_with_cart = _request()
    add_to_cart(cart=cart_for_request(anonymous_with_cart, create=True), variant=variant, quantity=2)
    add_to_cart(cart=cart_for_request(_request(user=user), create=True), variant=variant, quantity=3)

    with django_assert_num_queries(0):
        assert cart_context(_request())["header_cart"].item_count == 0
    with django_assert_num_queries(1):
        assert cart_context(anonymous_with_cart)["header_cart"].item_count == 2
    with django_assert_num_queries(1):
        assert cart_context(_request(user=user))["header_cart"].item_count == 3
    with django_assert_num_queries(0):
        cart_context(_request(user=user))  # counted only when a template asks


def test_the_header_shows_a_logged_in_shoppers_count(client, user):
    add_to_cart(cart=Cart.objects.create(user=user), variant=in_stock(), quantity=4)
    client.force_login(user)

    assert header_cart(client.get(reverse("home")).content.decode()) == "Cart (4)"


# Log-in


def test_the_anonymous_cart_is_merged_into_the_users_at_log_in(client, user):
    tea = in_stock(quantity=5, product__title="Tea")
    cup = in_stock(product__title="Cup")
    add_to_cart(cart=Cart.objects.create(user=user), variant=tea, quantity=2)
    add(client, tea, quantity="2")
    add(client, cup)
    anonymous = session_cart(client)

    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert quantities(user.cart) == {tea.pk: 4, cup.pk: 1}
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    page = client.get(reverse("cart")).content.decode()
    assert header_cart(page) == "Cart (5)"
    assert "Subtotal (5 items)" in page


# Query counts


def _cart_of(client, count: int) -> None:
    warehouse = WarehouseFactory()
    for _ in range(count):
        variant = VariantFactory(product=ProductFactory())
        ProductImageFactory(product=variant.product, image=image_upload(size=(8, 8)))
        stock_of(variant, warehouse=warehouse, quantity=3)
        add(client, variant)


def test_the_cart_page_costs_the_same_queries_for_1_and_10_lines(client, get_counting_queries):
    _cart_of(client, 1)
    client.get(reverse("cart"))  # the rate tables and boxes are then cached, as for every page but the first
    _, one = get_counting_queries(client, reverse("cart"))
    _cart_of(client, 9)

    response, ten = get_counting_queries(client, reverse("cart"))

    assert response.content.decode().count('class="cart-line"') == 10
    assert one == ten
