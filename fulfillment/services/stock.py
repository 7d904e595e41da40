"""Every write to stock: rows locked in primary-key order, checked, written with F(), ledgered."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Now

from fulfillment.models import Stock, StockMovement, Warehouse


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
        return _apply(
            stock=stock, quantity_change=change, allocated_change=0, reason=reason, by=by, reference=reference
        )
