"""Fulfillment orders: their state machine, hold and release, move to another warehouse, and backorders
allocated when stock arrives. What happens is announced in fulfillment.events (the shop writes its timeline).

Lock order everywhere here: fulfillment's copy of the order (OutboundOrder), then fulfillment orders,
then stock rows, each in primary-key order (allocate_order takes the copy, then stock, in that order).
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fulfillment import events
from fulfillment.allocation import Destination, WarehouseInfo, choose_warehouses
from fulfillment.models import (
    Allocation,
    Backorder,
    FulfillmentOrder,
    OutboundLine,
    OutboundOrder,
    Shipment,
    Stock,
    Warehouse,
)
from fulfillment.models.stock import SHIPPING_WAREHOUSE_KINDS
from fulfillment.services.stock import (
    InsufficientStock,
    StockShortage,
    allocate_units,
    deallocate_units,
    free_units,
)

FO = FulfillmentOrder.Status
FULFILLMENT_ORDER_TRANSITIONS: dict[str, set[str]] = {
    FO.OPEN: {FO.ON_HOLD, FO.IN_PROGRESS, FO.CLOSED, FO.CANCELLED},  # closed: packed by hand, no pick list
    FO.ON_HOLD: {FO.OPEN, FO.CANCELLED},
    FO.IN_PROGRESS: {FO.CLOSED},  # on a pick list: it leaves when its shipments are handed over
    FO.CLOSED: set(),
    FO.CANCELLED: set(),
}
# Staff may hold and release only what nobody has started picking.
MOVABLE = {FO.OPEN, FO.ON_HOLD}
# A warehouse that already shipped or is picking the order gets no more of it: one fulfillment
# order per (order, warehouse) is a database constraint, and a picked one cannot grow.
EXTENDABLE = {FO.OPEN, FO.ON_HOLD}  # not yet on a pick list: units can still join
# A fulfillment order at a warehouse the order already has counts as this much priority when
# backorders are placed, so an arriving unit joins a parcel already going rather than start another.
SAME_SHIPMENT_BONUS = 10_000


class FulfillmentOrderError(Exception):
    """A staff action on a fulfillment order that cannot be done; `code` and `message` for the admin."""

    code = "fulfillment_order_error"

    def __init__(self, message: str, *, fulfillment_order_id: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fulfillment_order_id = fulfillment_order_id


class IllegalFulfillmentOrderTransition(FulfillmentOrderError):
    code = "illegal_transition"

    def __init__(self, *, fulfillment_order_id: int, from_status: str, to_status: str) -> None:
        was, to = (FulfillmentOrder.Status(status).label.lower() for status in (from_status, to_status))
        super().__init__(
            f"Fulfillment order {fulfillment_order_id} cannot go from {was} to {to}.",
            fulfillment_order_id=fulfillment_order_id,
        )
        self.from_status = from_status
        self.to_status = to_status


class CannotMoveFulfillmentOrder(FulfillmentOrderError):
    code = "cannot_move"


class CustomsDataStillMissing(FulfillmentOrderError):
    code = "customs_data_missing"


# ---------------------------------------------------------------- the state machine


def set_fulfillment_order_status(
    *, fulfillment_order: FulfillmentOrder, to: str, hold_reason: str = "", hold_note: str = "", **fields
) -> None:
    """The one door for a fulfillment order's status (the caller holds its lock); illegal moves raise.

    A hold carries its reason and note; leaving a hold clears them. `fields` are saved with it (pick_list).
    """
    set_fulfillment_orders_status(
        fulfillment_orders=[fulfillment_order], to=to, hold_reason=hold_reason, hold_note=hold_note, **fields
    )


def set_fulfillment_orders_status(
    *, fulfillment_orders: list[FulfillmentOrder], to: str, hold_reason: str = "", hold_note: str = "", **fields
) -> None:
    """The same door for a batch (a pick list takes many at once): all move, or none."""
    for fulfillment_order in fulfillment_orders:
        if to not in FULFILLMENT_ORDER_TRANSITIONS[fulfillment_order.status]:
            raise IllegalFulfillmentOrderTransition(
                fulfillment_order_id=fulfillment_order.pk, from_status=fulfillment_order.status, to_status=to
            )
    values = {"status": to, "hold_reason": hold_reason if to == FO.ON_HOLD else "", **fields}
    values["hold_note"] = hold_note[:200] if to == FO.ON_HOLD else ""
    FulfillmentOrder.objects.filter(pk__in=[fo.pk for fo in fulfillment_orders]).update(
        **values, updated_at=timezone.now()
    )
    for fulfillment_order in fulfillment_orders:
        for name, value in values.items():
            setattr(fulfillment_order, name, value)


# ---------------------------------------------------------------- hold / release


def hold_fulfillment_order(*, fulfillment_order_id: int, reason: str, note: str = "", by=None) -> FulfillmentOrder:
    """Put an open fulfillment order on hold for a reason staff must resolve before it is picked."""
    if reason not in FulfillmentOrder.HoldReason.values or not reason:
        raise FulfillmentOrderError(f"Unknown hold reason {reason!r}.", fulfillment_order_id=fulfillment_order_id)
    with transaction.atomic():
        fulfillment_order = _lock_one(fulfillment_order_id)
        set_fulfillment_order_status(
            fulfillment_order=fulfillment_order, to=FO.ON_HOLD, hold_reason=reason, hold_note=note
        )
        label = str(FulfillmentOrder.HoldReason(reason).label)
        events.fulfillment_order_held.publish(
            **_about(fulfillment_order, by=by), reason=reason, reason_label=label, note=note[:200]
        )
    return fulfillment_order


def release_fulfillment_order(*, fulfillment_order_id: int, by=None, note: str = "") -> FulfillmentOrder:
    """Release a held fulfillment order: it is open to be picked again.

    One held for missing customs data stays held (CustomsDataStillMissing) while a line going abroad
    still lacks it: it would only be stopped again at the border.
    """
    with transaction.atomic():
        fulfillment_order = _lock_one(fulfillment_order_id)
        if fulfillment_order.hold_reason == FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA:
            skus = customs_gaps(fulfillment_orders=[fulfillment_order]).get(fulfillment_order.pk)
            if skus:
                raise CustomsDataStillMissing(
                    f"Fulfillment order {fulfillment_order.pk}: customs data is still missing for SKU "
                    f"{', '.join(skus)}; complete it on the product first.",
                    fulfillment_order_id=fulfillment_order.pk,
                )
        set_fulfillment_order_status(fulfillment_order=fulfillment_order, to=FO.OPEN)
        events.fulfillment_order_released.publish(**_about(fulfillment_order, by=by), note=note[:200])
    return fulfillment_order


def _lock_one(fulfillment_order_id: int) -> FulfillmentOrder:
    return (
        FulfillmentOrder.objects.select_for_update(of=("self",))
        .select_related("order", "warehouse")
        .get(pk=fulfillment_order_id)
    )


def _about(fulfillment_order: FulfillmentOrder, *, by=None) -> dict:
    """What every fulfillment order event says: which order, which warehouse, and who did it."""
    return {
        "order_id": fulfillment_order.order_id,
        "fulfillment_order_id": fulfillment_order.pk,
        "warehouse": fulfillment_order.warehouse.code,
        "by_id": by.pk if by is not None and getattr(by, "is_authenticated", False) else None,
    }


# ---------------------------------------------------------------- customs holds


def crosses_border(fulfillment_order: FulfillmentOrder) -> bool:
    """Whether the fulfillment order ships from its warehouse's country to another one (needs `order`, `warehouse`)."""
    destination = str(fulfillment_order.order.ship_country or "")
    return bool(destination) and destination != str(fulfillment_order.warehouse.country)


