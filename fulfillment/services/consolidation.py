"""Consolidation at the export hub: a parcel abroad joins its lane's open consolidation when labelled; a
consolidation closes at its cut-off or when full, and closing makes the master shipment (air waybill, manifest,
the parcels' customs declarations). `set_consolidation_status` is the one door of the consolidation machine.

Rules (cut-off, capacity, check digit) are pure functions in fulfillment.consolidation.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from fulfillment import events
from fulfillment.carriers.db_store import DatabaseLabelStore
from fulfillment.consolidation import (
    Capacity,
    Load,
    fits,
    is_full,
    is_past_cutoff,
    make_awb,
    next_cutoff,
    parse_cutoffs,
    too_heavy_for_any,
)
from fulfillment.documents.manifest import ManifestHeader, ManifestRow, manifest_csv, manifest_pdf
from fulfillment.models import (
    Consolidation,
    ConsolidationItem,
    CustomsDocument,
    Lane,
    Shipment,
    TrackingLeg,
    Warehouse,
)

logger = logging.getLogger(__name__)
C = Consolidation.Status
K = TrackingLeg.Kind

CONSOLIDATION_TRANSITIONS: dict[str, set[str]] = {
    C.OPEN: {C.CLOSED},
    C.CLOSED: {C.TENDERED},
    C.TENDERED: {C.DEPARTED},
    C.DEPARTED: {C.ARRIVED},
    C.ARRIVED: {C.CUSTOMS_HELD, C.CUSTOMS_CLEARED},
    C.CUSTOMS_HELD: {C.CUSTOMS_CLEARED},
    C.CUSTOMS_CLEARED: {C.SPLIT},
    C.SPLIT: {C.DONE},
    C.DONE: set(),
}
# How far along a master is: a scan that is not further than this is history, never a move back.
RANK = {status: i for i, status in enumerate(C.values)}
# Statuses where parcels still travel under the master (not yet split).
UNDER_MASTER = (C.OPEN, C.CLOSED, C.TENDERED, C.DEPARTED, C.ARRIVED, C.CUSTOMS_HELD, C.CUSTOMS_CLEARED)


class ConsolidationError(Exception):
    """A consolidation action refused; `message` says why, nothing changed."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IllegalConsolidationTransition(ConsolidationError):
    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"A consolidation cannot go from {from_status} to {to_status}.")
        self.from_status, self.to_status = from_status, to_status


def set_consolidation_status(*, consolidation: Consolidation, to: str, at: dt.datetime | None = None) -> bool:
    """Move a consolidation one step along its machine; False when it is already there."""
    if consolidation.status == to:
        return False
    if to not in CONSOLIDATION_TRANSITIONS[consolidation.status]:
        raise IllegalConsolidationTransition(consolidation.status, to)
    consolidation.status = to
    consolidation.status_changed_at = at or timezone.now()
    consolidation.save(update_fields=["status", "status_changed_at"])
    return True


def path_to(current: str, target: str) -> list[str]:
    """The steps from current to target (a missed scan in between); [] when target is not ahead."""
    walked, state = [], current
    while state != target:
        ahead = [s for s in CONSOLIDATION_TRANSITIONS[state] if RANK[s] <= RANK[target]]
        if not ahead:
            return []
        # Skip a hold on the way to clearance: customs did not hold what they cleared straight away.
        state = target if target in ahead else min(ahead, key=RANK.__getitem__)
        walked.append(state)
    return walked


# --- lanes ----------------------------------------------------------------------------------------


def lane_for(*, origin_country: str, destination_country: str, service: str) -> Lane | None:
    """The active lane from a hub fed by the parcel's origin country to its destination, for its service."""
    origin, destination = origin_country.upper(), destination_country.upper()
    candidates = Lane.objects.filter(
        Q(origin_countries__icontains=origin) | Q(origin_countries="", origin_hub__country=origin),
        is_active=True,
        service=service,
        origin_hub__is_active=True,
        origin_hub__kind=Warehouse.Kind.CONSOLIDATION_HUB,
        destination_countries__icontains=destination,
    ).select_related("origin_hub")
    for lane in candidates.order_by("pk"):
        if origin in lane.origins and destination in lane.destinations:
            return lane
    return None


