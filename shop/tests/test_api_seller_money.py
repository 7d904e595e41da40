"""Seller money API: orders (own lines only), balance, transfers, statements, sales by month, payout account."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillment.tests.factories import stock_of
from marketplace.tests.factories import UserFactory
from shop.models import SellerPaymentAccount
from shop.services.seller_transfers import pay_seller
from shop.tests.factories import SellerMemberFactory, VariantFactory
from shop.tests.factories import paid_order as paid_order_of
from shop.tests.seller_money_support import (
    deliver,
    onboard,
    paid_order_fixture,  # noqa: F401  (fixture "paid_order")
)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = pytest.mark.django_db
API = "/api/v1/seller/"


@pytest.fixture
def tea_api(api_client, paid_order):
    api_client.force_authenticate(SellerMemberFactory(seller=paid_order.tea_seller).user)
    return api_client


def test_orders_list_only_the_sellers_own_lines_and_how_far_they_got(tea_api, paid_order, deliver_events):
    deliver_events()  # fulfillment allocates the order's lines in a warehouse

    [order] = tea_api.get(f"{API}orders/").json()["results"]

    assert (order["number"], order["status"], order["currency"]) == (paid_order.number, "paid", "USD")
    assert [
        (line["sku"], line["quantity"], line["line_total"], line["units_allocated"], line["units_shipped"],
         line["units_delivered"])
        for line in order["lines"]
    ] == [(paid_order.tea.sku, 2, "25.00", 2, 0, 0)]  # fmt: skip


def test_the_orders_list_makes_as_many_queries_for_many_orders_as_for_one(tea_api, paid_order):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert tea_api.get(f"{API}orders/").status_code == 200
        return len(queries)

    one = count()
    variant = VariantFactory(product__seller=paid_order.tea_seller)
    stock_of(variant, quantity=100)
    for _ in range(5):
        paid_order_of((variant, 1))
    assert tea_api.get(f"{API}orders/").json()["count"] == 6
    assert count() == one


def test_balance_transfers_statement_and_months_after_a_transfer(tea_api, paid_order, client):
    onboard(client, paid_order.tea_seller)
    assert tea_api.get(f"{API}balance/").json() == [
        {"currency": "USD", "pending_minor": 2100, "available_minor": 0, "paid_minor": 0}
    ]
    deliver(paid_order, at=timezone.now() - timedelta(days=31))
    pay_seller(seller_id=paid_order.tea_seller.pk)

    assert tea_api.get(f"{API}balance/").json() == [
        {"currency": "USD", "pending_minor": 0, "available_minor": 0, "paid_minor": 2100}
    ]
    [transfer] = tea_api.get(f"{API}transfers/").json()["results"]
    assert (transfer["order_number"], transfer["amount_minor"], transfer["status"]) == (paid_order.number, 2100, "paid")
    rows = tea_api.get(f"{API}statement/", {"month": timezone.now().strftime("%Y-%m")}).json()
    assert [(row["kind"], row["amount_minor"]) for row in rows] == [
        ("charge", 2500), ("platform_fee", -200), ("fulfillment_fee", -200), ("transfer", -2100)
    ]  # fmt: skip
    [month] = tea_api.get(f"{API}sales-by-month/").json()
    assert (month["sales_minor"], month["fees_minor"], month["refunds_minor"]) == (2500, 400, 0)


@pytest.mark.parametrize("month", ["", "2026-13", "x" * 5000, "2026-11\x00", "-1", "99999999999999999999-01"])
def test_a_statement_month_that_is_not_one_is_a_400_with_the_field_named(tea_api, month):
    response = tea_api.get(f"{API}statement/", {"month": month})

    assert response.status_code == 400
    if "\x00" not in month:  # a NUL byte is turned away before the view by the request guard
        assert response.json()["fields"] == {"month": ["Expected YYYY-MM."]}


def test_the_payout_account_before_and_after_onboarding(tea_api, paid_order, client):
    assert tea_api.get(f"{API}payout-account/").json() == {
        "connected": False, "charges_enabled": False, "payouts_enabled": False, "requirements_due": []
    }  # fmt: skip
    created = tea_api.post(
        f"{API}payout-account/",
        {"refresh_url": "https://seller.example.com/again", "return_url": "https://seller.example.com/back"},
        format="json",
    )
    assert created.status_code == 201
    assert "/test-payments/connect/onboarding/" in created.json()["url"]
    pending = tea_api.get(f"{API}payout-account/").json()
    assert pending["connected"] is True and "external_account" in pending["requirements_due"]

    client.post(created.json()["url"].removeprefix("http://testserver"))

    assert tea_api.get(f"{API}payout-account/").json()["payouts_enabled"] is True  # read from Stripe
    assert SellerPaymentAccount.objects.get(seller=paid_order.tea_seller).payouts_enabled is True


@pytest.mark.parametrize(
    "body", [{}, {"refresh_url": "javascript:alert(1)", "return_url": "https://x.example"}, {"refresh_url": 5}]
)
def test_a_bad_onboarding_request_is_a_400_and_makes_no_account(tea_api, body):
    response = tea_api.post(f"{API}payout-account/", body, format="json")

    assert response.status_code == 400
    assert not SellerPaymentAccount.objects.exists()


def test_money_endpoints_are_for_seller_members_only(api_client, paid_order):
    urls = ["orders/", "balance/", "transfers/", "statement/?month=2026-11", "sales-by-month/", "payout-account/"]
    for url in urls:
        assert api_client.get(f"{API}{url}").status_code in (401, 403)
    api_client.force_authenticate(UserFactory())
    for url in urls:
        assert api_client.get(f"{API}{url}").status_code == 403


def test_another_seller_sees_none_of_it(api_client, paid_order):
    api_client.force_authenticate(SellerMemberFactory().user)

    assert api_client.get(f"{API}orders/").json()["results"] == []
    assert api_client.get(f"{API}balance/").json() == []
