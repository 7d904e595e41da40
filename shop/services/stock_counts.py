"""A seller's stock count of several variants in several warehouses, saved all together or not at all."""

from dataclasses import dataclass

from django.db import transaction

from fulfillment.models import Stock, Warehouse
from fulfillment.selectors import stock_levels
from fulfillment.services.stock import InsufficientStock, StockShortage, lock_stocks, set_stock_quantity


@dataclass(frozen=True)
class StockCount:
    """What a seller counted for one variant in one warehouse; None leaves that part as it is."""

    warehouse: Warehouse
    variant_id: int
    quantity: int | None
    bin_location: str | None = None


def set_stock_counts(*, counts: list[StockCount], by=None, reference: str = "") -> list[Stock]:
    """Write every count through the stock service in one transaction: all of them, or none.

    A count below what is allocated is refused; InsufficientStock then names every refused count.
    """
    if not counts:
        return []
    with transaction.atomic():
        # Lock the existing rows up front, in primary-key order (the order every stock writer keeps),
        # rather than one by one in the grid's order; rows counted for the first time are created last.
        existing = stock_levels(
            variant_ids=sorted({count.variant_id for count in counts}),
            warehouse_ids=sorted({count.warehouse.pk for count in counts}),
        )
        wanted = {(count.variant_id, count.warehouse.pk) for count in counts}
        locked = lock_stocks(stock_ids=[stock.pk for key, stock in existing.items() if key in wanted])
        current = {(stock.variant_id, stock.warehouse_id): stock for stock in locked.values()}

        def lock_order(count: StockCount) -> tuple[bool, int, int, int]:
            stock = current.get((count.variant_id, count.warehouse.pk))
            return (stock is None, stock.pk if stock else 0, count.variant_id, count.warehouse.pk)

        written: list[Stock] = []
        refused: list[StockShortage] = []
        for count in sorted(counts, key=lock_order):
            if count.quantity is None and count.bin_location is None:
                continue
            stock = current.get((count.variant_id, count.warehouse.pk))
            # Only the bin changed: keep the count as it is now, not as the seller's page showed it.
            quantity = count.quantity if count.quantity is not None else (stock.quantity if stock else 0)
            try:
                written.append(
                    set_stock_quantity(
                        warehouse=count.warehouse,
                        variant_id=count.variant_id,
                        quantity=quantity,
                        bin_location=count.bin_location,
                        by=by,
                        reference=reference,
                    )
                )
            except InsufficientStock as shortage:
                refused.extend(shortage.lines)  # its savepoint is rolled back; look at the other counts too
        if refused:
            raise InsufficientStock(
                refused, f"{len(refused)} of {len(counts)} stock counts are below what is allocated."
            )
    return written
