"""Allocation strategy: which warehouses fill a paid order, decided over plain data (no database)."""

from fulfillment.allocation.strategy import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Backorder,
    Destination,
    FreeStock,
    OrderLine,
    Plan,
    PlannedAllocation,
    Strategy,
    WarehouseInfo,
    choose_warehouses,
    get_strategy,
)
from fulfillment.allocation.zones import distance, zone

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "Backorder",
    "Destination",
    "FreeStock",
    "OrderLine",
    "Plan",
    "PlannedAllocation",
    "Strategy",
    "WarehouseInfo",
    "choose_warehouses",
    "distance",
    "get_strategy",
    "zone",
]
