"""Allocation: the shop hands over a paid order; fulfillment keeps its copy and allocates it, warehouse by warehouse.

The choice of warehouses is fulfillment.allocation.choose_warehouses (a pure function); this module
locks, asks it, and writes the result. Idempotent: an order handed over before gets nothing more. A
fulfillment order that leaves its warehouse's country with a line lacking customs data is held
(`MISSING_CUSTOMS_DATA`) until the data is complete.
"""

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from fulfillment.allocation import Destination, WarehouseInfo, choose_warehouses
from fulfillment.models import (
    Allocation,
    Backorder,
    FulfillmentOrder,
    OutboundLine,
    OutboundOrder,
    Reservation,
    Stock,
)
from fulfillment.models.stock import SHIPPING_WAREHOUSE_KINDS
from fulfillment.requests import FulfillmentRequest
from fulfillment.services.fulfillment_orders import hold_where_customs_data_missing, set_fulfillment_order_status
from fulfillment.services.stock import allocate_many, deallocate_units, shift_available
from marketplace.db import insert_new


def allocate_order(*, request: FulfillmentRequest) -> list[Allocation]:
    """Copy the paid order and allocate every line once; what no warehouse has is backordered for staff."""
    with transaction.atomic():
        order = _record_outbound_order(request)
        if order is None:
            return []  # handed over before, or stopped before it arrived: a repeat changes nothing
        lines = request.lines
        line_ids = [line.line_id for line in lines]
        running = Q(reserved_until__isnull=True) | Q(reserved_until__gt=timezone.now())  # `Reservation.objects.active`
        # What other orders' running reservations hold of each row, read with the row in the same statement.
        held_by_others = (
            Reservation.objects.filter(running, stock=OuterRef("pk"))
            .exclude(order_line_id__in=line_ids)
            .order_by()
            .values("stock")
            .annotate(units=Sum("quantity"))
            .values("units")
        )
        stocks = list(
            Stock.objects.select_for_update(of=("self",))
            .filter(
                variant_id__in=sorted({line.variant_id for line in lines}),
                warehouse__is_active=True,
                warehouse__kind__in=SHIPPING_WAREHOUSE_KINDS,
            )
            .select_related("warehouse")
            .annotate(held_by_others=Coalesce(Subquery(held_by_others), 0))
            .order_by("pk")
        )
        free = {(stock.warehouse_id, stock.variant_id): stock.quantity_free - stock.held_by_others for stock in stocks}
        warehouses = {stock.warehouse_id: stock.warehouse for stock in stocks}
        # The order's soft claims give way to hard ones: what they held is now allocated (counts net below).
        given_back = _delete_own_reservations(line_ids=line_ids, locked={stock.pk: stock for stock in stocks})
        plan = choose_warehouses(
            [(line.line_id, line.variant_id, line.quantity) for line in lines],
            Destination(str(order.ship_country), order.ship_postal_code),
            [WarehouseInfo(w.pk, str(w.country), w.postal_code, w.priority, w.is_active) for w in warehouses.values()],
            free,
        )
        stock_of = {(stock.warehouse_id, stock.variant_id): stock for stock in stocks}
        fulfillment_orders = {
            warehouse_id: FulfillmentOrder.objects.create(order=order, warehouse=warehouses[warehouse_id])
            for warehouse_id in plan.warehouse_ids
        }
        # Every line's units in one UPDATE and two inserts (rows already locked above, in pk order).
        allocate_many(
            claims=[(stock_of[(p.warehouse_id, p.variant_id)], p.quantity) for p in plan.allocations],
            reference=f"order {order.number}",
            shift=False,
        )
        net: dict[int, int] = {}
        for quantity, variant_id, active in given_back:
            if active:
                net[variant_id] = net.get(variant_id, 0) + quantity
        for planned in plan.allocations:  # every stock row here is in an active warehouse
            net[planned.variant_id] = net.get(planned.variant_id, 0) - planned.quantity
        shift_available(net)  # usually nothing to write: the reserved units are the allocated ones
        allocations = Allocation.objects.bulk_create(
            [
                Allocation(
                    fulfillment_order=fulfillment_orders[planned.warehouse_id],
                    order_line_id=planned.line_id,
                    stock=stock_of[(planned.warehouse_id, planned.variant_id)],
                    quantity=planned.quantity,
                )
                for planned in plan.allocations
            ]
        )
        Backorder.objects.bulk_create(
            [Backorder(order_line_id=b.line_id, quantity=b.quantity) for b in plan.backorders]
        )
        # A warehouse abroad cannot declare a line without customs data: hold it for the seller or staff.
        hold_where_customs_data_missing(just_made=list(fulfillment_orders.values()))
    return allocations


def _delete_own_reservations(*, line_ids: list[int], locked: dict[int, Stock]) -> list[tuple[int, int, bool]]:
    """Delete the order's own reservations, answering what they held as (units, variant id, warehouse active).

    One DELETE that answers its rows; the variant and warehouse of a reservation on a row not locked (a warehouse
    switched off or not shipping since checkout: rare) are read in one more query.
    """
    if not line_ids:
        return []
    table = connection.ops.quote_name(Reservation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE order_line_id IN ({', '.join(['%s'] * len(line_ids))}) "  # noqa: S608
            "RETURNING stock_id, quantity",
            line_ids,
        )
        deleted = cursor.fetchall()
    other = {
        row[0]: row[1:]
        for row in Stock.objects.filter(pk__in={stock_id for stock_id, _ in deleted} - locked.keys()).values_list(
            "pk", "variant_id", "warehouse__is_active"
        )
    } if any(stock_id not in locked for stock_id, _ in deleted) else {}  # fmt: skip
    given_back = []
    for stock_id, units in deleted:
        stock = locked.get(stock_id)
        variant_id, active = (stock.variant_id, stock.warehouse.is_active) if stock else other[stock_id]
        given_back.append((units, variant_id, active))
    return given_back


