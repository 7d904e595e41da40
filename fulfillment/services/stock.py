"""Every write to stock: rows locked in primary-key order, checked, written with F(), ledgered.

Each change also moves the variant's stored available count (`VariantAvailability`) in the same
transaction, by one upsert over all the variants touched, after the stock rows are locked: the order
every writer keeps (stock rows by primary key, then counts by variant id), so two writers never deadlock.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, IntegerField, Sum, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from fulfillment import events
from fulfillment.models import Backorder, Reservation, Stock, StockMovement, VariantAvailability, Warehouse
from fulfillment.selectors import AVAILABILITY_VERSION, stored_available_recount
from marketplace.fragments import bump_version


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
    """Lock the given stock rows, always in primary-key order so two writers never deadlock.

    Their warehouses come along (whether each is active decides the available count), unlocked.
    """
    rows = (
        Stock.objects.select_for_update(of=("self",))
        .filter(pk__in=stock_ids)
        .select_related("warehouse")
        .order_by("pk")
    )
    return {stock.pk: stock for stock in rows}


# ---------------------------------------------------------------- the stored available count


def shift_available(deltas: dict[int, int]) -> None:
    """Add each change to its variant's stored available count, one statement whatever the variants.

    A variant without a row gets one (it had no stock, so its count was 0). Rows are written in
    variant-id order, so two writers lock them in the same order.
    """
    changes = sorted((variant_id, delta) for variant_id, delta in deltas.items() if delta)
    if not changes:
        return
    table = connection.ops.quote_name(VariantAvailability._meta.db_table)
    rows = ", ".join(["(%s, %s, %s)"] * len(changes))
    now = timezone.now()
    params = [value for variant_id, delta in changes for value in (variant_id, delta, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (variant_id, available, updated_at) VALUES {rows} "  # noqa: S608  (no user input)
            f"ON CONFLICT (variant_id) DO UPDATE SET available = {table}.available + EXCLUDED.available, "
            "updated_at = EXCLUDED.updated_at",
            params,
        )
    bump_version(AVAILABILITY_VERSION)


def _active_warehouse_ids(stocks: list[Stock]) -> set[int]:
    """Which of these rows' warehouses are active: from the loaded warehouses, else one query."""
    unknown = {stock.warehouse_id for stock in stocks if "warehouse" not in stock._state.fields_cache}
    active = {
        stock.warehouse_id for stock in stocks if "warehouse" in stock._state.fields_cache and stock.warehouse.is_active
    }
    if unknown:
        active |= set(Warehouse.objects.filter(pk__in=unknown, is_active=True).values_list("pk", flat=True))
    return active


def _shift_available_of(changes: list[tuple[Stock, int]]) -> None:
    """Free units of stock rows changed by these amounts: the counts of their variants move (active warehouses)."""
    changes = [(stock, delta) for stock, delta in changes if delta]
    if not changes:
        return
    active = _active_warehouse_ids([stock for stock, _ in changes])
    deltas: dict[int, int] = {}
    for stock, delta in changes:
        if stock.warehouse_id in active:
            deltas[stock.variant_id] = deltas.get(stock.variant_id, 0) + delta
    shift_available(deltas)


def recount_available(*, variant_ids: list[int] | None = None) -> int:
    """Set stored counts to what stock and reservations say (all variants when None); answers how many changed.

    Run by the stock reconciliation for the mismatches it finds, and after a warehouse is switched on or off.
    """
    wrong = stored_available_recount(only_mismatches=True, variant_ids=variant_ids)
    if wrong:
        with transaction.atomic():
            # Under the stock rows' locks, as every writer: the difference is then applied, not overwritten.
            variant_list = sorted({variant_id for variant_id, _, _ in wrong})
            list(
                Stock.objects.select_for_update(of=("self",))
                .filter(variant_id__in=variant_list)
                .order_by("pk")
                .values_list("pk")
            )
            again = stored_available_recount(only_mismatches=True, variant_ids=variant_list)
            shift_available({variant_id: counted - stored for variant_id, stored, counted in again})
            return len(again)
    return 0


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
    _shift_available_of([(stock, quantity_change - allocated_change)])
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
    # No savepoint of its own: a shortage is raised after the block, with nothing written.
    with transaction.atomic(savepoint=False):
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
        if not shortages:
            taken: dict[int, int] = {}
            for reservation in planned:  # every row here is in an active warehouse
                taken[reservation.stock.variant_id] = taken.get(reservation.stock.variant_id, 0) - reservation.quantity
            shift_available(taken)
            return Reservation.objects.bulk_create(planned)
    raise InsufficientStock(shortages, "Some items are no longer available in the quantity asked for.")