def customs_gaps(*, fulfillment_orders: list[FulfillmentOrder]) -> dict[int, list[str]]:
    """SKUs lacking customs data per fulfillment order that crosses a border (with `order` and `warehouse` loaded).

    Only lines still to ship count; a domestic fulfillment order has no gap. One query.
    """
    abroad = {fo.pk for fo in fulfillment_orders if crosses_border(fo)}
    if not abroad:
        return {}
    rows = (
        Allocation.objects.filter(fulfillment_order_id__in=abroad, consumed_at__isnull=True)
        .select_related("order_line")
        .order_by("order_line__sku")
    )
    gaps: dict[int, list[str]] = {}
    for allocation in rows:
        line: OutboundLine = allocation.order_line
        skus = gaps.setdefault(allocation.fulfillment_order_id, [])
        if not line.has_customs_data and line.sku not in skus:
            skus.append(line.sku)
    return {pk: skus for pk, skus in gaps.items() if skus}


def hold_where_customs_data_missing(
    *, fulfillment_order_ids: Sequence[int] = (), just_made: list[FulfillmentOrder] | None = None
) -> list[int]:
    """Hold each open fulfillment order that crosses a border with a line lacking customs data; answers their ids.

    `just_made`: fulfillment orders created in this transaction (open, their order and warehouse set), not read
    again. Goes through the one door (`hold_fulfillment_order`), so the hold is announced and shows on the
    order's timeline, the staff work queue and the seller's dashboard.
    """
    if just_made is not None:
        candidates = sorted(just_made, key=lambda fulfillment_order: fulfillment_order.pk)
    else:
        candidates = list(
            FulfillmentOrder.objects.filter(pk__in=fulfillment_order_ids, status=FO.OPEN)
            .select_related("order", "warehouse")
            .order_by("pk")
        )
    held = []
    for pk, skus in sorted(customs_gaps(fulfillment_orders=candidates).items()):
        hold_fulfillment_order(
            fulfillment_order_id=pk,
            reason=FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA,
            note=f"Customs data missing for SKU {', '.join(skus)}.",
        )
        held.append(pk)
    return held


