"""The seller's money in the dashboard: payout account, balance, transfers, orders, statements, on a phone too."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from fulfillment.tests.factories import stock_of
from shop.models import SellerPaymentAccount
from shop.services.seller_transfers import pay_seller
from shop.tests.factories import SellerMemberFactory, VariantFactory
from shop.tests.factories import paid_order as paid_order_of
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.seller_money_support import (
    deliver,
    onboard,
    paid_order_fixture,  # noqa: F401  (fixture "paid_order")
    pay_order,
)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = pytest.mark.django_db
MONEY, ORDERS, STATEMENT = "/seller/money/", "/seller/orders/", "/seller/money/statement.csv"


@pytest.fixture
def tea_client(client, paid_order):
    """Logged in as a member of the seller of the teas (2 x 12.50) of the paid order."""
    client.force_login(SellerMemberFactory(seller=paid_order.tea_seller).user)
    return client


def test_a_seller_not_onboarded_sees_what_is_due_and_their_held_balance(tea_client, paid_order):
    page = tea_client.get(MONEY).content.decode()

    assert 'data-account-status="none"' in page
    assert "what you earn waits in your balance" in page
    # 25.00 - 8 % - 2 x 1.00 pick and pack, held until delivery plus the return window.
    assert "<td data-pending>$21.00</td>" in page
    assert "<td data-available>$0.00</td>" in page


def test_onboarding_goes_through_stripes_page_and_back(tea_client, paid_order):
    response = tea_client.post("/seller/money/onboarding/")
    assert response.status_code == 302
    account = SellerPaymentAccount.objects.get(seller=paid_order.tea_seller)
    assert (account.payouts_enabled, "tos_acceptance.date" in account.requirements_due) == (False, True)
    page = tea_client.get(MONEY).content.decode()
    assert 'data-account-status="incomplete"' in page and "tos_acceptance.date" in page

    back = tea_client.post(urlsplit(response["Location"]).path)  # the seller fills in Stripe's page
    assert back["Location"] == "http://testserver/seller/money/onboarding/return/"
    tea_client.get("/seller/money/onboarding/return/")

    account.refresh_from_db()
    assert (account.payouts_enabled, account.requirements_due) == (True, [])
    assert 'data-account-status="ready"' in tea_client.get(MONEY).content.decode()


def test_after_a_transfer_the_seller_sees_it_paid_and_in_a_monthly_statement(tea_client, paid_order, client):
    onboard(client, paid_order.tea_seller)
    deliver(paid_order, at=timezone.now() - timedelta(days=31))
    pay_seller(seller_id=paid_order.tea_seller.pk)

    page = tea_client.get(MONEY).content.decode()
    assert "<td data-paid>$21.00</td>" in page and "<td data-pending>$0.00</td>" in page
    assert paid_order.number in page
    month = timezone.now().strftime("%Y-%m")
    response = tea_client.get(f"{STATEMENT}?month={month}")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[1:] for row in rows[1:]] == [
        ["Sale", paid_order.number, paid_order.tea.sku, "USD", "25.00"],
        ["Platform fee", paid_order.number, paid_order.tea.sku, "USD", "-2.00"],
        ["Fulfillment fee", paid_order.number, paid_order.tea.sku, "USD", "-2.00"],
        ["Transfer to you", paid_order.number, "", "USD", "-21.00"],
    ]
    assert sum(float(row[5]) for row in rows[1:]) == 0


@pytest.mark.parametrize("month", ["", "2026-13", "2026-1", "nov", "2026-11\x00", "99999-01", "0001-01"])
def test_a_statement_for_a_month_that_is_not_one_is_a_clear_400(tea_client, month):
    response = tea_client.get(STATEMENT, {"month": month})
    assert response.status_code == 400
    # A NUL byte is turned away before the view by the request guard; every other shape is explained.
    assert b"YYYY-MM" in response.content or "\x00" in month


def test_the_orders_page_lists_only_the_sellers_own_lines(tea_client, paid_order, deliver_events):
    deliver_events()  # fulfillment allocates the order's lines in a warehouse

    page = tea_client.get(ORDERS).content.decode()

    assert "0 delivered, 0 shipped, 2 allocated of 2" in page

    assert paid_order.number in page
    assert paid_order.tea.sku in page
    assert paid_order.cup.sku not in page  # another seller's line of the same order


def test_another_sellers_money_is_not_shown(client, paid_order):
    client.force_login(SellerMemberFactory().user)

    assert paid_order.number not in client.get(ORDERS).content.decode()
    assert "Nothing sold yet" in client.get(MONEY).content.decode()


def test_money_pages_are_for_seller_members_only(client, paid_order, user):
    for url in (MONEY, ORDERS, f"{STATEMENT}?month=2026-11"):
        assert client.get(url).status_code == 302
    client.force_login(user)
    for url in (MONEY, ORDERS, f"{STATEMENT}?month=2026-11"):
        assert client.get(url).status_code == 403
    assert client.post("/seller/money/onboarding/").status_code == 403


def test_the_orders_page_makes_as_many_queries_for_many_orders_as_for_one(tea_client, paid_order, get_counting_queries):
    _, one = get_counting_queries(tea_client, ORDERS)
    variant = VariantFactory(product__seller=paid_order.tea_seller)
    stock_of(variant, quantity=100)
    for _ in range(5):
        paid_order_of((variant, 1))
    response, many = get_counting_queries(tea_client, ORDERS)

    assert response.content.decode().count("data-order=") == 6
    assert many == one


def test_the_money_page_makes_as_many_queries_for_many_transfers_as_for_one(
    tea_client, paid_order, client, django_capture_on_commit_callbacks, get_counting_queries
):
    onboard(client, paid_order.tea_seller)
    deliver(paid_order, at=timezone.now() - timedelta(days=31))
    pay_seller(seller_id=paid_order.tea_seller.pk)
    _, one = get_counting_queries(tea_client, MONEY)
    variant = VariantFactory(product__seller=paid_order.tea_seller, price=Decimal("9.00"))
    stock_of(variant, quantity=100)
    for _ in range(3):
        order = pay_order(client, django_capture_on_commit_callbacks, (variant, 1))
        deliver(order, at=timezone.now() - timedelta(days=31))
    assert len(pay_seller(seller_id=paid_order.tea_seller.pk)) == 3

    response, many = get_counting_queries(tea_client, MONEY)

    assert response.content.decode().count("<td>Transferred</td>") == 4
    assert many == one


def test_a_delivered_order_shows_its_units_shipped_and_delivered(client, delivered_order):
    client.force_login(SellerMemberFactory(seller=delivered_order.tea.variant.product.seller).user)

    page = client.get(ORDERS).content.decode()

    assert "2 delivered, 2 shipped, 2 allocated of 2" in page
    assert "Delivered" in page
