"""Whole pages shared with markers for the personal parts (shop.page_shell): each visitor gets their own
header, a working log-out form, their search text and their messages, and the kinds of header never mix."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fulfillment.tests.factories import stock_of
from marketplace.tests.factories import UserFactory
from shop.models import Product
from shop.tests.factories import ProductFactory, SellerMemberFactory, VariantFactory

pytestmark = pytest.mark.django_db
OUR_ORIGIN = {"Origin": "http://testserver"}


def words(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def hoodie() -> Product:
    variant = VariantFactory(product=ProductFactory(title="Hoodie"), name="Small", price=Decimal("30.00"))
    stock_of(variant, quantity=5)
    return variant.product


def test_the_log_out_form_on_a_shared_page_logs_the_shopper_out_without_a_token_or_cookie():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="ada"))
    product = VariantFactory().product
    client.get(product.get_absolute_url())  # the shared copy exists; the next page is filled in from it

    response = client.get(product.get_absolute_url())
    page = response.content.decode()
    client.post(reverse("logout"), headers={"origin": "http://testserver"})

    assert "Log out ada" in page and "personal-" not in page
    assert "csrfmiddlewaretoken" not in page and "csrftoken" not in response.cookies
    assert "Log in" in words(client.get(product.get_absolute_url()))


def test_the_search_box_shows_the_shoppers_own_words_escaped(client, hoodie):
    client.get(hoodie.get_absolute_url(), {"q": "first"})

    page = client.get(hoodie.get_absolute_url(), {"q": '"><b>bold'}).content.decode()

    assert 'value="&quot;&gt;&lt;b&gt;bold"' in page and "<b>bold" not in page


def test_a_message_shows_once_on_the_page_it_leads_to(client, hoodie):
    variant = hoodie.variants.get()
    client.get(hoodie.get_absolute_url())

    shown = client.post(
        reverse("cart-add"), {"variant": variant.pk, "quantity": 6}, headers=OUR_ORIGIN, follow=True
    )  # more than the 5 in stock: back to the product page, saying why
    again = client.get(shown.redirect_chain[-1][0])

    assert shown.request["PATH_INFO"] == hoodie.get_absolute_url()
    assert 'class="messages"' in shown.content.decode() and 'class="messages"' not in again.content.decode()


def test_sellers_staff_and_shoppers_each_get_their_own_links(client, hoodie):
    seller = SellerMemberFactory().user
    staff = UserFactory(is_staff=True)

    pages = {}
    for user in (seller, staff, UserFactory()):
        client.force_login(user)
        pages[user.username] = words(client.get(hoodie.get_absolute_url()))

    as_seller, as_staff, as_shopper = pages.values()
    assert "Seller dashboard" in as_seller and "Admin" not in as_seller
    assert "Admin" in as_staff and "Seller dashboard" not in as_staff
    assert "Seller dashboard" not in as_shopper and "Admin" not in as_shopper
    assert f"Log out {seller.username}" in as_seller and f"Log out {staff.username}" in as_staff


def test_the_cart_count_is_the_shoppers_own_as_the_page_is_asked_for(client, hoodie):
    client.force_login(UserFactory())
    assert "Cart (0)" in words(client.get(hoodie.get_absolute_url()))
    variant = hoodie.variants.get()

    client.post(reverse("api-cart-lines"), {"variant": variant.pk, "quantity": 2}, content_type="application/json")

    assert "Cart (2)" in words(client.get(hoodie.get_absolute_url()))
