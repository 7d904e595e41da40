"""Every write to stock: rows locked in primary-key order, checked, written with F(), ledgered."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from fulfillment import events
from fulfillment.models import Backorder, Reservation, Stock, StockMovement, Warehouse


@dataclass(frozen=True)
class StockShortage:
    stock_id: int
    variant_id: int
    warehouse_id: int
    requested: int
    available: int
    allocated: int


class InsufficientStock(Exception):
    """Raised when a change would take stock below zero or below what is already promised."""

    def __init__(self, lines: list[StockShortage], message: str = "Not enough stock.") -> None:
        super().__init__(message)
        self.lines = lines
        self.message = message


def lock_stocks(*, stock_ids: list[int]) -> dict[int, Stock]:
    """Lock the given stock rows, always in primary-key order so two writers never deadlock."""
    rows = Stock.objects.select_for_update().filter(pk__in=stock_ids).order_by("pk")
    return {stock.pk: stock for stock in rows}


def _stock_row(*, warehouse: Warehouse, variant_id: int) -> Stock:
    """The stock row for the pair, created empty if missing (safe against a concurrent create)."""
    try:
        with transaction.atomic():
            stock, _ = Stock.objects.get_or_create(warehouse=warehouse, variant_id=variant_id)
    except IntegrityError:
        stock = Stock.objects.get(warehouse=warehouse, variant_id=variant_id)
    return stock


def _apply(
    *,
    stock: Stock,
    quantity_change: int,
    allocated_change: int,
    reason: str,
    by=None,
    reference: str = "",
) -> Stock:
    """Check and write one change to a locked row, and record it in the ledger."""
    new_quantity = stock.quantity + quantity_change
    new_allocated = stock.quantity_allocated + allocated_change
    if new_quantity < 0 or new_allocated < 0 or new_allocated > new_quantity:
        shortage = StockShortage(
            stock_id=stock.pk,
            variant_id=stock.variant_id,
            warehouse_id=stock.warehouse_id,
            requested=max(-quantity_change, allocated_change, 0),
            available=stock.quantity_free,
            allocated=stock.quantity_allocated,
        )
        message = (
            f"Stock of variant {stock.variant_id} at warehouse {stock.warehouse_id} would go to "
            f"{new_quantity} with {new_allocated} allocated."
        )
        raise InsufficientStock([shortage], message)
    Stock.objects.filter(pk=stock.pk).update(
        quantity=F("quantity") + quantity_change,
        quantity_allocated=F("quantity_allocated") + allocated_change,
        updated_at=Now(),
    )
    stock.quantity, stock.quantity_allocated = new_quantity, new_allocated
    StockMovement.objects.create(
        stock=stock,
        reason=reason,
        quantity_change=quantity_change,
        allocated_change=allocated_change,
        quantity_after=new_quantity,
        allocated_after=new_allocated,
        by=by if by is not None and by.is_authenticated else None,
        reference=reference[:100],
    )
    return stock


def set_stock_quantity(
    *,
    warehouse: Warehouse,
    variant_id: int,
    quantity: int,
    by=None,
    reference: str = "",
    bin_location: str | None = None,
) -> Stock:
    """Set the on-hand count of a variant in a warehouse (a stock count); never below what is allocated."""
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    stock = _stock_row(warehouse=warehouse, variant_id=variant_id)
    with transaction.atomic():
        stock = lock_stocks(stock_ids=[stock.pk])[stock.pk]
        if quantity != stock.quantity:
            if quantity > stock.quantity:
                _allocate_backorders_on_commit(variant_id=variant_id)
            _apply(
                stock=stock,
                quantity_change=quantity - stock.quantity,
                allocated_change=0,
                reason=StockMovement.Reason.COUNTED,
                by=by,
                reference=reference,
            )
        if bin_location is not None and bin_location != stock.bin_location:
            Stock.objects.filter(pk=stock.pk).update(bin_location=bin_location, updated_at=Now())
            stock.bin_location = bin_location
    return stock


def adjust_stock(
    *,
    warehouse: Warehouse,
    variant_id: int,
    change: int,
    reason: str,
    by=None,
    reference: str = "",
) -> Stock:
    """Add (received, returned) or remove (damaged, adjusted) units; refuses to go below zero."""
    stock = _stock_row(warehouse=warehouse, variant_id=variant_id)
    with transaction.atomic():
        stock = lock_stocks(stock_ids=[stock.pk])[stock.pk]
        if change > 0:
            _allocate_backorders_on_commit(variant_id=variant_id)
        return _apply(
            stock=stock, quantity_change=change, allocated_change=0, reason=reason, by=by, reference=reference
        )


def receive_stock(*, warehouse: Warehouse, quantities: dict[int, int], by=None, reference: str = "") -> list[Stock]:
    """Units of several variants arrived at a warehouse (a receipt): one RECEIVED movement per variant.

    Rows are created if missing, then locked together in primary-key order; waiting backorders of
    these variants are allocated once the transaction commits.
    """
    arrived = {variant_id: units for variant_id, units in quantities.items() if units}
    if any(units < 0 for units in arrived.values()):
        raise ValueError("received quantities must not be negative")
    rows = [_stock_row(warehouse=warehouse, variant_id=variant_id) for variant_id in sorted(arrived)]
    with transaction.atomic():
        locked = lock_stocks(stock_ids=[row.pk for row in rows])
        written = []
        for stock in locked.values():  # primary-key order
            _allocate_backorders_on_commit(variant_id=stock.variant_id)
            written.append(
                _apply(
                    stock=stock,
                    quantity_change=arrived[stock.variant_id],
                    allocated_change=0,
                    reason=StockMovement.Reason.RECEIVED,
                    by=by,
                    reference=reference,
                )
            )
    return written


def _allocate_backorders_on_commit(*, variant_id: int) -> None:
    """Units arrived: once committed, backordered lines of the variant are allocated (queue `allocation`)."""
    if Backorder.objects.filter(order_line__variant_id=variant_id, allocated_at__isnull=True).exists():
        events.stock_arrived.publish(variant_id=variant_id)


# ---------------------------------------------------------------- reservations (soft claims while paying)


@dataclass(frozen=True)
class LineClaim:
    """One order line's need: `quantity` units of a variant."""

    order_line_id: int
    variant_id: int
    quantity: int


