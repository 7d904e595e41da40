"""Helpers shared by the seller money tests (no tests here): a paid order through the stand-in, delivery, onboarding."""

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from fulfillment.models import FulfillmentOrder, OutboundOrder, Shipment
from fulfillment.tests.factories import WarehouseFactory
from shop.models import Seller
from shop.services.ledger import balance_of, seller_account
from shop.services.payments import start_payment
from shop.services.seller_accounts import refresh_seller_account, start_seller_onboarding
from shop.tests.test_payments_support import deliver_stand_in_events, pay_on_page, place_test_order, stocked_variant

RETURN_URL = "http://testserver/seller/money/"
REFRESH_URL = "http://testserver/seller/money/"


def pay_order(client, capture, *items):
    """A pending order of (variant, quantity) items paid on the stand-in's page, its webhooks delivered."""
    order = place_test_order(*items)
    pay_on_page(client, start_payment(order=order))
    with capture(execute=True):
        deliver_stand_in_events(client)
    order.refresh_from_db()
    assert order.status == "paid"
    return order


@pytest.fixture(name="paid_order")
def paid_order_fixture(client, local_stripe, django_capture_on_commit_callbacks):
    """2 x tea at 12.50 (one seller) and 1 x cup at 8.00 (another), + 9.62 shipping = 42.62 USD, paid."""
    tea, cup = stocked_variant(price="12.50"), stocked_variant(price="8.00")
    order = pay_order(client, django_capture_on_commit_callbacks, (tea, 2), (cup, 1))
    assert order.total == Decimal("42.62")
    order.tea, order.cup = order.lines.get(variant=tea), order.lines.get(variant=cup)
    order.tea_seller, order.cup_seller = tea.product.seller, cup.product.seller
    order.tea_seller_id, order.cup_seller_id = order.tea_seller.pk, order.cup_seller.pk
    return order


def onboard(client, seller: Seller) -> None:
    """The seller fills in Stripe's (the stand-in's) onboarding page."""
    url = start_seller_onboarding(seller=seller, refresh_url=REFRESH_URL, return_url=RETURN_URL)
    assert client.post(urlsplit(url).path)["Location"] == RETURN_URL
    refresh_seller_account(seller=seller)


def deliver(order, *, at: datetime) -> None:
    """Fulfillment delivered the order's one shipment at `at`."""
    copy, _ = OutboundOrder.objects.get_or_create(id=order.pk, defaults={"number": order.number})
    fulfillment_order = FulfillmentOrder.objects.create(order=copy, warehouse=WarehouseFactory())
    Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.DELIVERED, delivered_at=at)


def owed_to(seller: Seller, *, currency: str = "USD", order_id: int | None = None) -> int:
    """What the platform owes the seller in minor units (negative: the seller owes the platform)."""
    return -balance_of(seller_account(seller.pk), currency=currency, order_id=order_id)
