"""Scans of a master shipment, fanned out to every parcel in it; tendering and the split for the last mile.

`record_master_scan` stores the scan once (`MasterScan`, unique per consolidation and kind: the same scan twice
changes nothing) and, in the same transaction, writes one tracking event per parcel and moves the parcels, with
bulk writes: the number of queries does not grow with the number of parcels. A scan that arrives after a later
one (out of order) is kept on every parcel's timeline but moves nothing back. The split gives each parcel the
last-mile carrier's tracking number, under which it travels on, on the same timeline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from fulfillment import events
from fulfillment.carriers.tracking_numbers import make_s10
from fulfillment.models import (
    CarrierSerial,
    Consolidation,
    ConsolidationItem,
    MasterScan,
    Shipment,
    TrackingEvent,
    TrackingLeg,
)
from fulfillment.services.consolidation import (
    RANK,
    ConsolidationError,
    path_to,
    set_consolidation_status,
)
from fulfillment.services.shipments import hand_over_shipment, set_shipments_status
from fulfillment.services.tracking import ingest_tracking_event
from fulfillment.simulation import SIMULATED_CARRIERS, step_seconds
from marketplace.outbox import publish_many

logger = logging.getLogger(__name__)
C = Consolidation.Status
M = MasterScan.Kind
S = Shipment.Status
E = TrackingEvent.Status
K = TrackingLeg.Kind
LEG_ORDER = (K.FIRST_MILE, K.LINE_HAUL, K.HUB, K.EXPORT, K.IMPORT_CUSTOMS, K.LAST_MILE)


@dataclass(frozen=True)
class FanOut:
    """What one master scan means for each parcel in it."""

    consolidation_status: str
    event_status: str
    leg: str
    to: str  # the parcels' shipment status
    moves_from: frozenset[str]


FAN_OUT = {
    M.TENDERED: FanOut(C.TENDERED, E.AT_SORTING_FACILITY, K.HUB, S.AT_HUB, frozenset({S.IN_TRANSIT})),
    M.DEPARTED: FanOut(C.DEPARTED, E.EXPORT_CLEARED, K.EXPORT, S.IN_TRANSIT, frozenset({S.AT_HUB})),
    M.ARRIVED: FanOut(C.ARRIVED, E.IN_TRANSIT, K.IMPORT_CUSTOMS, S.AT_HUB, frozenset({S.IN_TRANSIT})),
    M.CUSTOMS_HELD: FanOut(
        C.CUSTOMS_HELD, E.CUSTOMS_HELD, K.IMPORT_CUSTOMS, S.CUSTOMS_HOLD, frozenset({S.IN_TRANSIT, S.AT_HUB})
    ),
    M.CUSTOMS_CLEARED: FanOut(
        C.CUSTOMS_CLEARED, E.CUSTOMS_RELEASED, K.IMPORT_CUSTOMS, S.CLEARED, frozenset({S.AT_HUB, S.CUSTOMS_HOLD})
    ),
    M.SPLIT: FanOut(C.SPLIT, E.IN_TRANSIT, K.LAST_MILE, S.IN_TRANSIT, frozenset({S.CLEARED, S.AT_HUB})),
}
KIND_OF_STATUS = {fan.consolidation_status: kind for kind, fan in FAN_OUT.items()}


class MasterScanRefused(ConsolidationError):
    """A master scan that cannot be recorded (an open consolidation, parcels not in it); nothing changed."""


def _describe(kind: str, consolidation: Consolidation, *, last_mile_number: str = "", reason: str = "") -> str:
    lane, awb = consolidation.lane, consolidation.awb
    text = {
        M.TENDERED: f"Consolidated under master air waybill {awb} and handed to {lane.airline_name}",
        M.DEPARTED: f"Departed {lane.departure_airport} on {lane.airline_name}, air waybill {awb}",
        M.ARRIVED: f"Arrived at the {lane.import_gateway} import gateway; presented to import customs",
        M.CUSTOMS_HELD: f"Held at import customs{': ' + reason.lower() if reason else ''}",
        M.CUSTOMS_CLEARED: f"Cleared import customs with consignment {awb}",
        M.SPLIT: f"Handed to {lane.last_mile_carrier}: tracking number {last_mile_number}",
    }[kind]
    return text[:240]


def _location(kind: str, consolidation: Consolidation) -> str:
    lane = consolidation.lane
    if kind == M.TENDERED:
        return lane.origin_hub.name[:120]
    if kind == M.DEPARTED:
        return f"{lane.departure_airport} airport"
    return f"{lane.import_gateway} import gateway, {lane.import_gateway_city}"[:120]


def _fingerprint(scan: MasterScan, shipment_id: int) -> str:
    return hashlib.sha256(f"master|{scan.pk}|{shipment_id}".encode()).hexdigest()


def _items(consolidation: Consolidation) -> list[tuple[int, int, str, str]]:
    """(item id, shipment id, label tracking number, last-mile number) of the parcels still in it, one query."""
    return list(
        ConsolidationItem.objects.filter(consolidation=consolidation, pulled_out_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "shipment_id", "shipment__tracking_number", "last_mile_tracking_number")
    )


def _last_mile_numbers(consolidation: Consolidation, count: int) -> list[str]:
    """`count` S10 numbers of the lane's last-mile carrier, from one counter update (a block, not one by one)."""
    lane = consolidation.lane
    country = lane.destinations[0]
    key = f"last_mile:{lane.last_mile_prefix}:{country}"
    CarrierSerial.objects.get_or_create(key=key)
    # The UPDATE's row lock makes concurrent splits take turns; the block is ours once it commits.
    CarrierSerial.objects.filter(key=key).update(value=F("value") + count)
    end = CarrierSerial.objects.filter(key=key).values_list("value", flat=True).get()
    serials = range(end - count + 1, end + 1)
    return [make_s10(lane.last_mile_prefix, serial % 100_000_000, country) for serial in serials]


