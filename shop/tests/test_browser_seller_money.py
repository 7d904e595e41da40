"""The seller's money and orders pages on a phone, in Debian's Chromium: nothing wider than the screen."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from fulfillment.tests.factories import stock_of
from marketplace.tests.screens import PHONE, page_width, screenshot
from shop.models import SellerPaymentAccount, SellerTransfer
from shop.services.ledger_postings import post_order_paid
from shop.tests.factories import SellerMemberFactory, VariantFactory, paid_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    session = Client()
    session.force_login(user)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_the_money_and_orders_pages_fit_a_phone(live_server, page):
    member = SellerMemberFactory(seller__name="Harbor Home")
    variant = VariantFactory(product__seller=member.seller, product__title="Linen table runner, natural, 180 cm")
    stock_of(variant, quantity=50)
    for _ in range(3):
        order = paid_order((variant, 2))
        post_order_paid(order=order, payment=None)
    SellerPaymentAccount.objects.create(seller=member.seller, stripe_account_id="acct_1Phone", payouts_enabled=True,
                                        charges_enabled=True)  # fmt: skip
    SellerTransfer.objects.create(
        seller=member.seller,
        order=order,
        currency="USD",
        amount_minor=3400,
        charge_id="ch_1",
        idempotency_key="phone",
        status="paid",
        stripe_transfer_id="tr_1",
        transferred_at=timezone.now() - timedelta(days=1),
    )
    _log_in(page, live_server, member.user)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/seller/money/")
    assert page.get_by_role("heading", name="Balance").is_visible()
    assert page.locator("svg.earnings-chart").is_visible()
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "seller-money-phone")

    page.goto(f"{live_server.url}/seller/orders/")
    assert page.get_by_text("Linen table runner, natural, 180 cm").first.is_visible()
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "seller-orders-phone")