def release_reservations(*, order_line_ids: list[int]) -> int:
    """Give back the stock reserved for these lines (payment abandoned, expired or failed)."""
    return _delete_reservations(Reservation.objects.filter(order_line_id__in=order_line_ids))


def _delete_reservations(reservations) -> int:
    """Delete reservations and give their units back to the available counts; four queries, none if none."""
    with transaction.atomic():
        # The stock rows first, as every writer does, then the reservations as they are now.
        stock_ids = reservations.order_by().values("stock_id")
        list(Stock.objects.select_for_update(of=("self",)).filter(pk__in=stock_ids).order_by("pk").values_list("pk"))
        rows = list(reservations.values_list("pk", "quantity", "stock__variant_id", "stock__warehouse__is_active"))
        if not rows:
            return 0
        Reservation.objects.filter(pk__in=[pk for pk, _, _, _ in rows]).delete()
        freed: dict[int, int] = {}
        for _, quantity, variant_id, active in rows:
            if active:
                freed[variant_id] = freed.get(variant_id, 0) + quantity
        shift_available(freed)
    return len(rows)


def hold_reservations(*, claims: list[LineClaim]) -> list[Reservation]:
    """Keep the lines' stock for a paid order, with no expiry, until it is allocated.

    A reservation that expired before the payment arrived is renewed if the stock is still free;
    if not, InsufficientStock is raised and nothing changes (the caller refunds).
    """
    held = _hold_unexpired(claims)
    if held is not None:
        return held
    with transaction.atomic():  # a savepoint: a shortage here leaves everything as it was
        variant_ids = sorted({claim.variant_id for claim in claims})
        # Lock first, then swap the old claims for held ones inside the same locks.
        list(Stock.objects.select_for_update().filter(variant_id__in=variant_ids).order_by("pk").values_list("pk"))
        release_reservations(order_line_ids=[claim.order_line_id for claim in claims])
        return reserve_stock(claims=claims, until=None)


def _hold_unexpired(claims: list[LineClaim]) -> list[Reservation] | None:
    """The usual case, one UPDATE, no lock and no savepoint: every line's reservation still runs, so it simply
    stops expiring. Those units already count as taken for every other checkout, so no stock row needs locking.

    None when a line's reservation is missing, short or expired: the stock then has to be reserved again, under
    locks. The reservations this UPDATE took (the running ones) then run out now instead, as the others have: the
    locked path replaces them all, and should it find the stock gone, the order is refunded and the sweep frees
    their units.
    """
    line_ids = [claim.order_line_id for claim in claims]
    if not line_ids:
        return []
    now = timezone.now()
    table = connection.ops.quote_name(Reservation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET reserved_until = NULL WHERE order_line_id IN ({', '.join(['%s'] * len(line_ids))}) "  # noqa: S608
            "AND (reserved_until IS NULL OR reserved_until > %s) RETURNING id, order_line_id, stock_id, quantity",
            [*line_ids, now],
        )
        columns = ["id", "order_line_id", "stock_id", "quantity", "reserved_until"]
        held = [Reservation.from_db("default", columns, (*row, None)) for row in cursor.fetchall()]
    reserved: dict[int, int] = {}
    for reservation in held:
        reserved[reservation.order_line_id] = reserved.get(reservation.order_line_id, 0) + reservation.quantity
    if all(reserved.get(claim.order_line_id, 0) == claim.quantity for claim in claims):
        return sorted(held, key=lambda reservation: reservation.pk)
    if held:  # short or partly expired: what this took runs out now (see above)
        Reservation.objects.filter(pk__in=[reservation.pk for reservation in held]).update(reserved_until=now)
    return None


def delete_expired_reservations(*, now: datetime | None = None) -> int:
    """Remove reservations whose time ran out (they already stopped counting)."""
    return _delete_reservations(Reservation.objects.filter(reserved_until__lte=now or timezone.now()))


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


def allocate_many(*, claims: list[tuple[Stock, int]], by=None, reference: str = "", shift: bool = True) -> list[Stock]:
    """Promise units of several locked stock rows at once: one UPDATE and one ledger insert, whatever the count.

    Each (stock, quantity) gets its own ALLOCATED movement, as `allocate_units` would write one by one;
    all or nothing (InsufficientStock names every row that cannot take its share). `shift=False`: the
    caller moves the available counts itself (allocation nets them with the reservations it replaces).
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
    if shift:
        _shift_available_of([(rows[pk], -units) for pk, units in added.items()])
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