def _simulate_from(shipment_ids: list[int], *, at: dt.datetime) -> None:
    """The simulated network takes these parcels on one by one (after the split, or pulled out)."""
    Shipment.objects.filter(pk__in=shipment_ids, carrier__in=SIMULATED_CARRIERS, next_simulated_at__isnull=True).update(
        next_simulated_at=at + dt.timedelta(seconds=step_seconds())
    )


def _update_legs(shipment_ids: list[int], *, leg: str, at: dt.datetime, moves: bool) -> None:
    """The scan's leg started (at the earliest scan); when it moves the parcels, the legs before it ended."""
    TrackingLeg.objects.filter(shipment_id__in=shipment_ids, kind=leg).update(
        started_at=Least(Coalesce(F("started_at"), Value(at)), Value(at))
    )
    if moves:
        earlier = LEG_ORDER[: LEG_ORDER.index(leg)]
        TrackingLeg.objects.filter(shipment_id__in=shipment_ids, kind__in=earlier, ended_at__isnull=True).update(
            started_at=Coalesce(F("started_at"), Value(at)), ended_at=at
        )


def record_master_scan(
    *,
    consolidation_id: int,
    kind: str,
    occurred_at: dt.datetime,
    source: str = MasterScan.Source.AIRLINE,
    held_tracking_numbers: list[str] | tuple[str, ...] = (),
    customs_reason: str = "",
) -> MasterScan:
    """Store a master scan once and fan it out to every parcel in the master, in one transaction.

    A repeat returns the stored scan (`.duplicate` True) and changes nothing. A hold names the parcels customs
    want (tracking numbers of parcels in it); the others wait with the master.
    """
    if kind not in FAN_OUT:
        raise MasterScanRefused(f"Unknown master scan {kind!r}; one of: {', '.join(FAN_OUT)}.")
    if occurred_at.tzinfo is None:
        raise MasterScanRefused("A master scan needs a date and time with its time zone.")
    if kind == M.CUSTOMS_HELD and not held_tracking_numbers:
        raise MasterScanRefused("A customs hold names the parcels customs hold.")
    if customs_reason and customs_reason not in TrackingEvent.CustomsReason.values:
        raise MasterScanRefused(f"Unknown customs reason {customs_reason!r}.")
    fan = FAN_OUT[kind]
    with transaction.atomic():
        consolidation = (
            Consolidation.objects.select_for_update(of=("self",))
            .select_related("lane__origin_hub")
            .get(pk=consolidation_id)
        )
        stored = MasterScan.objects.filter(consolidation=consolidation, kind=kind).first()
        if stored is not None:
            stored.duplicate = True
            return stored
        if consolidation.status == C.OPEN:
            raise MasterScanRefused(f"{consolidation} is still open: close it before it moves.")
        items = _items(consolidation)
        targets = items
        if kind == M.CUSTOMS_HELD:
            wanted = set(held_tracking_numbers)
            targets = [item for item in items if item[2] in wanted]
            unknown = wanted - {item[2] for item in targets}
            if unknown:
                raise MasterScanRefused(f"Not in {consolidation.awb}: {', '.join(sorted(unknown))}.")
        try:
            with transaction.atomic():
                scan = MasterScan.objects.create(
                    consolidation=consolidation,
                    kind=kind,
                    occurred_at=occurred_at,
                    location=_location(kind, consolidation),
                    source=source,
                    held_tracking_numbers=list(held_tracking_numbers),
                    parcels=len(targets),
                )
        except IntegrityError:  # the same scan, recorded by a concurrent delivery meanwhile
            stored = MasterScan.objects.get(consolidation=consolidation, kind=kind)
            stored.duplicate = True
            return stored
        scan.duplicate = False
        moves = RANK[fan.consolidation_status] > RANK[consolidation.status]
        if kind == M.SPLIT and moves:
            targets = _give_last_mile_numbers(consolidation, targets, at=occurred_at)
        dap = _pays_at_the_door(targets) if kind == M.CUSTOMS_CLEARED else {}
        _write_events(scan, consolidation, targets, fan=fan, kind=kind, customs_reason=customs_reason, dap=dap)
        shipment_ids = [item[1] for item in targets]
        _update_legs(shipment_ids, leg=fan.leg, at=occurred_at, moves=moves)
        if moves:
            _move(consolidation, items, targets, to=fan.consolidation_status, at=occurred_at, reason=customs_reason)
    return scan


