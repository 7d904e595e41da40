"""Demo inbound shipments for `seed_demo`: the demo seller's stock on its way to our warehouses, in every state.

Each goes through the services the site uses: the seller announces (`announce_inbound`), staff count the
lines (`record_line_counts`) and close the receipt (`close_receipt`: RECEIVED movements naming it). The
demo seller's dashboard then shows one announced, one being counted, one received as announced, one
received with a discrepancy (short and damaged) and one cancelled. Units go only where the variant is
stocked already (its bin is known). Skipped when the seller has inbound shipments.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fulfillment.models import InboundShipment, Stock
from fulfillment.selectors_inbound import receiving_warehouses
from fulfillment.services.receiving import LineCount, cancel_inbound_shipment, close_receipt, record_line_counts
from shop.models import Seller
from shop.services.inbound import SkuQuantity, announce_inbound

SELLER = "glow-theory"  # the `seller` log-in's shop
# (how many SKUs, units per SKU, state, counts per line as (received, damaged) or None)
PLAN = (
    (3, 24, "closed_with_discrepancy", ((24, 0), (20, 0), (24, 3))),
    (2, 12, "closed", ((12, 0), (12, 0))),
    (2, 36, "receiving", ((36, 0), None)),
    (2, 48, "announced", None),
    (1, 10, "cancelled", None),
)
CARRIERS = ("UPS Freight", "FedEx Ground", "DHL Express", "Estes", "USPS")


def seed_demo_inbound(report, *, by) -> list[InboundShipment]:
    """Create the demo seller's inbound shipments (once); returns them."""
    seller = Seller.objects.filter(slug=SELLER).first()
    if seller is None or InboundShipment.objects.filter(seller_id=seller.pk).exists():
        return []
    shipments, announcer = [], seller.members.order_by("pk").first()  # the demo `seller` log-in
    # Our fulfillment centres holding at least 3 of the seller's variants, taken in turn.
    stocked = Stock.objects.filter(variant__product__seller=seller, warehouse__in=receiving_warehouses())
    homes = sorted(
        code
        for code, count in stocked.values("warehouse__code").annotate(n=Count("pk")).values_list("warehouse__code", "n")
        if count >= 3
    )
    if not homes:
        return []
    with transaction.atomic():
        for index, (sku_count, units, state, counts) in enumerate(PLAN):
            code = homes[index % len(homes)]
            skus = list(
                Stock.objects.filter(warehouse__code=code, variant__product__seller=seller)
                .order_by("variant__sku")
                .values_list("variant__sku", flat=True)[:sku_count]
            )
            shipment = announce_inbound(
                seller=seller,
                warehouse_code=code,
                lines=[SkuQuantity(sku=sku, quantity=units) for sku in skus],
                expected_on=timezone.localdate() + dt.timedelta(days=2 + index),
                carrier=CARRIERS[index],
                tracking_number=f"DEMO{index + 1:04d}{seller.pk:04d}",
                note="2 pallets, shrink-wrapped" if index == 0 else "",
                by=announcer,
            )
            lines = list(shipment.lines.order_by("pk"))
            if counts:
                record_line_counts(
                    shipment_id=shipment.pk,
                    counts=[
                        LineCount(line_id=line.pk, received=count[0], damaged=count[1])
                        for line, count in zip(lines, counts, strict=True)
                        if count is not None
                    ],
                    by=by,
                )
            if state.startswith("closed"):
                close_receipt(shipment_id=shipment.pk, by=by)
            elif state == "cancelled":
                cancel_inbound_shipment(shipment_id=shipment.pk, seller_id=seller.pk)
            shipments.append(shipment)
            report.add("inbound shipments")
    return shipments
