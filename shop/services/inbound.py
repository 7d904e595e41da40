"""A seller announces stock on its way to our warehouses: their SKUs become fulfillment's ASN lines.

Fulfillment keeps the shipment keyed by plain ids and receives it; this side checks that every SKU is
one of the seller's own variants (fulfillment cannot know whose a variant is) and calls the service.
"""

import datetime as dt
from dataclasses import dataclass

from fulfillment.models import InboundShipment
from fulfillment.services.receiving import AnnouncedLine, ReceivingError, announce_inbound_shipment
from shop.models import Seller, Variant


@dataclass(frozen=True)
class SkuQuantity:
    sku: str
    quantity: int


def announce_inbound(
    *,
    seller: Seller,
    warehouse_code: str,
    lines: list[SkuQuantity],
    expected_on: dt.date,
    carrier: str = "",
    tracking_number: str = "",
    note: str = "",
    by=None,
) -> InboundShipment:
    """Announce the seller's shipment; an SKU that is not theirs is refused (ReceivingError, field `lines`)."""
    skus = [line.sku for line in lines]
    variants = {variant.sku: variant for variant in Variant.objects.filter(product__seller=seller, sku__in=skus)}
    unknown = [sku for sku in dict.fromkeys(skus) if sku not in variants]
    if unknown:
        raise ReceivingError(
            "unknown_variant",
            "Some SKUs are not among your variants.",
            {"lines": [f"No variant of yours has the SKU {sku!r}." for sku in unknown]},
        )
    return announce_inbound_shipment(
        seller_id=seller.pk,
        warehouse_code=warehouse_code,
        lines=[AnnouncedLine(variant_id=variants[line.sku].pk, sku=line.sku, quantity=line.quantity) for line in lines],
        expected_on=expected_on,
        carrier=carrier,
        tracking_number=tracking_number,
        note=note,
        by=by,
    )
