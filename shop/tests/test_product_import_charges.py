"""The product page tells a shopper abroad whether import charges are included or what to pay on delivery."""

import pytest

from shop.tests.test_checkout_import_charges import shirt

pytestmark = pytest.mark.django_db


def page_for(client, variant, country: str) -> str:
    url = variant.product.get_absolute_url()
    client.post("/ship-to/", {"country": country, "next": url}, HTTP_ORIGIN="http://testserver")
    return client.get(url).content.decode()


def test_a_shopper_in_germany_reads_that_import_charges_are_included(client):
    page = page_for(client, shirt(price="40.00", currency="EUR"), "DE")

    assert "Import charges included for Germany: nothing more to pay on delivery." in page


def test_a_shopper_in_the_uk_reads_the_estimate_above_135_gbp(client):
    page = page_for(client, shirt(price="200.00", currency="GBP"), "GB")

    assert "Import charges of about £" in page
    assert "to pay on delivery in United Kingdom (estimate)." in page


def test_a_country_without_tables_says_so(client):
    page = page_for(client, shirt(price="40.00", currency="USD"), "BR")

    assert "We cannot ship to Brazil yet: import charges for it are not set up." in page


def test_a_shopper_at_home_reads_nothing_about_import_charges(client):
    page = page_for(client, shirt(price="40.00", currency="USD"), "US")

    assert 'id="import-charges"' not in page