def free_units(*, stocks: list[Stock], excluding_line_ids: list[int] = ()) -> dict[int, int]:
    """Units of each (locked) stock row not allocated nor held by active reservations, one query.

    Reservations of `excluding_line_ids` count as free: they belong to the caller's own order.
    """
    held = dict(
        Reservation.objects.active()
        .filter(stock__in=stocks)
        .exclude(order_line_id__in=excluding_line_ids)
        .values("stock")
        .annotate(total=Sum("quantity"))
        .values_list("stock", "total")
    )
    return {stock.pk: stock.quantity_free - held.get(stock.pk, 0) for stock in stocks}


def reserve_stock(*, claims: list[LineClaim], until: datetime | None) -> list[Reservation]:
    """Reserve every claim across active warehouses, most free stock first; all or nothing.

    Locks every stock row of the claimed variants in primary-key order, so concurrent checkouts
    queue instead of overselling or deadlocking. Raises InsufficientStock naming each short line.
    """
    variant_ids = sorted({claim.variant_id for claim in claims})
    with transaction.atomic():
        stocks = list(
            # of=self: lock the stock rows only; the join would otherwise lock the shared warehouse
            # rows too, and two checkouts could then deadlock on them.
            Stock.objects.select_for_update(of=("self",))
            .filter(variant_id__in=variant_ids, warehouse__is_active=True)
            .order_by("pk")
        )
        free = free_units(stocks=stocks)
        by_variant: dict[int, list[Stock]] = {}
        for stock in stocks:
            by_variant.setdefault(stock.variant_id, []).append(stock)

        planned: list[Reservation] = []
        shortages: list[StockShortage] = []
        for claim in claims:
            candidates = sorted(by_variant.get(claim.variant_id, []), key=lambda s: (-free[s.pk], s.pk))
            missing = claim.quantity
            for stock in candidates:
                take = min(missing, free[stock.pk])
                if take <= 0:
                    continue
                free[stock.pk] -= take
                missing -= take
                planned.append(
                    Reservation(order_line_id=claim.order_line_id, stock=stock, quantity=take, reserved_until=until)
                )
                if missing == 0:
                    break
            if missing:
                available = claim.quantity - missing
                shortages.append(
                    StockShortage(
                        stock_id=0,
                        variant_id=claim.variant_id,
                        warehouse_id=0,
                        requested=claim.quantity,
                        available=available,
                        allocated=0,
                    )
                )
        if shortages:
            raise InsufficientStock(shortages, "Some items are no longer available in the quantity asked for.")
        return Reservation.objects.bulk_create(planned)


def release_reservations(*, order_line_ids: list[int]) -> int:
    """Give back the stock reserved for these lines (payment abandoned, expired or failed)."""
    deleted, _ = Reservation.objects.filter(order_line_id__in=order_line_ids).delete()
    return deleted


def hold_reservations(*, claims: list[LineClaim]) -> list[Reservation]:
    """Keep the lines' stock for a paid order, with no expiry, until it is allocated.

    A reservation that expired before the payment arrived is renewed if the stock is still free;
    if not, InsufficientStock is raised and nothing changes (the caller refunds).
    """
    try:
        with transaction.atomic():
            return _hold_unexpired(claims)
    except _NotAllRunning:
        pass  # rolled back: nothing changed
    with transaction.atomic():
        variant_ids = sorted({claim.variant_id for claim in claims})
        # Lock first, then swap the old claims for held ones inside the same locks.
        list(Stock.objects.select_for_update().filter(variant_id__in=variant_ids).order_by("pk").values_list("pk"))
        release_reservations(order_line_ids=[claim.order_line_id for claim in claims])
        return reserve_stock(claims=claims, until=None)