# ---------------------------------------------------------------- moving to another warehouse


def move_shortages(*, needed: Mapping[int, int], free: Mapping[int, int]) -> dict[int, tuple[int, int]]:
    """Variants the target warehouse cannot take, as {variant id: (needed, free)}; empty means it can.

    Pure: `needed` is units per variant of the fulfillment order, `free` the target's free units per
    variant (missing means none).
    """
    return {
        variant_id: (units, max(free.get(variant_id, 0), 0))
        for variant_id, units in sorted(needed.items())
        if units > free.get(variant_id, 0)
    }


def move_fulfillment_order(*, fulfillment_order_id: int, to_warehouse_id: int, by, reason: str) -> FulfillmentOrder:
    """Move an open or held fulfillment order's allocations to another warehouse; all or nothing.

    Merges into the order's fulfillment order at the target when there is one; the emptied one is
    deleted (or cancelled if shipments refer to it). Raises InsufficientStock (one line per short
    variant) when the target lacks units, CannotMoveFulfillmentOrder otherwise; nothing changes then.
    """
    if not reason.strip():
        raise CannotMoveFulfillmentOrder("Say why the order moves.", fulfillment_order_id=fulfillment_order_id)
    with transaction.atomic():
        order_id = FulfillmentOrder.objects.values_list("order_id", flat=True).get(pk=fulfillment_order_id)
        order = OutboundOrder.objects.select_for_update().get(pk=order_id)
        target = Warehouse.objects.filter(pk=to_warehouse_id).first()
        if target is None or not target.is_active or target.kind not in SHIPPING_WAREHOUSE_KINDS:
            raise CannotMoveFulfillmentOrder(
                "The target is not an active fulfillment centre.", fulfillment_order_id=fulfillment_order_id
            )
        both = {
            fo.pk: fo
            for fo in FulfillmentOrder.objects.select_for_update(of=("self",))
            .filter(
                Q(pk=fulfillment_order_id)
                | Q(order_id=order_id, warehouse_id=to_warehouse_id, status__in=list(EXTENDABLE))
            )
            .select_related("warehouse")
            .order_by("pk")
        }
        source = both.pop(fulfillment_order_id)
        into = next(iter(both.values()), None)
        _check_movable(source=source, into=into, target=target)

        allocations = list(source.allocations.filter(consumed_at__isnull=True).order_by("pk"))
        needed: dict[int, int] = defaultdict(int)
        old_stock_ids = {a.stock_id for a in allocations}
        variant_of = dict(Stock.objects.filter(pk__in=old_stock_ids).values_list("pk", "variant_id"))
        for allocation in allocations:
            needed[variant_of[allocation.stock_id]] += allocation.quantity
        stocks = list(
            Stock.objects.select_for_update(of=("self",))
            .filter(Q(pk__in=old_stock_ids) | Q(warehouse_id=to_warehouse_id, variant_id__in=list(needed)))
            .order_by("pk")
        )
        by_pk = {stock.pk: stock for stock in stocks}
        at_target = {s.variant_id: s for s in stocks if s.warehouse_id == to_warehouse_id}
        free_by_stock = free_units(stocks=list(at_target.values()))
        shortages = move_shortages(
            needed=needed, free={variant: free_by_stock[s.pk] for variant, s in at_target.items()}
        )
        if shortages:
            raise InsufficientStock(
                [
                    StockShortage(
                        stock_id=at_target[v].pk if v in at_target else 0,
                        variant_id=v,
                        warehouse_id=to_warehouse_id,
                        requested=units,
                        available=free,
                        allocated=at_target[v].quantity_allocated if v in at_target else 0,
                    )
                    for v, (units, free) in shortages.items()
                ],
                f"{target.code} has too few free units to take this order.",
            )

        reference = f"order {order.number} moved to {target.code}"
        for allocation in allocations:
            deallocate_units(stock=by_pk[allocation.stock_id], quantity=allocation.quantity, by=by, reference=reference)
        into = _target_fulfillment_order(order=order, into=into, source=source, target=target)
        for allocation in allocations:
            stock = at_target[variant_of[allocation.stock_id]]
            allocate_units(stock=stock, quantity=allocation.quantity, by=by, reference=reference)
            _add_allocation(
                fulfillment_order=into,
                order_line_id=allocation.order_line_id,
                stock_id=stock.pk,
                quantity=allocation.quantity,
            )
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
        from_code = source.warehouse.code
        if source.shipments.exists():
            set_fulfillment_order_status(fulfillment_order=source, to=FO.CANCELLED)
        else:
            source.delete()
        events.fulfillment_order_moved.publish(
            **_about(into, by=by), from_warehouse=from_code, reason=reason.strip()[:200]
        )
        # From a warehouse in the shopper's country to one abroad: now it needs customs data.
        if hold_where_customs_data_missing(fulfillment_order_ids=[into.pk]):
            into.refresh_from_db(fields=["status", "hold_reason", "hold_note"])
    return into


