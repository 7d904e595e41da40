"""Reads of stock shaped for pages, the API and reconciliation."""

from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from fulfillment.models import Reservation, Stock, StockMovement, Warehouse
from shop.models import Variant


def _reserved(variant_ref: str) -> Coalesce:
    """Units of the variant held by unexpired reservations (and by paid orders not yet allocated)."""
    held = (
        Reservation.objects.active()
        .filter(stock__variant_id=OuterRef(variant_ref), stock__warehouse__is_active=True)
        .order_by()
        .values("stock__variant_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def available_quantity(variant_ref: str = "pk") -> Greatest:
    """Expression: free units of the variant at `variant_ref` over active warehouses, never below 0."""
    on_hand = (
        Stock.objects.filter(variant_id=OuterRef(variant_ref), warehouse__is_active=True)
        .order_by()
        .values("variant_id")
        .annotate(free=Sum(F("quantity") - F("quantity_allocated")))
        .values("free")
    )
    free = Coalesce(Subquery(on_hand, output_field=IntegerField()), Value(0))
    return Greatest(free - _reserved(variant_ref), Value(0), output_field=IntegerField())


def available_by_variant(*, variant_ids: list[int]) -> dict[int, int]:
    """Free units per variant id, one query."""
    rows = (
        Variant.objects.filter(pk__in=variant_ids)
        .annotate(available=available_quantity())
        .values_list("pk", "available")
    )
    return dict(rows)


def stocking_warehouses() -> list[Warehouse]:
    """Active fulfillment centres: where sellers' stock is kept and counted."""
    return list(Warehouse.objects.filter(kind=Warehouse.Kind.FULFILLMENT_CENTRE, is_active=True).order_by("code"))


def stock_levels(*, variant_ids: list[int], warehouse_ids: list[int] | None = None) -> dict[tuple[int, int], Stock]:
    """Stock rows keyed by (variant id, warehouse id), one query."""
    rows = Stock.objects.filter(variant_id__in=variant_ids).select_related("warehouse")
    if warehouse_ids is not None:
        rows = rows.filter(warehouse_id__in=warehouse_ids)
    return {(stock.variant_id, stock.warehouse_id): stock for stock in rows}


@dataclass(frozen=True)
class LedgerMismatch:
    stock_id: int
    quantity: int
    ledger_quantity: int
    allocated: int
    ledger_allocated: int


def stock_ledger_mismatches() -> list[LedgerMismatch]:
    """Stock rows whose totals differ from the sum of their movements."""
    ledger = StockMovement.objects.filter(stock=OuterRef("pk")).order_by().values("stock")
    rows = Stock.objects.annotate(
        ledger_quantity=Coalesce(
            Subquery(ledger.annotate(total=Sum("quantity_change")).values("total"), output_field=IntegerField()),
            Value(0),
        ),
        ledger_allocated=Coalesce(
            Subquery(ledger.annotate(total=Sum("allocated_change")).values("total"), output_field=IntegerField()),
            Value(0),
        ),
    ).values_list("pk", "quantity", "ledger_quantity", "quantity_allocated", "ledger_allocated")
    return [
        LedgerMismatch(stock_id=pk, quantity=q, ledger_quantity=lq, allocated=a, ledger_allocated=la)
        for pk, q, lq, a, la in rows
        if q != lq or a != la
    ]