class _NotAllRunning(Exception):
    """A line's reservation is missing, short or expired: the stock has to be reserved again, under locks."""


def _hold_unexpired(claims: list[LineClaim]) -> list[Reservation]:
    """The usual case, two queries and no lock: every line's reservation still runs, so it simply stops expiring.

    Those units already count as taken for every other checkout, so no stock row needs locking. Raises
    _NotAllRunning (the caller's savepoint then undoes any part written) when that is not the case.
    """
    line_ids = [claim.order_line_id for claim in claims]
    now = timezone.now()
    reservations = list(Reservation.objects.filter(order_line_id__in=line_ids).order_by("pk"))
    reserved: dict[int, int] = {}
    for reservation in reservations:
        if reservation.reserved_until is not None and reservation.reserved_until <= now:
            raise _NotAllRunning
        reserved[reservation.order_line_id] = reserved.get(reservation.order_line_id, 0) + reservation.quantity
    if any(reserved.get(claim.order_line_id, 0) != claim.quantity for claim in claims):
        raise _NotAllRunning
    # The filter on expiry again: a reservation that ran out since the read is not renewed here.
    still_running = Q(reserved_until__isnull=True) | Q(reserved_until__gt=now)
    updated = Reservation.objects.filter(still_running, pk__in=[r.pk for r in reservations]).update(reserved_until=None)
    if updated != len(reservations):
        raise _NotAllRunning  # one was swept away since the read
    for reservation in reservations:
        reservation.reserved_until = None
    return reservations


def delete_expired_reservations(*, now: datetime | None = None) -> int:
    """Remove reservations whose time ran out (they already stopped counting)."""
    deleted, _ = Reservation.objects.filter(reserved_until__lte=now or timezone.now()).delete()
    return deleted


# ---------------------------------------------------------------- allocations (hard claims of paid orders)


def allocate_units(*, stock: Stock, quantity: int, by=None, reference: str = "") -> Stock:
    """Promise `quantity` units of a locked stock row to an order (never beyond what it holds)."""
    return _apply(
        stock=stock,
        quantity_change=0,
        allocated_change=quantity,
        reason=StockMovement.Reason.ALLOCATED,
        by=by,
        reference=reference,
    )


def allocate_many(*, claims: list[tuple[Stock, int]], by=None, reference: str = "") -> list[Stock]:
    """Promise units of several locked stock rows at once: one UPDATE and one ledger insert, whatever the count.

    Each (stock, quantity) gets its own ALLOCATED movement, as `allocate_units` would write one by one;
    all or nothing (InsufficientStock names every row that cannot take its share).
    """
    if not claims:
        return []
    movements: list[StockMovement] = []
    shortages: list[StockShortage] = []
    added: dict[int, int] = {}
    rows: dict[int, Stock] = {}
    for stock, quantity in claims:
        rows[stock.pk] = stock
        allocated = stock.quantity_allocated + added.get(stock.pk, 0) + quantity
        if quantity < 0 or allocated > stock.quantity:
            shortages.append(
                StockShortage(
                    stock_id=stock.pk,
                    variant_id=stock.variant_id,
                    warehouse_id=stock.warehouse_id,
                    requested=quantity,
                    available=stock.quantity - allocated + quantity,
                    allocated=allocated - quantity,
                )
            )
            continue
        added[stock.pk] = added.get(stock.pk, 0) + quantity
        movements.append(
            StockMovement(
                stock=stock,
                reason=StockMovement.Reason.ALLOCATED,
                quantity_change=0,
                allocated_change=quantity,
                quantity_after=stock.quantity,
                allocated_after=allocated,
                by=by if by is not None and by.is_authenticated else None,
                reference=reference[:100],
            )
        )
    if shortages:
        raise InsufficientStock(shortages, "Some stock rows cannot take the units asked for.")
    Stock.objects.filter(pk__in=sorted(added)).update(
        quantity_allocated=F("quantity_allocated")
        + Case(*(When(pk=pk, then=Value(units)) for pk, units in added.items()), output_field=IntegerField()),
        updated_at=Now(),
    )
    for pk, units in added.items():
        rows[pk].quantity_allocated += units
    StockMovement.objects.bulk_create(movements)
    return list(rows.values())


def deallocate_units(*, stock: Stock, quantity: int, by=None, reference: str = "") -> Stock:
    """Give back units promised to an order (cancelled, refunded, moved to another warehouse)."""
    return _apply(
        stock=stock,
        quantity_change=0,
        allocated_change=-quantity,
        reason=StockMovement.Reason.DEALLOCATED,
        by=by,
        reference=reference,
    )


def ship_units(*, stock: Stock, quantity: int, by=None, reference: str = "") -> Stock:
    """Units handed to a carrier leave the warehouse: on hand and allocated both fall."""
    return _apply(
        stock=stock,
        quantity_change=-quantity,
        allocated_change=-quantity,
        reason=StockMovement.Reason.SHIPPED,
        by=by,
        reference=reference,
    )
