"""Packing a picked shipment into parcels: a box suggested from the warehouse's catalogue, staff decide."""

from dataclasses import dataclass

from django.db import transaction

from fulfillment import events
from fulfillment.models import Allocation, Box, Parcel, Shipment
from fulfillment.packing import BoxSize, ItemSize, ParcelSuggestion
from fulfillment.packing import suggest_parcels as plan_parcels
from fulfillment.services.shipments import IllegalShipmentTransition, set_shipment_status


@dataclass(frozen=True)
class ParcelSpec:
    """One parcel as staff packed it: a catalogue box, or measured dimensions; the weight the scale says."""

    weight_grams: int
    box_id: int | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None


class InvalidParcels(Exception):
    """The parcels given cannot be recorded; `fields` maps "parcels-<n>-<field>" (or "parcels") to a message."""

    code = "invalid_parcels"

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


def box_sizes(boxes) -> list[BoxSize]:
    return [
        BoxSize(
            id=b.pk,
            length_mm=b.inner_length_mm,
            width_mm=b.inner_width_mm,
            height_mm=b.inner_height_mm,
            max_weight_grams=b.max_weight_grams,
            tare_weight_grams=b.tare_weight_grams,
            is_active=b.is_active,
            code=b.code,
        )
        for b in boxes
    ]


def shipment_items(*, shipment: Shipment) -> list[ItemSize]:
    """What the shipment carries, one ItemSize per allocation, from the products' sizes (one query)."""
    allocations = Allocation.objects.filter(fulfillment_order_id=shipment.fulfillment_order_id).select_related(
        "stock__variant__product"
    )
    items = []
    for allocation in allocations:
        product = allocation.stock.variant.product
        items.append(
            ItemSize(
                length_mm=product.length_mm,
                width_mm=product.width_mm,
                height_mm=product.height_mm,
                weight_grams=product.weight_grams,
                quantity=allocation.quantity,
                sku=allocation.stock.variant.sku,
            )
        )
    return items


def suggest_parcels(*, shipment_id: int) -> list[ParcelSuggestion]:
    """The suggested parcels for a shipment, from its warehouse's active boxes (for the packing form)."""
    shipment = Shipment.objects.select_related("fulfillment_order").get(pk=shipment_id)
    boxes = Box.objects.filter(warehouse_id=shipment.fulfillment_order.warehouse_id, is_active=True)
    return plan_parcels(shipment_items(shipment=shipment), box_sizes(boxes))


def pack_shipment(*, shipment_id: int, parcels: list[ParcelSpec], by=None) -> Shipment:
    """Record the parcels of a picked shipment (1..n) and mark it packed; bad input changes nothing.

    Raises InvalidParcels (no parcel, a weight below one gram, neither a box of the warehouse nor
    three positive dimensions) or IllegalShipmentTransition (not being picked).
    """
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",)).select_related("fulfillment_order").get(pk=shipment_id)
        )
        if shipment.status != Shipment.Status.PICKING:
            raise IllegalShipmentTransition(shipment.status, Shipment.Status.PACKED)
        boxes = {
            box.pk: box
            for box in Box.objects.filter(
                warehouse_id=shipment.fulfillment_order.warehouse_id, pk__in=[p.box_id for p in parcels if p.box_id]
            )
        }
        rows = _parcel_rows(shipment=shipment, parcels=parcels, boxes=boxes)
        shipment.parcels.all().delete()  # packed again after going back to picking: the new count wins
        Parcel.objects.bulk_create(rows)
        set_shipment_status(shipment=shipment, to=Shipment.Status.PACKED)
        # The packing station prints the label next: bought on the `labels` queue once committed.
        events.shipment_packed.publish(shipment_id=shipment.pk)
    return shipment


def _parcel_rows(*, shipment: Shipment, parcels: list[ParcelSpec], boxes: dict[int, Box]) -> list[Parcel]:
    if not parcels:
        raise InvalidParcels("Pack at least one parcel.", {"parcels": "Pack at least one parcel."})
    errors: dict[str, str] = {}
    rows = []
    for index, spec in enumerate(parcels):
        prefix = f"parcels-{index}"
        box = boxes.get(spec.box_id) if spec.box_id else None
        if spec.box_id and box is None:
            errors[f"{prefix}-box_id"] = "Not a box of this warehouse."
        if not isinstance(spec.weight_grams, int) or spec.weight_grams < 1:
            errors[f"{prefix}-weight_grams"] = "Weigh the parcel: at least 1 gram."
        given = (spec.length_mm, spec.width_mm, spec.height_mm)
        if box is not None and not any(given):
            given = (box.inner_length_mm, box.inner_width_mm, box.inner_height_mm)
        if not all(isinstance(side, int) and side >= 1 for side in given):
            if f"{prefix}-box_id" not in errors:
                errors[f"{prefix}-length_mm"] = "Choose a box or give length, width and height in mm."
            continue
        rows.append(
            Parcel(
                shipment=shipment,
                box=box,
                sequence=index + 1,
                weight_grams=spec.weight_grams,
                length_mm=given[0],
                width_mm=given[1],
                height_mm=given[2],
            )
        )
    if errors:
        raise InvalidParcels("Some parcels are not complete.", errors)
    return rows