def _check_movable(*, source: FulfillmentOrder, into: FulfillmentOrder | None, target: Warehouse) -> None:
    if source.status not in MOVABLE:
        raise CannotMoveFulfillmentOrder(
            f"Only an open or held fulfillment order moves; this one is {source.get_status_display().lower()}.",
            fulfillment_order_id=source.pk,
        )
    if source.warehouse_id == target.pk:
        raise CannotMoveFulfillmentOrder("It is already at that warehouse.", fulfillment_order_id=source.pk)
    if source.shipments.exclude(status=Shipment.Status.CANCELLED).exists():
        raise CannotMoveFulfillmentOrder("Cancel its shipment first.", fulfillment_order_id=source.pk)


def _target_fulfillment_order(
    *, order, into: FulfillmentOrder | None, source: FulfillmentOrder, target: Warehouse
) -> FulfillmentOrder:
    """The order's fulfillment order at the target, created or reopened; a hold travels with the units."""
    held = source.status == FO.ON_HOLD
    if into is None:
        return FulfillmentOrder.objects.create(
            order=order,
            warehouse=target,
            status=source.status,
            hold_reason=source.hold_reason,
            hold_note=source.hold_note,
        )
    if held and into.status == FO.OPEN:
        set_fulfillment_order_status(
            fulfillment_order=into, to=FO.ON_HOLD, hold_reason=source.hold_reason, hold_note=source.hold_note
        )
    return into


