"""Shared set-up for the returns tests: an order paid through the Stripe stand-in and delivered.

Import the fixtures by their function names (`delivered_order_fixture`, `returns_centre_fixture`) with
`# noqa: F401`; tests ask for them as `delivered_order` and `returns_centre`.
"""

from decimal import Decimal

import pytest
from django.db.models import F

from fulfillment.models import FulfillmentOrder, Shipment, Warehouse
from fulfillment.services.shipments import hand_over_shipment, set_shipment_status
from fulfillment.tests.factories import WarehouseFactory
from shop.models import Order
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.payments import start_payment
from shop.tests.test_payments_support import deliver_stand_in_events, pay_on_page, place_test_order, stocked_variant


def deliver(order: Order) -> list[Shipment]:
    """Allocate the order and carry every fulfillment order's shipment to the door."""
    send_to_fulfillment(order_id=order.pk)
    shipments = []
    for fulfillment_order in FulfillmentOrder.objects.filter(order_id=order.pk):
        shipment = Shipment.objects.create(
            fulfillment_order=fulfillment_order,
            status=Shipment.Status.LABELLED,
            tracking_number=f"9400{fulfillment_order.pk:018d}",
            carrier="domestic_ground",
            service="ground",
        )
        hand_over_shipment(shipment_id=shipment.pk)
        shipment.refresh_from_db()
        for step in (Shipment.Status.OUT_FOR_DELIVERY, Shipment.Status.DELIVERED):
            set_shipment_status(shipment=shipment, to=step)
        shipments.append(shipment)
    return shipments


# Named fixtures: a test module imports the functions and asks for the names (no redefinition for ruff's F811).
@pytest.fixture(name="returns_centre")
def returns_centre_fixture(db) -> Warehouse:
    return WarehouseFactory(
        code="US-RC1", name="Returns Edison", kind=Warehouse.Kind.RETURNS_CENTRE, city="Edison", postal_code="08817"
    )


def paid_and_delivered(client, capture_on_commit, deliver_events, *, tax: str = "0") -> Order:
    """2 x tea at 12.50 and 1 x cup at 8.00 (+ 9.62 shipping [+ tax]), paid on the stand-in and delivered."""
    tea, cup = stocked_variant(price="12.50"), stocked_variant(price="8.00")
    order = place_test_order((tea, 2), (cup, 1))
    if Decimal(tax):  # as if checkout had charged tax (the landed-cost engine's job)
        Order.objects.filter(pk=order.pk).update(tax_total=Decimal(tax), total=F("total") + Decimal(tax))
        order.refresh_from_db()
    pay_on_page(client, start_payment(order=order))
    with capture_on_commit(execute=True):
        deliver_stand_in_events(client)
    deliver_events()
    deliver(order)
    deliver_events()
    order.refresh_from_db()
    assert (order.status, order.amount_paid) == (Order.Status.DELIVERED, order.total)
    order.tea, order.cup = order.lines.get(variant=tea), order.lines.get(variant=cup)
    return order


@pytest.fixture(name="delivered_order")
def delivered_order_fixture(client, local_stripe, returns_centre, deliver_events, django_capture_on_commit_callbacks):
    """2 x tea at 12.50 and 1 x cup at 8.00 (+ 9.62 shipping = 42.62 USD), paid on the stand-in and delivered."""
    return paid_and_delivered(client, django_capture_on_commit_callbacks, deliver_events)
