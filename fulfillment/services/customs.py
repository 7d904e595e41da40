"""Customs data on fulfillment's copy of orders: the shop's corrections reach the lines still to ship.

Holds for missing customs data are placed and released in services/fulfillment_orders.py (the one door).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from fulfillment.models import FulfillmentOrder, OutboundLine, OutboundOrder

STILL_TO_SHIP = [FulfillmentOrder.Status.OPEN, FulfillmentOrder.Status.ON_HOLD]


@dataclass(frozen=True)
class LineCustoms:
    """A variant's customs data as the shop knows it now (empty where unknown), as plain data."""

    hs_code: str = ""
    country_of_origin: str = ""
    customs_description: str = ""
    net_weight_grams: int = 0


def update_customs_data(*, by_variant: Mapping[int, LineCustoms]) -> int:
    """Copy the current customs data onto the lines of these variants that are still to ship; answers how many.

    Lines already picked or shipped keep what they left with. Holds are not released here: staff release
    them once they see the data is complete (release_fulfillment_order checks it).
    """
    if not by_variant:
        return 0
    waiting = Q(allocations__fulfillment_order__status__in=STILL_TO_SHIP, allocations__consumed_at__isnull=True) | Q(
        backorders__allocated_at__isnull=True
    )
    lines_of: dict[int, set[int]] = {}
    rows = (
        OutboundLine.objects.filter(variant_id__in=list(by_variant), order__status=OutboundOrder.Status.ACTIVE)
        .filter(waiting)
        .values_list("variant_id", "pk")
        .distinct()
    )
    for variant_id, line_id in rows:
        lines_of.setdefault(variant_id, set()).add(line_id)
    changed = 0
    with transaction.atomic():
        for variant_id, line_ids in sorted(lines_of.items()):
            customs = by_variant[variant_id]
            changed += OutboundLine.objects.filter(pk__in=sorted(line_ids)).update(
                hs_code=customs.hs_code,
                country_of_origin=customs.country_of_origin,
                customs_description=customs.customs_description,
                net_weight_grams=customs.net_weight_grams,
            )
    return changed
