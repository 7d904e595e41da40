"""The order's status follows what fulfillment announces: handed to carriers, delivered (shop's receivers)."""

import pytest

from fulfillment.models import FulfillmentOrder, Shipment
from fulfillment.services.shipments import hand_over_shipment, set_shipment_status
from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.models import OutboxEvent
from marketplace.outbox import dispatch
from shop.models import Order
from shop.order_timeline import describe
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _labelled(fulfillment_order: FulfillmentOrder) -> Shipment:
    return Shipment.objects.create(
        fulfillment_order=fulfillment_order,
        status=Shipment.Status.LABELLED,
        tracking_number=f"9400{fulfillment_order.pk:018d}",
        carrier="domestic_ground",
        service="ground",
    )


@pytest.fixture
def status(deliver_events):
    """The order's status once fulfillment's facts so far were delivered to the shop."""

    def read(order: Order) -> str:
        deliver_events()
        order.refresh_from_db()
        return order.status

    return read


def test_an_order_split_over_two_warehouses_is_partly_then_wholly_shipped(status):
    tea, cup = VariantFactory(), VariantFactory()
    newark, ontario = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, newark, quantity=1)
    stock_of(cup, ontario, quantity=1)
    order = paid_order((tea, 1), (cup, 1))
    send_to_fulfillment(order_id=order.pk)
    at_newark, at_ontario = (FulfillmentOrder.objects.get(order=order.pk, warehouse=w) for w in (newark, ontario))

    hand_over_shipment(shipment_id=_labelled(at_newark).pk)
    assert status(order) == Order.Status.PARTIALLY_FULFILLED  # Ontario has not shipped yet (no shipment)

    ontario_shipment = _labelled(at_ontario)
    assert status(order) == Order.Status.PARTIALLY_FULFILLED
    hand_over_shipment(shipment_id=ontario_shipment.pk)
    assert status(order) == Order.Status.FULFILLED


def test_an_open_backorder_keeps_the_order_partly_shipped(status):
    tea = VariantFactory()
    newark = WarehouseFactory()
    stock_of(tea, newark, quantity=3)
    order = paid_order((tea, 3))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=1, reference="recount: 2 damaged")
    send_to_fulfillment(order_id=order.pk)

    hand_over_shipment(shipment_id=_labelled(FulfillmentOrder.objects.get(order_id=order.pk)).pk)

    assert status(order) == Order.Status.PARTIALLY_FULFILLED


def _delivered(shipment: Shipment) -> None:
    for step in (Shipment.Status.OUT_FOR_DELIVERY, Shipment.Status.DELIVERED):
        set_shipment_status(shipment=shipment, to=step)


def test_an_order_is_partly_then_wholly_delivered_and_the_shopper_reads_it(status, client):
    tea, cup = VariantFactory(), VariantFactory()
    newark, ontario = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, newark, quantity=1)
    stock_of(cup, ontario, quantity=1)
    order = paid_order((tea, 1), (cup, 1))
    send_to_fulfillment(order_id=order.pk)
    first, second = (_labelled(FulfillmentOrder.objects.get(order=order.pk, warehouse=w)) for w in (newark, ontario))
    hand_over_shipment(shipment_id=first.pk)
    hand_over_shipment(shipment_id=second.pk)
    assert status(order) == Order.Status.FULFILLED

    _delivered(Shipment.objects.get(pk=first.pk))
    assert status(order) == Order.Status.PARTIALLY_DELIVERED

    _delivered(Shipment.objects.get(pk=second.pk))
    assert status(order) == Order.Status.DELIVERED
    words = [describe(event) for event in order.events.all()]
    assert words.count("Derived from shipments handed to the carrier.") == 3  # shipped, partly, wholly delivered


def test_facts_in_any_order_lead_to_the_same_status(status, deliver_events):
    """A delivery handled before the hand-over (handlers run in any order) still ends delivered, once."""
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(), quantity=1)
    order = paid_order((tea, 1))
    send_to_fulfillment(order_id=order.pk)
    shipment = _labelled(FulfillmentOrder.objects.get(order_id=order.pk))
    hand_over_shipment(shipment_id=shipment.pk)
    _delivered(Shipment.objects.get(pk=shipment.pk))
    handed_over, delivered = OutboxEvent.objects.filter(name__startswith="fulfillment.shipment_").order_by("pk")

    dispatch(event_id=delivered.pk)  # the later fact first
    assert status(order) == Order.Status.DELIVERED
    dispatch(event_id=handed_over.pk)
    dispatch(event_id=delivered.pk)  # and a repeat

    assert status(order) == Order.Status.DELIVERED
    assert order.events.filter(to_status=Order.Status.DELIVERED).count() == 1
    assert order.sent_emails.count() == 2  # shipped and delivered, once each
