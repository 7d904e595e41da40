"""The API's checkout quote: tax, duties and the door estimate as separate figures per method; refusals; queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.models import Order
from shop.tests.test_checkout_import_charges import shirt
from shop.tests.test_checkout_pages import guest_cart
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_stripe")]

BERLIN = {
    "name": "Grete Käufer", "line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE",
}  # fmt: skip


def quote(api_client, **body):
    return api_client.post("/api/v1/checkout/quote/", body, format="json")


def test_a_quote_to_germany_lists_vat_and_duty_apart_for_each_method(api_client):
    guest_cart(api_client, (shirt(price="40.00", currency="EUR"), 1))

    body = quote(api_client, country="DE").json()

    assert (body["currency"], body["subtotal"], body["duties"], body["incoterm"]) == ("EUR", "40.00", "3.00", "DDP")
    for option in body["options"]:
        shipping, tax = Decimal(option["amount"]), Decimal(option["tax"])
        assert option["duties"] == "3.00"
        assert tax == ((Decimal("40.00") + shipping + 3) * Decimal("0.19")).quantize(Decimal("0.01"))
        assert Decimal(option["total"]) == Decimal("40.00") + shipping + tax + 3
        assert (option["incoterm"], option["import_charges_due_at_door"]) == ("DDP", "0.00")
    assert body["tax"] == body["options"][0]["tax"]


def test_a_quote_over_135_gbp_gives_the_estimate_for_the_door_and_charges_none(api_client):
    guest_cart(api_client, (shirt(price="200.00", currency="GBP"), 1))

    option = quote(api_client, country="GB").json()["options"][0]

    assert (option["incoterm"], option["tax"], option["duties"]) == ("DAP", "0.00", "0.00")
    assert Decimal(option["import_charges_due_at_door"]) > 0
    assert Decimal(option["total"]) == Decimal("200.00") + Decimal(option["amount"])


def test_a_us_quote_takes_the_state_for_the_sales_tax(api_client):
    guest_cart(api_client, (shirt(price="50.00", currency="USD"), 1))

    option = quote(api_client, country="US", region="NY").json()["options"][0]

    expected = ((Decimal("50.00") + Decimal(option["amount"])) * Decimal("0.04")).quantize(Decimal("0.01"))
    assert Decimal(option["tax"]) == expected > 0
    assert option["incoterm"] == ""


def test_a_country_without_tables_is_a_coded_400(api_client):
    guest_cart(api_client, (shirt(price="40.00", currency="USD"), 1))

    response = quote(api_client, country="BR")

    assert response.status_code == 400
    assert response.json() == {
        "code": "no_landed_cost_rules",
        "message": "We cannot ship to Brazil yet: import charges for it are not set up. "
        "Nothing was ordered or charged.",
        "fields": {"country": ["We cannot ship to Brazil yet: import charges for it are not set up."]},
    }


def test_checking_out_in_a_currency_without_rates_is_a_coded_400_and_places_nothing(api_client):
    guest_cart(api_client, (shirt(price="40.00", currency="CHF"), 1))

    response = api_client.post(
        "/api/v1/checkout/",
        {"email": "grete@example.com", "address": BERLIN, "shipping_method": "standard"},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (400, "missing_exchange_rate")
    assert not Order.objects.exists()


def test_the_quoted_total_is_what_checkout_charges_and_another_is_409_total_changed(api_client):
    guest_cart(api_client, (shirt(price="40.00", currency="EUR"), 1))
    option = quote(api_client, country="DE").json()["options"][0]
    body = {"email": "grete@example.com", "address": BERLIN, "shipping_method": option["code"]}

    stale = api_client.post("/api/v1/checkout/", {**body, "expected_total": "40.00"}, format="json")
    placed = api_client.post("/api/v1/checkout/", {**body, "expected_total": option["total"]}, format="json")

    assert (stale.status_code, stale.json()["code"], stale.json()["fields"]) == (
        409, "total_changed", {"total": [option["total"]]},
    )  # fmt: skip
    assert (placed.status_code, placed.json()["total"]) == (201, option["total"])
    order = Order.objects.get()
    assert (order.tax_total, order.duty_total) == (Decimal(option["tax"]), Decimal("3.00"))


def test_a_quote_costs_the_same_queries_for_1_and_20_lines(api_client):
    guest_cart(api_client, (shirt(price="10.00", currency="EUR"), 1))
    quote(api_client, country="DE")  # the rate tables now come from the cache, as for every quote but the first
    with CaptureQueriesContext(connection) as one:
        assert quote(api_client, country="DE").status_code == 200

    guest_cart(api_client, *[(shirt(price="10.00", currency="EUR"), 1) for _ in range(20)])
    with CaptureQueriesContext(connection) as twenty:
        assert quote(api_client, country="DE").status_code == 200

    assert len(twenty) == len(one)
