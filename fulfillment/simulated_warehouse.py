"""A SIMULATED warehouse crew for the demo: picks and packs what is waiting, as staff would in the admin.

On `make run` nobody stands at a packing bench, so when FULFILLMENT_SIMULATE_WAREHOUSE is on (the
default under DEBUG) the simulation beat task and `simulate_carriers` first call this: open
fulfillment orders go onto pick lists, picked shipments are packed with the suggested boxes, and
packing queues the label purchase. It calls the same services as the admin actions.
"""

import logging
from dataclasses import dataclass

from django.conf import settings

from fulfillment.models import FulfillmentOrder, Shipment
from fulfillment.packing import ParcelSuggestion
from fulfillment.services.packing import InvalidParcels, ParcelSpec, pack_shipment, suggest_parcels
from fulfillment.services.picking import NothingToPick, create_pick_list
from fulfillment.services.shipments import IllegalShipmentTransition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrewWork:
    pick_lists: int
    packed: int


def is_enabled() -> bool:
    return getattr(settings, "FULFILLMENT_SIMULATE_WAREHOUSE", False)


def parcel_spec(suggestion: ParcelSuggestion) -> ParcelSpec:
    """What the crew records for a suggested parcel: its box, or items stacked when no box fits."""
    if suggestion.box is not None:
        return ParcelSpec(weight_grams=max(1, suggestion.weight_grams), box_id=suggestion.box.id)
    return ParcelSpec(
        weight_grams=max(1, suggestion.weight_grams),
        length_mm=max(1, *(item.length_mm for item in suggestion.items)),
        width_mm=max(1, *(item.width_mm for item in suggestion.items)),
        height_mm=max(1, sum(item.height_mm * item.quantity for item in suggestion.items)),
    )


def work_simulated_warehouses(*, limit: int = 50) -> CrewWork:
    """Put waiting fulfillment orders on pick lists and pack picked shipments (up to `limit` each)."""
    warehouse_ids = set(
        FulfillmentOrder.objects.filter(status=FulfillmentOrder.Status.OPEN, pick_list__isnull=True).values_list(
            "warehouse_id", flat=True
        )
    )
    pick_lists = 0
    for warehouse_id in sorted(warehouse_ids):
        try:
            create_pick_list(warehouse_id=warehouse_id, limit=limit)
            pick_lists += 1
        except NothingToPick:  # taken by staff or another run meanwhile
            continue
    packed = 0
    picking = Shipment.objects.filter(status=Shipment.Status.PICKING).order_by("pk").values_list("pk", flat=True)
    for shipment_id in list(picking[:limit]):
        try:
            specs = [parcel_spec(s) for s in suggest_parcels(shipment_id=shipment_id)]
            pack_shipment(shipment_id=shipment_id, parcels=specs)
            packed += 1
        except (InvalidParcels, IllegalShipmentTransition, ValueError):
            logger.warning("The simulated crew could not pack shipment %s; it waits for staff", shipment_id)
    return CrewWork(pick_lists=pick_lists, packed=packed)
