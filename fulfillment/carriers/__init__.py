"""Carriers: a common interface, offline built-ins, rate tables, labels and tracking numbers."""

from .base import (
    Address,
    Carrier,
    CarrierError,
    CarrierTemporarilyUnavailable,
    Label,
    Parcel,
    Rate,
    ShipmentSpec,
    TrackingEvent,
    TrackingStatus,
    all_carriers,
    carrier_names,
    cheapest_rate,
    get_carrier,
    quote_all,
)

__all__ = [
    "Address",
    "Carrier",
    "CarrierError",
    "CarrierTemporarilyUnavailable",
    "Label",
    "Parcel",
    "Rate",
    "ShipmentSpec",
    "TrackingEvent",
    "TrackingStatus",
    "all_carriers",
    "carrier_names",
    "cheapest_rate",
    "get_carrier",
    "quote_all",
]