def lane_leg_plan(*, lane: Lane, origin_city: str, destination_city: str) -> list[tuple[str, str, str]]:
    """(kind, from, to) of each leg: fulfillment centre -> export hub -> air -> import gateway -> last mile."""
    # The hub by its name: its city alone misleads a shopper ("Jamaica export hub" is JFK's, in Queens).
    hub = lane.origin_hub
    return [
        (K.LINE_HAUL, f"{origin_city} fulfillment centre", hub.name),
        (K.HUB, hub.name, f"{lane.departure_airport} airport"),
        (K.EXPORT, f"{lane.departure_airport} ({lane.airline_name})", f"{lane.import_gateway} import gateway"),
        (K.IMPORT_CUSTOMS, f"{lane.import_gateway} import gateway", f"{lane.import_gateway_city} import customs"),
        (K.LAST_MILE, f"{lane.last_mile_carrier}, {lane.import_gateway_city}", destination_city),
    ]


def create_lane_legs(*, shipment: Shipment, lane: Lane, origin_city: str, destination_city: str) -> None:
    TrackingLeg.objects.filter(shipment=shipment).delete()
    TrackingLeg.objects.bulk_create(
        [
            TrackingLeg(shipment=shipment, sequence=i, kind=kind, origin=frm[:120], destination=to[:120])
            for i, (kind, frm, to) in enumerate(
                lane_leg_plan(lane=lane, origin_city=origin_city, destination_city=destination_city), start=1
            )
        ]
    )


def _capacity(lane: Lane) -> Capacity:
    return Capacity(max_parcels=lane.max_parcels, max_weight_grams=lane.max_weight_grams)


def _load(consolidation: Consolidation) -> Load:
    return Load(parcels=consolidation.parcel_count, weight_grams=consolidation.weight_grams)


# --- assignment at label time ---------------------------------------------------------------------


def _declared(record: dict) -> tuple[Decimal, str, str]:
    shipment = record.get("shipment", {})
    codes = " ".join(dict.fromkeys(item["hs_code"] for item in record.get("items", []) if item.get("hs_code")))
    return Decimal(shipment.get("total_value") or "0"), shipment.get("currency", ""), codes


def assign_to_consolidation(*, shipment: Shipment, now: dt.datetime | None = None) -> ConsolidationItem | None:
    """Put a labelled parcel abroad in its lane's open consolidation (inside the label's transaction).

    None when no lane serves it or it outweighs a whole master: it flies on its own, as before lanes.
    A consolidation past its cut-off is closed first (the beat had not come by) and the parcel rolls to the
    next departure, which the shopper's timeline says; one that cannot take the parcel is closed as full.
    """
    now = now or timezone.now()
    existing = ConsolidationItem.objects.filter(shipment=shipment).first()
    if existing is not None:  # assigned already (a task run twice)
        return existing
    warehouse, order = shipment.fulfillment_order.warehouse, shipment.fulfillment_order.order
    lane = lane_for(
        origin_country=str(warehouse.country), destination_country=str(order.ship_country), service=shipment.service
    )
    weight = sum(parcel.weight_grams for parcel in shipment.parcels.all())
    if lane is None or too_heavy_for_any(capacity=_capacity(lane), weight_grams=weight):
        return None
    document = CustomsDocument.objects.filter(shipment=shipment).order_by("-pk").first()
    value, currency, codes = _declared(document.record if document is not None else {})
    # One writer per lane at a time: the lane row is the lock (the open consolidation may not exist yet).
    lane = Lane.objects.select_for_update(of=("self",)).select_related("origin_hub").get(pk=lane.pk)
    open_one = Consolidation.objects.filter(lane=lane, status=C.OPEN).first()
    rolled = False
    if open_one is not None and is_past_cutoff(cutoff_at=open_one.cutoff_at, now=now):
        _close(open_one, reason=Consolidation.CloseReason.CUTOFF, at=now)
        open_one, rolled = None, True
    if open_one is not None and not fits(load=_load(open_one), capacity=_capacity(lane), weight_grams=weight):
        _close(open_one, reason=Consolidation.CloseReason.FULL, at=now)
        open_one = None
    if open_one is None:
        cutoff_at = next_cutoff(cutoffs=parse_cutoffs(lane.cutoff_times), tz=lane.hub_timezone, after=now)
        open_one = Consolidation.objects.create(lane=lane, cutoff_at=cutoff_at, status_changed_at=now)
    item = ConsolidationItem.objects.create(
        consolidation=open_one,
        shipment=shipment,
        weight_grams=weight,
        declared_value=value,
        currency=currency,
        hs_codes=codes[:200],
        consignee_country=str(order.ship_country).upper(),
        rolled_over=1 if rolled else 0,
    )
    Consolidation.objects.filter(pk=open_one.pk).update(
        parcel_count=F("parcel_count") + 1, weight_grams=F("weight_grams") + weight
    )
    open_one.refresh_from_db(fields=["parcel_count", "weight_grams"])
    create_lane_legs(shipment=shipment, lane=lane, origin_city=warehouse.city, destination_city=order.ship_city)
    if rolled:
        events.shipment_rolled_to_next_departure.publish(
            order_id=order.pk,
            shipment_id=shipment.pk,
            tracking_number=shipment.tracking_number,
            hub=lane.origin_hub.name,
            lane=lane.code,
            cutoff_at=open_one.cutoff_at.isoformat(),
        )
    if is_full(load=_load(open_one), capacity=_capacity(lane)):
        _close(open_one, reason=Consolidation.CloseReason.FULL, at=now)
    return item