def _give_last_mile_numbers(consolidation: Consolidation, targets: list, *, at: dt.datetime) -> list:
    """Each parcel without one gets its last-mile number (one counter update, one bulk write)."""
    missing = [item for item in targets if not item[3]]
    numbers = iter(_last_mile_numbers(consolidation, len(missing))) if missing else iter(())
    given = {item[0]: next(numbers) for item in missing}
    if given:
        ConsolidationItem.objects.filter(pk__in=list(given)).update(
            last_mile_tracking_number=Case(*(When(pk=pk, then=Value(n)) for pk, n in given.items()))
        )
    # The last mile is per parcel again: the simulated network takes the parcels on from here.
    _simulate_from([item[1] for item in targets], at=at)
    return [(pk, sid, number, given.get(pk, lm)) for pk, sid, number, lm in targets]


def _pays_at_the_door(targets: list) -> dict[int, int]:
    """{shipment id: order id} of the DAP parcels among them (the shopper pays import charges at the door)."""
    return dict(
        Shipment.objects.filter(
            pk__in=[item[1] for item in targets], fulfillment_order__order__incoterm="DAP"
        ).values_list("pk", "fulfillment_order__order_id")
    )


def _write_events(
    scan, consolidation, targets, *, fan: FanOut, kind: str, customs_reason: str, dap: dict[int, int]
) -> None:
    legs = dict(
        TrackingLeg.objects.filter(shipment_id__in=[item[1] for item in targets], kind=fan.leg).values_list(
            "shipment_id", "pk"
        )
    )
    reason = TrackingEvent.CustomsReason(customs_reason).label if customs_reason else ""
    location = scan.location
    TrackingEvent.objects.bulk_create(
        [
            TrackingEvent(
                shipment_id=shipment_id,
                leg_id=legs.get(shipment_id),
                tracking_number=number,
                status=E.DUTIES_DUE if shipment_id in dap else fan.event_status,
                occurred_at=scan.occurred_at,
                location=location,
                description=_describe(kind, consolidation, last_mile_number=last_mile, reason=reason)
                + (": import charges to pay on delivery" if shipment_id in dap else ""),
                source=TrackingEvent.Source.SIMULATION
                if scan.source == MasterScan.Source.SIMULATION
                else TrackingEvent.Source.CARRIER,
                customs_reason=customs_reason if kind == M.CUSTOMS_HELD else "",
                fingerprint=_fingerprint(scan, shipment_id),
            )
            for _item_id, shipment_id, number, last_mile in targets
        ],
        ignore_conflicts=True,  # one INSERT whatever the number of parcels (as many as the backend allows)
    )
    if dap:  # the shopper learns the parcel will ask for import charges at the door
        numbers = {shipment_id: number for _i, shipment_id, number, _lm in targets}
        publish_many(
            events.shipment_duties_due,
            [
                {
                    "order_id": order_id,
                    "shipment_id": shipment_id,
                    "tracking_number": numbers[shipment_id],
                    "description": "Cleared customs: import charges to pay on delivery",
                }
                for shipment_id, order_id in sorted(dap.items())
            ],
        )


