"""Fulfillment models: its copy of paid orders (outbound.py); stock and its claims (stock.py); shipments, parcels,
labels, tracking (shipping.py); hazards and where carriers refuse them (restrictions.py)."""

from .outbound import OutboundLine, OutboundOrder
from .restrictions import ANY_COUNTRY, Hazard, ServiceKind, ShippingRestriction
from .shipping import (
    Box,
    CarrierSerial,
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
    "ANY_COUNTRY",
    "Allocation",
    "Backorder",
    "Box",
    "CarrierSerial",
    "FulfillmentOrder",
    "Hazard",
    "IssuedTrackingNumber",
    "OutboundLine",
    "OutboundOrder",
    "Parcel",
    "PickList",
    "Reservation",
    "ReservationQuerySet",
    "ServiceKind",
    "Shipment",
    "ShippingLabel",
    "ShippingRestriction",
    "Stock",
    "StockMovement",
    "TrackingEvent",
    "TrackingLeg",
    "Warehouse",
]
