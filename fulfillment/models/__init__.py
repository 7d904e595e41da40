"""Fulfillment models: its copy of paid orders (outbound.py); stock and its claims (stock.py); shipments, parcels,
labels, tracking (shipping.py); returns coming back (returns.py)."""

from .outbound import OutboundLine, OutboundOrder
from .returns import InboundReturn, InboundReturnLine
from .shipping import (
    Box,
    CarrierSerial,
    ClearanceDocument,
    CustomsDocument,
    IssuedTrackingNumber,
    Parcel,
    PickList,
    Shipment,
    ShippingLabel,
    TrackingEvent,
    TrackingLeg,
)
from .stock import (
    Allocation,
    Backorder,
    FulfillmentOrder,
    Reservation,
    ReservationQuerySet,
    Stock,
    StockMovement,
    Warehouse,
)

__all__ = [
    "Allocation",
    "Backorder",
    "Box",
    "CarrierSerial",
    "ClearanceDocument",
    "CustomsDocument",
    "FulfillmentOrder",
    "InboundReturn",
    "InboundReturnLine",
    "IssuedTrackingNumber",
    "OutboundLine",
    "OutboundOrder",
    "Parcel",
    "PickList",
    "Reservation",
    "ReservationQuerySet",
    "Shipment",
    "ShippingLabel",
    "Stock",
    "StockMovement",
    "TrackingEvent",
    "TrackingLeg",
    "Warehouse",
]
