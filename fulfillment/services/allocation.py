"""Allocation: the shop hands over a paid order; fulfillment keeps its copy and allocates it, warehouse by warehouse.

The choice of warehouses is fulfillment.allocation.choose_warehouses (a pure function); this module
locks, asks it, and writes the result. Idempotent: an order handed over before gets nothing more. A
fulfillment order that leaves its warehouse's country with a line lacking customs data is held
(`MISSING_CUSTOMS_DATA`) until the data is complete.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

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
from fulfillment.models.stock import SHIPPING_WAREHOUSE_KINDS, counts_against_availability
from fulfillment.requests import FulfillmentRequest
from fulfillment.services.fulfillment_orders import hold_where_customs_data_missing, set_fulfillment_order_status
from fulfillment.services.stock import allocate_many, deallocate_units, shift_available
from marketplace.db import insert_new, mark_saved


def allocate_order(*, request: FulfillmentRequest) -> list[Allocation]:
    """Copy the paid order and allocate every line once; what no warehouse has is backordered for staff."""
    with transaction.atomic():
        order = _record_outbound_order(request)
        if order is None:
            return []  # handed over before, or stopped before it arrived: a repeat changes nothing
        lines = request.lines
        line_ids = [line.line_id for line in lines]
        stocks = list(
            Stock.objects.select_for_update(of=("self",))
            .filter(
                variant_id__in=sorted({line.variant_id for line in lines}),
                warehouse__is_active=True,
                warehouse__kind__in=SHIPPING_WAREHOUSE_KINDS,
            )
            .select_related("warehouse")
            .order_by("pk")
        )
        free_by_stock, given_back = _free_and_own_reservations(stocks=stocks, line_ids=line_ids)
        free = {(stock.warehouse_id, stock.variant_id): free_by_stock[stock.pk] for stock in stocks}
        warehouses = {stock.warehouse_id: stock.warehouse for stock in stocks}
        plan = choose_warehouses(
            [(line.line_id, line.variant_id, line.quantity) for line in lines],
            Destination(str(order.ship_country), order.ship_postal_code),
            [WarehouseInfo(w.pk, str(w.country), w.postal_code, w.priority, w.is_active) for w in warehouses.values()],
            free,
        )
        # The order's soft claims give way to hard ones: what they held is now allocated (counts net below).
        Reservation.objects.filter(order_line_id__in=line_ids).delete()
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


def _free_and_own_reservations(
    *, stocks: list[Stock], line_ids: list[int]
) -> tuple[dict[int, int], list[tuple[int, int, bool]]]:
    """In one query: each (locked) stock row's free units, the order's own reservations counting as free
    (`free_units`), and what those own reservations hold, as (units, variant id, warehouse active)."""
    own = Q(order_line_id__in=line_ids)
    running = counts_against_availability()
    rows = (
        Reservation.objects.filter(Q(stock__in=stocks) | own)
        .values("stock_id", "stock__variant_id", "stock__warehouse__is_active")
        .annotate(others=Sum("quantity", filter=running & ~own, default=0), mine=Sum("quantity", filter=own, default=0))
        .order_by()
    )
    held, given_back = {}, []
    for row in rows:
        held[row["stock_id"]] = row["others"]
        if row["mine"]:
            given_back.append((row["mine"], row["stock__variant_id"], row["stock__warehouse__is_active"]))
    return {stock.pk: stock.quantity_free - held.get(stock.pk, 0) for stock in stocks}, given_back


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
    mark_saved(order)
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
