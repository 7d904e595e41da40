"""The cart shows a shopper abroad the shipping, tax and import duties checkout will charge for their country."""

import pytest

from shop.tests.test_checkout_import_charges import shirt
from shop.tests.test_checkout_pages import guest_cart

pytestmark = pytest.mark.django_db


def cart_page_for(client, country: str) -> str:
    client.post("/ship-to/", {"country": country, "next": "/cart/"}, HTTP_ORIGIN="http://testserver")
    return client.get("/cart/")


def test_a_cart_to_germany_shows_vat_and_duty_as_lines(client):
    guest_cart(client, (shirt(price="40.00", currency="EUR"), 1))

    response = cart_page_for(client, "DE")

    estimate = response.context["estimate"]
    assert estimate["charges"].duty_total == 3
    page = response.content.decode()
    assert "Import duties" in page
    assert "Import charges included: nothing more to pay on delivery." in page


def test_a_cart_to_a_country_without_tables_says_so(client):
    guest_cart(client, (shirt(price="40.00", currency="USD"), 1))

    page = cart_page_for(client, "BR").content.decode()

    assert "We cannot ship to Brazil yet: import charges for it are not set up." in page


def test_a_cart_at_home_leaves_the_state_tax_to_checkout(client):
    guest_cart(client, (shirt(price="40.00", currency="USD"), 1))

    response = cart_page_for(client, "US")

    estimate = response.context["estimate"]
    assert estimate["at_home"] and "charges" not in estimate  # only when it would arrive
    assert "Shipping and the state's sales tax are worked out at checkout." in response.content.decode()
