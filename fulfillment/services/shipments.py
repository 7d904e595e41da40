"""The shipment state machine, and the hand-over to the carrier.

Every status change of a shipment goes through `set_shipment_status`, which announces the facts the
shop cares about (handed over, delivered, failed, returned, cancelled) in fulfillment.events; the
shop derives the order's status from them.
"""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fulfillment import events
from fulfillment.models import (
    Allocation,
    FulfillmentOrder,
    InboundReturn,
    OutboundOrder,
    Shipment,
    Stock,
    TrackingEvent,
)
from fulfillment.models.shipping import HANDED_OVER_STATUSES, MOVING_STATUSES
from fulfillment.services.fulfillment_orders import set_fulfillment_order_status
from fulfillment.services.stock import ship_units

S = Shipment.Status
_MOVING = set(MOVING_STATUSES)
SHIPMENT_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING: {S.ALLOCATED, S.CANCELLED},
    S.ALLOCATED: {S.PICKING, S.CANCELLED},
    S.PICKING: {S.PACKED, S.ALLOCATED, S.CANCELLED},
    S.PACKED: {S.LABELLED, S.PICKING, S.CANCELLED},
    S.LABELLED: {S.IN_TRANSIT, S.PACKED, S.CANCELLED},  # back to packed when the label is voided
    S.IN_TRANSIT: {S.AT_HUB, S.CUSTOMS_HOLD, S.OUT_FOR_DELIVERY, S.DELIVERED, S.EXCEPTION, S.RETURNED_TO_SENDER},
    # At hub -> cleared: a consolidated parcel cleared with its master without being held.
    S.AT_HUB: {S.IN_TRANSIT, S.CUSTOMS_HOLD, S.CLEARED, S.OUT_FOR_DELIVERY, S.EXCEPTION, S.RETURNED_TO_SENDER},
    S.CUSTOMS_HOLD: {S.CLEARED, S.EXCEPTION, S.RETURNED_TO_SENDER},
    S.CLEARED: {S.IN_TRANSIT, S.AT_HUB, S.OUT_FOR_DELIVERY, S.EXCEPTION},
    S.OUT_FOR_DELIVERY: {S.DELIVERED, S.EXCEPTION, S.IN_TRANSIT, S.RETURNED_TO_SENDER},
    S.EXCEPTION: _MOVING | {S.DELIVERED, S.RETURNED_TO_SENDER},
    S.DELIVERED: set(),
    S.RETURNED_TO_SENDER: set(),
    S.CANCELLED: set(),
}
HANDED_OVER = set(HANDED_OVER_STATUSES)


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
    before = shipment.status
    shipment.status = to
    shipment.save(update_fields=fields)
    _announce(shipment, before=before)
    return True


# Moves a master scan may make for many parcels at once; hand-over and arrival stay one by one (stock, emails).
BULK_TARGETS = frozenset({S.IN_TRANSIT, S.AT_HUB, S.CUSTOMS_HOLD, S.CLEARED})


def set_shipments_status(
    *, shipment_ids: list[int], to: str, from_statuses: frozenset[str] | set[str], reason: str = ""
) -> list[int]:
    """The same door for the parcels of a master scan: those in `from_statuses` move to `to`, in bulk.

    Checked against the same transitions table, one UPDATE per status left (a handful, whatever the number of
    parcels); the facts `set_shipment_status` would announce (held at customs with `reason`, cleared) are
    announced for each parcel that made that move. Returns the ids moved; locks them in primary-key order.
    """
    if to not in BULK_TARGETS:
        raise ValueError(f"{to} is not a move made in bulk.")
    # OF self: the order id comes through a nullable join (a return has no fulfillment order), which PostgreSQL
    # refuses to lock; only the shipment rows are ours to lock here.
    rows = list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(pk__in=shipment_ids, status__in=set(from_statuses) - {to}, direction=Shipment.Direction.OUTBOUND)
        .order_by("pk")
        .values_list("pk", "status", "tracking_number", "fulfillment_order__order_id")
    )
    by_status: dict[str, list[int]] = {}
    for pk, status, _number, _order in rows:
        if to not in SHIPMENT_TRANSITIONS[status] or status not in HANDED_OVER:
            raise IllegalShipmentTransition(status, to)
        by_status.setdefault(status, []).append(pk)
    now = timezone.now()
    for ids in by_status.values():
        Shipment.objects.filter(pk__in=ids).update(status=to, updated_at=now)
    for pk, status, number, order_id in rows:
        if to == S.CUSTOMS_HOLD:
            events.shipment_held_at_customs.publish(
                order_id=order_id, shipment_id=pk, tracking_number=number, reason=reason
            )
        elif status == S.CUSTOMS_HOLD and to == S.CLEARED:
            events.shipment_cleared_customs.publish(order_id=order_id, shipment_id=pk, tracking_number=number)
    return [row[0] for row in rows]


