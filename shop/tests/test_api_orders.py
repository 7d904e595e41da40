"""The orders API: a shopper's own orders only, in constant queries, and paying an unpaid one again."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.tests.factories import UserFactory
from shop.checkout.links import order_token
from shop.models import Order
from shop.tests.test_checkout_pages import green_tea, guest_cart
from shop.tests.test_order_pages import an_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_webhook_delivery(settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""


def get_counting(api_client, url: str):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(url)
    return response, len(queries)


def test_the_list_needs_a_log_in(api_client):
    response = api_client.get("/api/v1/orders/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_the_list_has_only_the_shoppers_orders_newest_first(api_client, user):
    older = an_order(user=user)
    newer = an_order(user=user, lines=2, status=Order.Status.PAID)
    an_order(user=UserFactory())
    an_order()
    api_client.force_authenticate(user)

    body = api_client.get("/api/v1/orders/").json()

    assert body["count"] == 2
    assert [order["number"] for order in body["results"]] == [newer.number, older.number]
    assert body["results"][0] == {
        "number": newer.number,
        "status": "paid",
        "status_display": "Paid",
        "created_at": body["results"][0]["created_at"],
        "paid_at": body["results"][0]["paid_at"],
        "item_count": 2,
        "total": "29.99",
        "currency": "USD",
    }


def test_the_list_takes_as_many_queries_for_one_order_as_for_ten(api_client, user):
    api_client.force_authenticate(user)
    an_order(user=user, lines=3)
    _, one = get_counting(api_client, "/api/v1/orders/")
    for _ in range(9):
        an_order(user=user, lines=2)

    response, ten = get_counting(api_client, "/api/v1/orders/")

    assert len(response.json()["results"]) == 10
    assert one == ten


def test_the_detail_shows_lines_address_and_timeline(api_client, user):
    order = an_order(user=user, lines=2, status=Order.Status.PAID)
    api_client.force_authenticate(user)

    response = api_client.get(f"/api/v1/orders/{order.number}/")

    body = response.json()
    assert response.status_code == 200
    assert (body["number"], body["status"], body["total"], body["currency"]) == (order.number, "paid", "29.99", "USD")
    assert [line["product_title"] for line in body["lines"]] == ["Green tea 0", "Green tea 1"]
    assert body["shipping_address"] == {
        "name": "Ada Shopper", "line1": "1 Main St", "line2": "", "city": "Springfield", "region": "IL",
        "postal_code": "62701", "country": "US", "phone": "",
    }  # fmt: skip
    assert [(event["from_status"], event["to_status"]) for event in body["events"]] == [
        ("", "pending_payment"),
        ("pending_payment", "paid"),
    ]


def test_the_detail_takes_the_same_queries_for_one_line_and_for_ten(api_client, user):
    api_client.force_authenticate(user)
    _, one = get_counting(api_client, f"/api/v1/orders/{an_order(user=user, lines=1).number}/")

    _, ten = get_counting(api_client, f"/api/v1/orders/{an_order(user=user, lines=10).number}/")

    assert one == ten


def test_someone_elses_order_is_not_found(api_client, user):
    theirs, guests = an_order(user=UserFactory()), an_order()
    api_client.force_authenticate(user)

    for order in (theirs, guests):
        response = api_client.get(f"/api/v1/orders/{order.number}/")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "No order of yours has this number.", "fields": {}}


def test_an_unpaid_order_can_get_a_new_payment_url(api_client):
    guest_cart(api_client, (green_tea(), 1))
    placed = api_client.post(
        "/api/v1/checkout/",
        {"email": "ada@example.com", "shipping_method": "standard", "address": {
            "name": "Ada", "line1": "1 Main St", "city": "Springfield", "region": "IL", "postal_code": "62701",
            "country": "US"}},
    ).json()  # fmt: skip

    response = api_client.post(f"/api/v1/orders/{placed['order_number']}/payment/")

    assert response.status_code == 201
    assert response.json() == placed  # the session still open is handed out again


def test_a_guest_in_another_session_pays_again_with_the_signed_link_token(api_client):
    order = an_order()

    forged = api_client.post(f"/api/v1/orders/{order.number}/payment/", {"token": "forged"})
    response = api_client.post(f"/api/v1/orders/{order.number}/payment/", {"token": order_token(order.number)})

    assert forged.status_code == 404
    assert response.status_code == 201
    assert urlsplit(response.json()["payment_url"]).path.startswith("/test-payments/checkout/")


def test_a_paid_order_cannot_be_paid_again(api_client, user):
    order = an_order(user=user, status=Order.Status.PAID)
    api_client.force_authenticate(user)

    response = api_client.post(f"/api/v1/orders/{order.number}/payment/")

    assert response.status_code == 409
    assert response.json()["code"] == "not_payable"


def test_nobody_else_can_pay_an_order(api_client, user):
    order = an_order(user=UserFactory())
    api_client.force_authenticate(user)

    assert api_client.post(f"/api/v1/orders/{order.number}/payment/").status_code == 404
