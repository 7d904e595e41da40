"""The shipment state machine, and the order status that follows from fulfillment.

Every status change of a shipment goes through `set_shipment_status`; the order's
partially_fulfilled / fulfilled status is derived here from its fulfillment orders and shipments.
"""

from django.db import transaction
from django.utils import timezone

from fulfillment.models import Allocation, Backorder, FulfillmentOrder, Shipment, Stock
from fulfillment.services.stock import ship_units

S = Shipment.Status
_MOVING = {S.IN_TRANSIT, S.AT_HUB, S.CUSTOMS_HOLD, S.CLEARED, S.OUT_FOR_DELIVERY}
SHIPMENT_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.ALLOCATED, S.CANCELLED},
    S.ALLOCATED: {S.PICKING, S.CANCELLED},
    S.PICKING: {S.PACKED, S.ALLOCATED, S.CANCELLED},
    S.PACKED: {S.LABELLED, S.PICKING, S.CANCELLED},
    S.LABELLED: {S.IN_TRANSIT, S.PACKED, S.CANCELLED},  # back to packed when the label is voided
    S.IN_TRANSIT: {S.AT_HUB, S.CUSTOMS_HOLD, S.OUT_FOR_DELIVERY, S.DELIVERED, S.EXCEPTION, S.RETURNED_TO_SENDER},
    S.AT_HUB: {S.IN_TRANSIT, S.CUSTOMS_HOLD, S.OUT_FOR_DELIVERY, S.EXCEPTION, S.RETURNED_TO_SENDER},
    S.CUSTOMS_HOLD: {S.CLEARED, S.EXCEPTION, S.RETURNED_TO_SENDER},
    S.CLEARED: {S.IN_TRANSIT, S.AT_HUB, S.OUT_FOR_DELIVERY, S.EXCEPTION},
    S.OUT_FOR_DELIVERY: {S.DELIVERED, S.EXCEPTION, S.IN_TRANSIT, S.RETURNED_TO_SENDER},
    S.EXCEPTION: _MOVING | {S.DELIVERED, S.RETURNED_TO_SENDER},
    S.DELIVERED: set(),
    S.RETURNED_TO_SENDER: set(),
    S.CANCELLED: set(),
}
HANDED_OVER = _MOVING | {S.EXCEPTION, S.DELIVERED, S.RETURNED_TO_SENDER}


class IllegalShipmentTransition(Exception):
    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"A shipment cannot go from {from_status} to {to_status}.")
        self.from_status = from_status
        self.to_status = to_status


def set_shipment_status(*, shipment: Shipment, to: str) -> bool:
    """Move a shipment along its machine; False when it is already there (a repeated event)."""
    if shipment.status == to:
        return False
    if to not in SHIPMENT_TRANSITIONS[shipment.status]:
        raise IllegalShipmentTransition(shipment.status, to)
    fields = ["status", "updated_at"]
    if to in HANDED_OVER and shipment.handed_over_at is None:
        shipment.handed_over_at = timezone.now()
        fields.append("handed_over_at")
    if to == S.DELIVERED:
        shipment.delivered_at = timezone.now()
        fields.append("delivered_at")
    shipment.status = to
    shipment.save(update_fields=fields)
    return True


def sync_order_status(*, order_id: int) -> str:
    """Set the order to partially_fulfilled / fulfilled from what its warehouses have handed over."""
    from shop.models import Order
    from shop.services.orders import ORDER_TRANSITIONS, set_order_status

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        live = FulfillmentOrder.objects.filter(order_id=order_id).exclude(status=FulfillmentOrder.Status.CANCELLED)
        shipments = list(Shipment.objects.filter(fulfillment_order__in=live).exclude(status=S.CANCELLED))
        handed = [s for s in shipments if s.status in HANDED_OVER]
        if not handed:
            return order.status
        waiting = (
            len(handed) < len(shipments)  # a shipment still at its warehouse
            or live.exclude(shipments__status__in=HANDED_OVER).exists()  # a fulfillment order not shipped yet
            or Backorder.objects.filter(order_line__order_id=order_id, allocated_at__isnull=True).exists()
        )
        target = Order.Status.PARTIALLY_FULFILLED if waiting else Order.Status.FULFILLED
        if target != order.status and target in ORDER_TRANSITIONS[order.status]:
            set_order_status(order=order, to=target, note="Derived from shipments handed to the carrier.")
        return order.status


def hand_over_shipment(*, shipment_id: int, by=None) -> Shipment:
    """The carrier took a labelled shipment: its allocations are consumed and the units leave stock.

    Idempotent: a shipment already handed over changes nothing. Closes the fulfillment order and
    derives the order's status.
    """
    from shop.models import Order

    with transaction.atomic():
        order_id = Shipment.objects.values_list("fulfillment_order__order_id", flat=True).get(pk=shipment_id)
        # The order first, as allocation, moves and backorders lock it: one lock order, no deadlock.
        Order.objects.select_for_update().filter(pk=order_id).first()
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.status in HANDED_OVER:
            return shipment
        fulfillment_order = FulfillmentOrder.objects.select_for_update().get(pk=shipment.fulfillment_order_id)
        allocations = list(
            Allocation.objects.filter(fulfillment_order=fulfillment_order, consumed_at__isnull=True).order_by(
                "stock_id", "pk"
            )
        )
        stocks = {
            stock.pk: stock
            for stock in Stock.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({a.stock_id for a in allocations}))
            .order_by("pk")
        }
        reference = f"shipment {shipment.pk} {shipment.tracking_number}".strip()
        for allocation in allocations:
            ship_units(stock=stocks[allocation.stock_id], quantity=allocation.quantity, by=by, reference=reference)
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).update(consumed_at=timezone.now())
        set_shipment_status(shipment=shipment, to=S.IN_TRANSIT)
        if not fulfillment_order.shipments.exclude(status__in=HANDED_OVER | {S.CANCELLED}).exists():
            fulfillment_order.status = FulfillmentOrder.Status.CLOSED
            fulfillment_order.save(update_fields=["status", "updated_at"])
        sync_order_status(order_id=fulfillment_order.order_id)
    return shipment