def consolidate_labelled_parcel(*, shipment_id: int) -> ConsolidationItem | None:
    """Assign a labelled parcel abroad that has no consolidation yet (labelled before its lane existed)."""
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("fulfillment_order__warehouse", "fulfillment_order__order")
            .get(pk=shipment_id)
        )
        if shipment.status != Shipment.Status.LABELLED or shipment.is_return:
            raise ConsolidationError(f"Shipment {shipment_id} is {shipment.status}: only a labelled parcel joins.")
        return assign_to_consolidation(shipment=shipment)


# --- closing: the master shipment -----------------------------------------------------------------


def _next_awb(lane: Lane) -> str:
    # One counter per airline prefix; the serial wraps within 7 digits.
    serial = DatabaseLabelStore().next_serial(f"awb:{lane.airline_prefix}") % 10_000_000
    return make_awb(airline_prefix=lane.airline_prefix, serial=serial)


def manifest_rows(consolidation: Consolidation) -> list[ManifestRow]:
    """The parcels still in the consolidation, in the order they joined, as manifest rows (one query)."""
    return [
        ManifestRow(
            tracking_number=number,
            weight_grams=weight,
            declared_value=value,
            currency=currency,
            hs_codes=codes,
            consignee_country=country,
        )
        for number, weight, value, currency, codes, country in ConsolidationItem.objects.filter(
            consolidation=consolidation, pulled_out_at__isnull=True
        )
        .order_by("pk")
        .values_list(
            "shipment__tracking_number", "weight_grams", "declared_value", "currency", "hs_codes", "consignee_country"
        )
    ]


def _manifest_header(consolidation: Consolidation) -> ManifestHeader:
    lane = consolidation.lane
    return ManifestHeader(
        awb=consolidation.awb or "",
        lane=lane.code,
        origin=f"{lane.origin_hub.name} ({lane.departure_airport})",
        destination=f"{lane.import_gateway}, {lane.import_gateway_city}",
        airline=lane.airline_name,
        cutoff=f"{consolidation.cutoff_at:%Y-%m-%d %H:%M} UTC",
    )


def _close(consolidation: Consolidation, *, reason: str, at: dt.datetime) -> None:
    """Close a locked (or just created) open consolidation: air waybill, manifest, declarations."""
    if consolidation.parcel_count == 0:
        consolidation.delete()  # nothing joined it: there is no master to fly
        return
    lane = Lane.objects.select_related("origin_hub").get(pk=consolidation.lane_id)
    consolidation.lane = lane
    consolidation.awb = _next_awb(lane)
    consolidation.close_reason = reason
    consolidation.closed_at = at
    rows = manifest_rows(consolidation)
    number = consolidation.awb.replace("-", "")
    consolidation.manifest_csv.save(f"manifest-{number}.csv", ContentFile(manifest_csv(rows).encode()), save=False)
    consolidation.manifest_pdf.save(
        f"manifest-{number}.pdf", ContentFile(manifest_pdf(_manifest_header(consolidation), rows)), save=False
    )
    # The master's customs declaration: each parcel's electronic record, as filed at label time.
    consolidation.declarations = _latest_records(consolidation)
    consolidation.save(
        update_fields=["awb", "close_reason", "closed_at", "manifest_csv", "manifest_pdf", "declarations"]
    )
    set_consolidation_status(consolidation=consolidation, to=C.CLOSED, at=at)


