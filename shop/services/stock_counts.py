"""A seller's stock count of several variants in several warehouses, saved all together or not at all.

A seller counts only in a warehouse they run themselves; in ours, staff count what arrives (an inbound
shipment's receipt) and adjust with a reason, so a seller's count there is refused (`CountNotAllowed`).
"""

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


class CountNotAllowed(Exception):
    """The seller tried to count stock in warehouses we run; `warehouses` are their codes."""

    def __init__(self, counts: list[StockCount]) -> None:
        self.counts = counts
        self.warehouses = sorted({count.warehouse.code for count in counts})
        super().__init__(
            f"Stock in {', '.join(self.warehouses)} is counted by our staff when your shipments arrive: "
            "announce an inbound shipment instead."
        )
        self.message = str(self)


def check_seller_may_count(*, seller_id: int, counts: list[StockCount]) -> None:
    """Refuse every count in a warehouse the seller does not run (ours, or another seller's)."""
    refused = [count for count in counts if not count.warehouse.counted_by_seller(seller_id)]
    if refused:
        raise CountNotAllowed(refused)


def set_stock_counts(*, seller_id: int, counts: list[StockCount], by=None, reference: str = "") -> list[Stock]:
    """Write every count of the seller through the stock service in one transaction: all of them, or none.

    A count in a warehouse the seller does not run is refused (CountNotAllowed); a count below what is
    allocated too (InsufficientStock then names every refused count).
    """
    if not counts:
        return []
    check_seller_may_count(seller_id=seller_id, counts=counts)
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
