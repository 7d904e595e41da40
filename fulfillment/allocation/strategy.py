"""Which warehouses fill an order: a pure function over plain data, no database, so it can be swapped."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from fulfillment.allocation.zones import distance


class OrderLine(NamedTuple):
    line_id: int
    variant_id: int
    quantity: int


class Destination(NamedTuple):
    country: str
    postal_code: str = ""


class WarehouseInfo(NamedTuple):
    id: int
    country: str
    postal_code: str = ""
    priority: int = 0
    active: bool = True


class PlannedAllocation(NamedTuple):
    line_id: int
    warehouse_id: int
    variant_id: int
    quantity: int


class Backorder(NamedTuple):
    line_id: int
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class Plan:
    """What to allocate where, and what nobody has; `warehouse_ids` in the order they were chosen."""

    allocations: tuple[PlannedAllocation, ...] = ()
    backorders: tuple[Backorder, ...] = ()
    warehouse_ids: tuple[int, ...] = ()

    @property
    def is_complete(self) -> bool:
        """True when nothing is backordered."""
        return not self.backorders

    @property
    def shipments(self) -> int:
        """How many warehouses ship a part of the order."""
        return len(self.warehouse_ids)


FreeStock = Mapping[tuple[int, int], int]


class Strategy(Protocol):
    """A way to choose warehouses; every strategy takes the same plain data and returns a Plan."""

    def __call__(
        self,
        lines: Iterable[OrderLine | tuple[int, int, int]],
        destination: Destination | tuple[str, str],
        warehouses: Iterable[WarehouseInfo],
        free: FreeStock,
    ) -> Plan: ...


def _normalise_lines(lines: Iterable[OrderLine | tuple[int, int, int]]) -> list[OrderLine]:
    """Lines as OrderLine, rejecting quantities below one."""
    result = [OrderLine(*line) for line in lines]
    for line in result:
        if line.quantity < 1:
            raise ValueError(f"Line {line.line_id} asks for {line.quantity} units; a line asks for at least one.")
    return result


def _usable_warehouses(warehouses: Iterable[WarehouseInfo]) -> dict[int, WarehouseInfo]:
    """Active warehouses by id, rejecting an id given twice."""
    by_id: dict[int, WarehouseInfo] = {}
    for warehouse in warehouses:
        if warehouse.id in by_id:
            raise ValueError(f"Warehouse {warehouse.id} is listed twice.")
        by_id[warehouse.id] = warehouse
    return {pk: warehouse for pk, warehouse in by_id.items() if warehouse.active}


def choose_warehouses(
    lines: Iterable[OrderLine | tuple[int, int, int]],
    destination: Destination | tuple[str, str],
    warehouses: Iterable[WarehouseInfo],
    free: FreeStock,
) -> Plan:
    """Fewest shipments: pick warehouses one at a time until the order is filled or nobody has more.

    Each pick is the warehouse that ranks first by: the most of the remaining units it can fill (so
    one warehouse that fills everything wins, and a split uses as few warehouses as the greedy rule
    finds), then higher priority (the staff override of distance and stock), then nearest to the
    destination (zone, then postal digit), then most free stock of the remaining variants, then
    lowest id. A line may be
    split across warehouses; what no active warehouse has is backordered. Free units of zero or
    below, inactive warehouses and stock of unknown warehouses are ignored.
    """
    order_lines = _normalise_lines(lines)
    dest = Destination(*destination)
    candidates = _usable_warehouses(warehouses)
    remaining_free: dict[tuple[int, int], int] = {
        key: units for key, units in free.items() if units > 0 and key[0] in candidates
    }
    remaining = {index: line.quantity for index, line in enumerate(order_lines)}
    distances = {
        pk: distance(warehouse.country, warehouse.postal_code, dest.country, dest.postal_code)
        for pk, warehouse in candidates.items()
    }

    allocations: list[PlannedAllocation] = []
    chosen: list[int] = []
    while candidates and any(remaining.values()):
        wanted: dict[int, int] = defaultdict(int)
        for index, units in remaining.items():
            if units:
                wanted[order_lines[index].variant_id] += units

        def rank(pk: int, wanted: dict[int, int] = wanted) -> tuple:
            fills = sum(min(units, remaining_free.get((pk, variant), 0)) for variant, units in wanted.items())
            stock = sum(remaining_free.get((pk, variant), 0) for variant in wanted)
            return (fills > 0, fills, candidates[pk].priority, tuple(-d for d in distances[pk]), stock, -pk)

        best = max(candidates, key=rank)
        if not rank(best)[0]:
            break
        del candidates[best]
        chosen.append(best)
        for index, line in enumerate(order_lines):
            key = (best, line.variant_id)
            take = min(remaining[index], remaining_free.get(key, 0))
            if take > 0:
                allocations.append(PlannedAllocation(line.line_id, best, line.variant_id, take))
                remaining[index] -= take
                remaining_free[key] -= take

    backorders = tuple(
        Backorder(line.line_id, line.variant_id, remaining[index])
        for index, line in enumerate(order_lines)
        if remaining[index]
    )
    return Plan(allocations=tuple(allocations), backorders=backorders, warehouse_ids=tuple(chosen))


STRATEGIES: dict[str, Strategy] = {"fewest_shipments": choose_warehouses}
DEFAULT_STRATEGY = "fewest_shipments"


def get_strategy(name: str = DEFAULT_STRATEGY) -> Strategy:
    """The strategy registered under `name`; KeyError names the known ones."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise KeyError(f"Unknown allocation strategy {name!r}; known: {sorted(STRATEGIES)}") from None