def _move(consolidation: Consolidation, items, targets, *, to: str, at: dt.datetime, reason: str) -> None:
    """Walk the master to `to` (a missed scan in between is walked through) and its parcels with it."""
    everyone = [item[1] for item in items]
    for step in path_to(consolidation.status, to):
        fan = FAN_OUT[KIND_OF_STATUS[step]]
        moved = [item[1] for item in targets] if step == C.CUSTOMS_HELD else everyone
        label = TrackingEvent.CustomsReason(reason).label if reason else ""
        set_shipments_status(shipment_ids=moved, to=fan.to, from_statuses=fan.moves_from, reason=label)
        if step == C.CUSTOMS_HELD:
            ConsolidationItem.objects.filter(pk__in=[item[0] for item in targets]).update(held_at_customs=True)
        set_consolidation_status(consolidation=consolidation, to=step, at=at)


# --- tendering, pulling out ------------------------------------------------------------------------


def tender_consolidation(
    *, consolidation_id: int, at: dt.datetime | None = None, source: str = MasterScan.Source.AIRLINE
) -> MasterScan:
    """Hand a closed master to the airline; a parcel the carrier has not picked up yet is handed over first.

    Idempotent: the tender is a master scan, stored once. Each hand-over is per parcel (its stock leaves the
    warehouse), then the tender fans out to all in bulk.
    """
    at = at or timezone.now()
    consolidation = Consolidation.objects.get(pk=consolidation_id)
    if consolidation.status == C.OPEN:
        raise MasterScanRefused(f"{consolidation} is still open: close it before tendering.")
    waiting = ConsolidationItem.objects.filter(
        consolidation_id=consolidation_id, pulled_out_at__isnull=True, shipment__status=S.LABELLED
    ).values_list("shipment_id", flat=True)
    for shipment_id in list(waiting):
        hand_over_shipment(shipment_id=shipment_id)
    return record_master_scan(consolidation_id=consolidation_id, kind=M.TENDERED, occurred_at=at, source=source)


def split_consolidation(
    *, consolidation_id: int, at: dt.datetime | None = None, source: str = MasterScan.Source.AIRLINE
) -> MasterScan:
    """Split a cleared master at the import gateway: each parcel goes on under the last-mile carrier's number."""
    return record_master_scan(
        consolidation_id=consolidation_id, kind=M.SPLIT, occurred_at=at or timezone.now(), source=source
    )


def pull_out_of_consolidation(*, item_id: int, by=None) -> ConsolidationItem:
    """Take a parcel held at import customs out of its master: it clears on its own, the master goes on."""
    with transaction.atomic():
        item = ConsolidationItem.objects.select_related("shipment__fulfillment_order").get(pk=item_id)
        consolidation = Consolidation.objects.select_for_update().get(pk=item.consolidation_id)
        item = (
            ConsolidationItem.objects.select_for_update(of=("self",))
            .select_related("shipment__fulfillment_order")
            .get(pk=item_id)
        )
        if item.pulled_out_at is not None:
            return item
        if consolidation.status != C.CUSTOMS_HELD or not item.held_at_customs:
            raise ConsolidationError(
                f"Only a parcel held at import customs can be pulled out; {item.shipment.tracking_number} is not."
            )
        item.pulled_out_at = timezone.now()
        item.save(update_fields=["pulled_out_at"])
        shipment = item.shipment
        ingest_tracking_event(
            tracking_number=shipment.tracking_number,
            status=E.CUSTOMS_HELD,
            occurred_at=item.pulled_out_at,
            location=f"{consolidation.lane.import_gateway} import gateway",
            description=f"Taken out of consignment {consolidation.awb} to be cleared on its own",
            source=TrackingEvent.Source.STAFF,
            stage=K.IMPORT_CUSTOMS,
            by=by,
        )
        _simulate_from([shipment.pk], at=item.pulled_out_at)
        events.shipment_pulled_from_consolidation.publish(
            order_id=shipment.fulfillment_order.order_id,
            shipment_id=shipment.pk,
            tracking_number=shipment.tracking_number,
            awb=consolidation.awb,
        )
    return item
