"""Fulfillment models: its copy of paid orders (outbound.py); stock and its claims (stock.py); shipments, parcels,
labels, tracking (shipping.py); returns coming back (returns.py); hazards and where carriers refuse them
(restrictions.py); stock sellers send in (inbound.py); lanes and consolidations under master air waybills
(consolidation.py)."""

from .consolidation import Consolidation, ConsolidationItem, Lane, MasterScan
from .inbound import InboundShipment, InboundShipmentLine
from .outbound import OutboundLine, OutboundOrder
from .restrictions import ANY_COUNTRY, Hazard, ServiceKind, ShippingRestriction
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
    VariantAvailability,
    Warehouse,
)

__all__ = [
    "ANY_COUNTRY",
    "Allocation",
    "Backorder",
    "Box",
    "CarrierSerial",
    "ClearanceDocument",
    "Consolidation",
    "ConsolidationItem",
    "CustomsDocument",
    "FulfillmentOrder",
    "Hazard",
    "InboundReturn",
    "InboundReturnLine",
    "InboundShipment",
    "InboundShipmentLine",
    "IssuedTrackingNumber",
    "Lane",
    "MasterScan",
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
    "VariantAvailability",
    "Warehouse",
]