def _announce(shipment: Shipment, *, before: str) -> None:
    """Write the facts of this move in the same transaction (the shop's order status and emails follow)."""
    if shipment.is_return:
        _announce_return(shipment, before=before)
        return
    facts = []
    if before not in HANDED_OVER and shipment.status in HANDED_OVER:
        facts.append(events.shipment_handed_over)
    facts += {
        S.DELIVERED: [events.shipment_delivered],
        S.EXCEPTION: [events.shipment_failed],
        S.RETURNED_TO_SENDER: [events.shipment_returned_to_sender],
        S.CANCELLED: [events.shipment_cancelled],
        S.CUSTOMS_HOLD: [events.shipment_held_at_customs],
    }.get(shipment.status, [])
    if before == S.CUSTOMS_HOLD and shipment.status == S.CLEARED:
        facts.append(events.shipment_cleared_customs)
    if not facts:
        return
    fulfillment_order = FulfillmentOrder.objects.only("order_id", "warehouse_id").get(pk=shipment.fulfillment_order_id)
    for fact in facts:
        extra = {}
        if fact is events.shipment_returned_to_sender:
            # What comes back, so the shop can open the return: the units that left in this shipment.
            extra = {"warehouse_id": fulfillment_order.warehouse_id, "lines": _shipped_lines(fulfillment_order)}
        elif fact is events.shipment_held_at_customs:
            extra = {"reason": _customs_reason(shipment)}
        fact.publish(
            order_id=fulfillment_order.order_id,
            shipment_id=shipment.pk,
            tracking_number=shipment.tracking_number,
            carrier=shipment.carrier,
            service=shipment.service,
            **extra,
        )


def _customs_reason(shipment: Shipment) -> str:
    """Why customs hold it, as the last hold event said (its label, in words)."""
    held = (
        TrackingEvent.objects.filter(shipment=shipment, status=TrackingEvent.Status.CUSTOMS_HELD)
        .order_by("-occurred_at", "-pk")
        .first()
    )
    return held.get_customs_reason_display() if held is not None and held.customs_reason else ""


def _shipped_lines(fulfillment_order: FulfillmentOrder) -> list[dict[str, int]]:
    rows = (
        Allocation.objects.filter(fulfillment_order=fulfillment_order, consumed_at__isnull=False)
        .values("order_line_id")
        .annotate(quantity=Sum("quantity"))
        .order_by("order_line_id")
    )
    return [{"order_line_id": row["order_line_id"], "quantity": row["quantity"]} for row in rows]


def _announce_return(shipment: Shipment, *, before: str) -> None:
    """A return parcel's label, its first scan and its delivery to the centre, as facts about its return."""
    fact = None
    if shipment.status == S.LABELLED:
        fact = events.return_label_ready
    elif before not in HANDED_OVER and shipment.status in HANDED_OVER:
        fact = events.return_in_transit
    elif shipment.status == S.DELIVERED:
        fact = events.return_arrived
    if fact is None:
        return
    inbound = InboundReturn.objects.only("pk", "order_id", "status").filter(shipment=shipment).first()
    if inbound is not None and fact is events.return_in_transit and inbound.status == InboundReturn.Status.EXPECTED:
        InboundReturn.objects.filter(pk=inbound.pk).update(status=InboundReturn.Status.IN_TRANSIT)
    if inbound is not None:
        fact.publish(
            return_id=inbound.pk,
            order_id=inbound.order_id,
            tracking_number=shipment.tracking_number,
            carrier=shipment.carrier,
            service=shipment.service,
        )


def hand_over_shipment(*, shipment_id: int, by=None) -> Shipment:
    """The carrier took a labelled shipment: its allocations are consumed and the units leave stock.

    Idempotent: a shipment already handed over changes nothing. Closes the fulfillment order; the
    shop hears of it (shipment_handed_over) and derives the order's status.
    """
    with transaction.atomic():
        order_id = Shipment.objects.values_list("fulfillment_order__order_id", flat=True).get(pk=shipment_id)
        # The order's copy first, as allocation, moves and backorders lock it: one lock order, no deadlock.
        OutboundOrder.objects.select_for_update().filter(pk=order_id).first()
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
        everything_left = not fulfillment_order.shipments.exclude(status__in=HANDED_OVER | {S.CANCELLED}).exists()
        if everything_left and fulfillment_order.status != FulfillmentOrder.Status.CLOSED:
            set_fulfillment_order_status(fulfillment_order=fulfillment_order, to=FulfillmentOrder.Status.CLOSED)
    return shipment