def _add_allocation(
    *, fulfillment_order: FulfillmentOrder, order_line_id: int, stock_id: int, quantity: int
) -> Allocation:
    """One allocation per (line, stock): extend the one there is, or create it."""
    same = Allocation.objects.filter(order_line_id=order_line_id, stock_id=stock_id, consumed_at__isnull=True)
    if same.update(quantity=F("quantity") + quantity, fulfillment_order=fulfillment_order):
        return same.get()
    return Allocation.objects.create(
        fulfillment_order=fulfillment_order, order_line_id=order_line_id, stock_id=stock_id, quantity=quantity
    )


# ---------------------------------------------------------------- backorders


@dataclass(frozen=True)
class BackorderResult:
    allocations: list[Allocation]
    backorder_ids: list[int]  # rows that are now (wholly or in part) allocated


@dataclass
class _FreeStock:
    """The locked stock of the backordered variants, and what is still free as the run hands it out."""

    free: dict[tuple[int, int], int]
    stock_of: dict[tuple[int, int], Stock]
    warehouses: dict[int, Warehouse]
    fulfillment_orders: dict[tuple[int, int], FulfillmentOrder]  # (order id, warehouse id)


def allocate_backorders(*, variant_ids: list[int] | None = None) -> BackorderResult:
    """Allocate open backorders from free stock, oldest first; a part that arrived is split off.

    Only paid (or partially shipped) orders; units join the order's fulfillment order still to pick
    at a warehouse, else start a new one there (even where an earlier one is picked or shipped).
    When an order has no open backorder left, its fulfillment orders held for "awaiting stock" are
    released. Idempotent: what is allocated is not allocated again.
    """
    open_backorders = Backorder.objects.filter(
        allocated_at__isnull=True, order_line__order__status=OutboundOrder.Status.ACTIVE
    )
    if variant_ids is not None:
        open_backorders = open_backorders.filter(order_line__variant_id__in=variant_ids)
    result = BackorderResult(allocations=[], backorder_ids=[])
    with transaction.atomic():
        result = _allocate_backorders(open_backorders, result)
        # Units that joined or started a fulfillment order abroad may lack customs data.
        hold_where_customs_data_missing(
            fulfillment_order_ids=sorted({allocation.fulfillment_order_id for allocation in result.allocations})
        )
    return result


def _allocate_backorders(open_backorders, result: BackorderResult) -> BackorderResult:
    """The backorders' allocation proper, inside the caller's transaction."""
    order_ids = sorted(set(open_backorders.values_list("order_line__order_id", flat=True)))
    if not order_ids:
        return result
    orders = {o.pk: o for o in OutboundOrder.objects.select_for_update().filter(pk__in=order_ids).order_by("pk")}
    # Re-read under the order locks: a concurrent run may have taken some already.
    backorders = list(
        Backorder.objects.select_for_update(of=("self",))
        .filter(pk__in=open_backorders.values("pk"), allocated_at__isnull=True)
        .select_related("order_line")
        .order_by("created_at", "pk")
    )
    pool = _lock_free_stock(backorders=backorders, order_ids=list(orders))
    if pool is None:
        return result
    by_order: dict[int, list[Backorder]] = defaultdict(list)
    for backorder in backorders:  # oldest first; an order goes when its oldest backorder's turn comes
        by_order[backorder.order_line.order_id].append(backorder)
    for order_id, its_backorders in by_order.items():
        _allocate_order_backorders(order=orders[order_id], backorders=its_backorders, pool=pool, result=result)
    return result


