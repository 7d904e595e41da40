"""Inbound shipments for tests: announced through the service, as a seller's dashboard would."""

import datetime as dt

from django.utils import timezone

from fulfillment.models import InboundShipment, Warehouse
from fulfillment.services.receiving import AnnouncedLine, announce_inbound_shipment


def announced(warehouse, *items, seller_id: int | None = None, **fields) -> InboundShipment:
    """An ASN to `warehouse` of (variant, quantity) items, by the variants' seller unless told."""
    seller_id = seller_id or items[0][0].product.seller_id
    return announce_inbound_shipment(
        seller_id=seller_id,
        warehouse_code=warehouse.code,
        lines=[AnnouncedLine(variant_id=v.pk, sku=v.sku, quantity=q) for v, q in items],
        expected_on=fields.pop("expected_on", timezone.localdate() + dt.timedelta(days=3)),
        **fields,
    )


def run_by(seller) -> dict:
    """WarehouseFactory fields of a warehouse the seller runs (the seller counts its stock)."""
    return {"operator": Warehouse.Operator.SELLER, "operator_seller_id": seller.pk}
