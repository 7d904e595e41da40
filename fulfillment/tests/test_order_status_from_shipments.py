"""The order's status follows what its warehouses have handed to carriers."""

import pytest

from fulfillment.models import FulfillmentOrder, Shipment
from fulfillment.services.allocation import allocate_order
from fulfillment.services.shipments import hand_over_shipment
from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Order
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _labelled(fulfillment_order: FulfillmentOrder) -> Shipment:
    return Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.LABELLED)


def _status(order: Order) -> str:
    order.refresh_from_db()
    return order.status


def test_an_order_split_over_two_warehouses_is_partly_then_wholly_shipped():
    tea, cup = VariantFactory(), VariantFactory()
    newark, ontario = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, newark, quantity=1)
    stock_of(cup, ontario, quantity=1)
    order = paid_order((tea, 1), (cup, 1))
    allocate_order(order_id=order.pk)
    at_newark, at_ontario = (FulfillmentOrder.objects.get(order=order, warehouse=w) for w in (newark, ontario))

    hand_over_shipment(shipment_id=_labelled(at_newark).pk)
    assert _status(order) == Order.Status.PARTIALLY_FULFILLED  # Ontario has not shipped yet (no shipment)

    ontario_shipment = _labelled(at_ontario)
    assert _status(order) == Order.Status.PARTIALLY_FULFILLED
    hand_over_shipment(shipment_id=ontario_shipment.pk)
    assert _status(order) == Order.Status.FULFILLED


def test_an_open_backorder_keeps_the_order_partly_shipped():
    tea = VariantFactory()
    newark = WarehouseFactory()
    stock_of(tea, newark, quantity=3)
    order = paid_order((tea, 3))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=1, reference="recount: 2 damaged")
    allocate_order(order_id=order.pk)

    hand_over_shipment(shipment_id=_labelled(FulfillmentOrder.objects.get(order=order)).pk)

    assert _status(order) == Order.Status.PARTIALLY_FULFILLED