def _lock_free_stock(*, backorders: list[Backorder], order_ids: list[int]) -> _FreeStock | None:
    """Lock the stock rows that could fill the backorders (pk order) and the orders' fulfillment orders."""
    if not backorders:
        return None
    stocks = list(
        Stock.objects.select_for_update(of=("self",))
        .filter(
            variant_id__in=sorted({b.order_line.variant_id for b in backorders}),
            warehouse__is_active=True,
            warehouse__kind__in=SHIPPING_WAREHOUSE_KINDS,
        )
        .select_related("warehouse")
        .order_by("pk")
    )
    if not stocks:
        return None
    free_by_stock = free_units(stocks=stocks)
    warehouses = {s.warehouse_id: s.warehouse for s in stocks}
    return _FreeStock(
        free={(s.warehouse_id, s.variant_id): free_by_stock[s.pk] for s in stocks},
        stock_of={(s.warehouse_id, s.variant_id): s for s in stocks},
        warehouses=warehouses,
        fulfillment_orders={
            (fo.order_id, fo.warehouse_id): fo
            for fo in FulfillmentOrder.objects.select_for_update()
            .filter(order_id__in=order_ids, warehouse_id__in=list(warehouses), status__in=list(EXTENDABLE))
            .order_by("pk")
        },
    )


def _allocate_order_backorders(
    *, order, backorders: list[Backorder], pool: _FreeStock, result: BackorderResult
) -> None:
    """Place one order's open backorders with the allocation strategy, preferring its warehouses."""
    infos = []
    for w in pool.warehouses.values():
        # A warehouse with the order still to pick takes the units into the same shipment.
        bonus = SAME_SHIPMENT_BONUS if (order.pk, w.pk) in pool.fulfillment_orders else 0
        infos.append(WarehouseInfo(w.pk, str(w.country), w.postal_code, w.priority + bonus, w.is_active))
    plan = choose_warehouses(
        [(b.pk, b.order_line.variant_id, b.quantity) for b in backorders],
        Destination(str(order.ship_country), order.ship_postal_code),
        infos,
        pool.free,
    )
    line_of = {b.pk: b.order_line_id for b in backorders}
    taken: dict[int, int] = defaultdict(int)
    for planned in plan.allocations:
        key = (planned.warehouse_id, planned.variant_id)
        pool.free[key] -= planned.quantity
        fo = pool.fulfillment_orders.get((order.pk, planned.warehouse_id))
        if fo is None:  # none there, or the one there is already picked or shipped: a new one
            fo = FulfillmentOrder.objects.create(order=order, warehouse_id=planned.warehouse_id)
            pool.fulfillment_orders[(order.pk, planned.warehouse_id)] = fo
        stock = pool.stock_of[key]
        allocate_units(stock=stock, quantity=planned.quantity, reference=f"backorder order {order.number}")
        result.allocations.append(
            _add_allocation(
                fulfillment_order=fo,
                order_line_id=line_of[planned.line_id],
                stock_id=stock.pk,
                quantity=planned.quantity,
            )
        )
        taken[planned.line_id] += planned.quantity
    if taken:
        _mark_allocated(order=order, backorders=backorders, taken=taken, result=result)


def _mark_allocated(*, order, backorders: list[Backorder], taken: dict[int, int], result: BackorderResult) -> None:
    """Stamp what was allocated (splitting a part), release "awaiting stock" holds, and announce it."""
    now = timezone.now()
    for backorder in backorders:
        units = taken.get(backorder.pk, 0)
        if not units:
            continue
        result.backorder_ids.append(backorder.pk)
        if units < backorder.quantity:
            # The original row keeps its age and the rest; the part that arrived becomes its own row.
            Backorder.objects.filter(pk=backorder.pk).update(quantity=backorder.quantity - units)
            split = Backorder.objects.create(order_line_id=backorder.order_line_id, quantity=units)
            Backorder.objects.filter(pk=split.pk).update(allocated_at=now)
        else:
            Backorder.objects.filter(pk=backorder.pk).update(allocated_at=now)
    still_open = Backorder.objects.filter(order_line__order_id=order.pk, allocated_at__isnull=True).exists()
    if not still_open:
        waiting = FulfillmentOrder.objects.filter(
            order_id=order.pk, status=FO.ON_HOLD, hold_reason=FulfillmentOrder.HoldReason.AWAITING_STOCK
        )
        set_fulfillment_orders_status(fulfillment_orders=list(waiting), to=FO.OPEN)
    events.backorder_allocated.publish(order_id=order.pk, units=sum(taken.values()), still_awaited=still_open)
