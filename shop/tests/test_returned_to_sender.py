"""A parcel the carrier brings back (refused, undeliverable) opens a return, received at its warehouse, refunded."""

from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import FulfillmentOrder, InboundReturn, Shipment, Stock
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from fulfillment.services.shipments import hand_over_shipment
from fulfillment.services.tracking import ingest_tracking_event
from shop.models import Order, ReturnRequest, SentEmail
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.payments import start_payment
from shop.tests.test_payments_support import (
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401 (fixture "local_stripe")
    pay_on_page,
    place_test_order,
    stocked_variant,
)

pytestmark = pytest.mark.django_db


def test_a_refused_parcel_comes_back_to_its_warehouse_and_the_shopper_is_refunded(
    client, local_stripe, deliver_events, django_capture_on_commit_callbacks
):
    tea = stocked_variant(price="12.50", quantity=3)
    order = place_test_order((tea, 2))
    pay_on_page(client, start_payment(order=order))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)
    deliver_events()
    send_to_fulfillment(order_id=order.pk)
    fulfillment_order = FulfillmentOrder.objects.get(order_id=order.pk)
    shipment = Shipment.objects.create(
        fulfillment_order=fulfillment_order,
        status=Shipment.Status.LABELLED,
        tracking_number="9400111899223197428490",
        carrier="domestic_ground",
        service="ground",
    )
    hand_over_shipment(shipment_id=shipment.pk)
    shelf = Stock.objects.get(warehouse=fulfillment_order.warehouse, variant=tea)
    assert shelf.quantity == 1  # two left with the carrier

    for status in ("returned_to_sender", "returned_to_sender"):  # the carrier tells us twice
        ingest_tracking_event(
            tracking_number=shipment.tracking_number,
            status=status,
            occurred_at=timezone.now().replace(microsecond=0),
            location="Springfield",
            description="Refused by the recipient",
        )
    deliver_events()

    ret = ReturnRequest.objects.get(order=order)
    assert (ret.status, ret.source, ret.reason, ret.warehouse) == (
        "in_transit",
        "carrier",
        "returned_to_sender",
        fulfillment_order.warehouse,
    )
    assert [(line.order_line.variant, line.quantity) for line in ret.lines.all()] == [(tea, 2)]
    inbound = InboundReturn.objects.get(pk=ret.pk)
    assert (inbound.shipment, inbound.status, inbound.drop_off_code) == (shipment, "in_transit", "")
    assert SentEmail.objects.filter(order=order, kind=SentEmail.Kind.RETURNED_TO_SENDER).count() == 1

    receive_return(code=shipment.tracking_number, warehouse_id=fulfillment_order.warehouse_id)
    inspect_return(return_id=ret.pk, dispositions=[Disposition(line_id=ret.lines.get().pk, restock=2)])
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()
    deliver_events()

    order.refresh_from_db()
    ret.refresh_from_db()
    shelf.refresh_from_db()
    assert shelf.quantity == 3  # back on the shelf it left
    assert ret.refund.amount == order.amount_paid == order.amount_refunded == Decimal("33.86")  # shipping too
    assert order.status == Order.Status.RETURNED
    assert ReturnRequest.objects.filter(order=order).count() == 1