def _record_outbound_order(request: FulfillmentRequest) -> OutboundOrder | None:
    """Fulfillment's copy of the order and its lines; None, with nothing written, when a copy is there already.

    One INSERT that the primary key (the shop's order id) decides: a concurrent hand-over of the same order
    waits for the first to commit and then writes nothing, as a repeat or a copy stopped before it arrived does.
    """
    ship_to = request.ship_to
    order = OutboundOrder(
        id=request.order_id,
        number=request.number,
        currency=request.currency,
        shipping_method=request.shipping_method,
        shipping_days_max=request.shipping_days_max,
        ship_name=ship_to.name,
        ship_line1=ship_to.line1,
        ship_line2=ship_to.line2,
        ship_city=ship_to.city,
        ship_region=ship_to.region,
        ship_postal_code=ship_to.postal_code,
        ship_country=ship_to.country,
        ship_phone=ship_to.phone,
        incoterm=request.incoterm,
        value_in_sdr=Decimal(request.value_in_sdr) if request.value_in_sdr else None,
        exporter=request.exporter,
        promised_from=dt.date.fromisoformat(request.promised_from) if request.promised_from else None,
        promised_to=dt.date.fromisoformat(request.promised_to) if request.promised_to else None,
    )
    if not insert_new([order], returning=["id"]):
        return None
    order._state.adding, order._state.db = False, "default"  # as saved
    OutboundLine.objects.bulk_create(
        [
            OutboundLine(
                id=line.line_id,
                order=order,
                variant_id=line.variant_id,
                sku=line.sku,
                product_title=line.product_title,
                variant_label=line.variant_label,
                quantity=line.quantity,
                unit_value=line.unit_value,
                hs_code=line.hs_code,
                country_of_origin=line.country_of_origin,
                customs_description=line.customs_description,
                net_weight_grams=line.net_weight_grams,
            )
            for line in request.lines
        ]
    )
    return order


class PickingStarted(Exception):
    """The order cannot be stopped before picking: a warehouse is picking it, or it has left."""

    code = "picking_started"

    def __init__(self, *, order_id: int) -> None:
        self.message = "A warehouse has started picking this order; it can no longer be cancelled."
        super().__init__(self.message)
        self.order_id = order_id


def stop_fulfillment(*, order_id: int, number: str = "", reference: str = "") -> int:
    """The order will not ship (cancelled, or refunded in full): give back its unshipped allocations.

    Answers how many allocations were released. Safe to repeat, and safe before the order was handed
    over: a stopped copy is kept, so a late hand-over allocates nothing.
    """
    with transaction.atomic():
        return _stop(order_id=order_id, number=number, reference=reference, only_unpicked=False)


def cancel_before_picking(*, order_id: int, number: str = "", reference: str = "") -> int:
    """Stop the order only if no warehouse has started picking it; raises PickingStarted otherwise.

    The one door for a shopper's cancellation: fulfillment's copy of the order, then its fulfillment
    orders are locked (the lock order of this app) and their states read under the lock, so a pick list
    made at the same moment either took them first (PickingStarted) or finds them cancelled and skips
    them. Call it inside the caller's transaction to cancel the order and stop it together. Safe to repeat.
    """
    with transaction.atomic():
        return _stop(order_id=order_id, number=number, reference=reference, only_unpicked=True)


def _stop(*, order_id: int, number: str, reference: str, only_unpicked: bool) -> int:
    order = OutboundOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:  # not handed over yet: a stopped copy, so a late hand-over allocates nothing
        OutboundOrder.objects.create(id=order_id, number=number, status=OutboundOrder.Status.CANCELLED)
        return 0
    if order.status == OutboundOrder.Status.CANCELLED:
        return 0
    if only_unpicked:
        # Read under lock: a pick list takes the same rows with select_for_update and re-checks they are open.
        locked = list(FulfillmentOrder.objects.select_for_update().filter(order_id=order_id).order_by("pk"))
        if any(fo.status in (FulfillmentOrder.Status.IN_PROGRESS, FulfillmentOrder.Status.CLOSED) for fo in locked):
            raise PickingStarted(order_id=order_id)
    order.status = OutboundOrder.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    allocations = list(
        Allocation.objects.filter(
            order_line__order_id=order_id,
            fulfillment_order__status__in=[FulfillmentOrder.Status.OPEN, FulfillmentOrder.Status.ON_HOLD],
        ).order_by("stock_id")
    )
    Backorder.objects.filter(order_line__order_id=order_id, allocated_at__isnull=True).delete()
    if not allocations:
        return 0
    stocks = {
        stock.pk: stock
        for stock in Stock.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted({a.stock_id for a in allocations}))
        .order_by("pk")
    }
    for allocation in allocations:
        deallocate_units(
            stock=stocks[allocation.stock_id],
            quantity=allocation.quantity,
            reference=reference or f"order {order.number or order_id}",
        )
    for fulfillment_order in FulfillmentOrder.objects.filter(pk__in={a.fulfillment_order_id for a in allocations}):
        set_fulfillment_order_status(fulfillment_order=fulfillment_order, to=FulfillmentOrder.Status.CANCELLED)
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    return len(allocations)
