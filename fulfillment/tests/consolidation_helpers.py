"""Lanes, hubs and labelled parcels abroad for the consolidation tests."""

from decimal import Decimal

from fulfillment.models import Lane, OutboundLine, Shipment, Warehouse
from fulfillment.services.labels import buy_label
from fulfillment.tests.factories import WarehouseFactory
from fulfillment.tests.shipping_helpers import LONDON, packed_shipment


def hub(**overrides) -> Warehouse:
    return WarehouseFactory(
        kind=Warehouse.Kind.CONSOLIDATION_HUB,
        name=overrides.pop("name", "JFK export hub"),
        city=overrides.pop("city", "Jamaica"),
        country=overrides.pop("country", "US"),
        **overrides,
    )


def lane(**overrides) -> Lane:
    values = {
        "code": "US-GB-POSTAL",
        "name": "New York to the United Kingdom",
        "destination_countries": "GB",
        "service": Lane.Service.POSTAL,
        "departure_airport": "JFK",
        "airline_name": "Atlantic Cargo",
        "airline_prefix": "176",
        "import_gateway": "LHR",
        "import_gateway_city": "London",
        "last_mile_carrier": "Royal Mail",
        "last_mile_prefix": "RM",
        "cutoff_times": "17:00",
        "hub_timezone": "America/New_York",
        "max_parcels": 100,
        "max_weight_grams": 100_000,
    }
    values.update(overrides)
    if "origin_hub" not in values:
        values["origin_hub"] = hub()
    return Lane.objects.create(**values)


def packed_abroad(*, address=LONDON, weight_grams: int = 800, hs_code: str = "610910", **kwargs) -> Shipment:
    """A packed parcel from Newark to the address, its lines carrying their customs data."""
    shipment = packed_shipment(address=address, **kwargs)
    OutboundLine.objects.filter(order_id=shipment.fulfillment_order.order_id).update(
        hs_code=hs_code,
        country_of_origin="PT",
        customs_description="Cotton t-shirt",
        net_weight_grams=180,
        unit_value=Decimal("19.99"),
    )
    shipment.parcels.update(weight_grams=weight_grams)
    return shipment


def labelled_abroad(**kwargs) -> Shipment:
    shipment = packed_abroad(**kwargs)
    buy_label(shipment_id=shipment.pk)
    shipment.refresh_from_db()
    return shipment