def _latest_records(consolidation: Consolidation) -> list[dict]:
    """The live customs record of each parcel still in it (a relabelled parcel: its newest), one query."""
    latest: dict[int, dict] = {}
    for shipment_id, record in (
        CustomsDocument.objects.filter(
            shipment__consolidation_item__consolidation=consolidation,
            shipment__consolidation_item__pulled_out_at__isnull=True,
        )
        .order_by("shipment_id", "pk")
        .values_list("shipment_id", "record")
    ):
        latest[shipment_id] = record
    return list(latest.values())


def close_consolidation(
    *, consolidation_id: int, reason: str = Consolidation.CloseReason.EARLY, now: dt.datetime | None = None
) -> Consolidation:
    """Close an open consolidation (cut-off, full, or early by staff); one already closed is left as it is."""
    now = now or timezone.now()
    with transaction.atomic():
        lane_id = Consolidation.objects.filter(pk=consolidation_id).values_list("lane_id", flat=True).first()
        if lane_id is None:
            raise ConsolidationError(f"Consolidation {consolidation_id} no longer exists (it was empty).")
        # The lane first, as assignment takes it: one lock order, no deadlock.
        Lane.objects.select_for_update().get(pk=lane_id)
        consolidation = Consolidation.objects.select_for_update().filter(pk=consolidation_id).first()
        if consolidation is None:
            raise ConsolidationError(f"Consolidation {consolidation_id} no longer exists (it was empty).")
        if consolidation.status != C.OPEN:
            return consolidation
        _close(consolidation, reason=reason, at=now)
    return consolidation


def due_for_closing(*, now: dt.datetime | None = None) -> list[int]:
    """Open consolidations whose cut-off has come."""
    now = now or timezone.now()
    return list(
        Consolidation.objects.filter(status=C.OPEN, cutoff_at__lte=now)
        .order_by("cutoff_at", "pk")
        .values_list("pk", flat=True)
    )


def finish_split_consolidations() -> int:
    """Split consolidations whose every parcel has arrived (delivered or returned) are done."""
    S = Shipment.Status
    finished = 0
    waiting = ConsolidationItem.objects.filter(pulled_out_at__isnull=True).exclude(
        shipment__status__in=(S.DELIVERED, S.RETURNED_TO_SENDER)
    )
    for consolidation in Consolidation.objects.filter(status=C.SPLIT).exclude(
        pk__in=waiting.values("consolidation_id")
    ):
        with transaction.atomic():
            locked = Consolidation.objects.select_for_update().get(pk=consolidation.pk)
            if locked.status == C.SPLIT:
                set_consolidation_status(consolidation=locked, to=C.DONE)
                finished += 1
    return finished


def leave_open_consolidation(*, shipment: Shipment) -> None:
    """A voided label takes its parcel out of an open consolidation; a closed one has it on its manifest."""
    item = ConsolidationItem.objects.filter(shipment=shipment).select_related("consolidation").first()
    if item is None:
        return
    consolidation = Consolidation.objects.select_for_update().get(pk=item.consolidation_id)
    if consolidation.status != C.OPEN:
        raise ConsolidationError(
            f"Shipment {shipment.pk} is on the manifest of {consolidation}: take it out at the hub, not by voiding."
        )
    item.delete()
    Consolidation.objects.filter(pk=consolidation.pk).update(
        parcel_count=F("parcel_count") - 1, weight_grams=F("weight_grams") - item.weight_grams
    )


def is_on_a_manifest(*, shipment_id: int) -> bool:
    """Whether the parcel is in a consolidation that has closed (its label can no longer be voided)."""
    return (
        ConsolidationItem.objects.filter(shipment_id=shipment_id, pulled_out_at__isnull=True)
        .exclude(consolidation__status=C.OPEN)
        .exists()
    )
