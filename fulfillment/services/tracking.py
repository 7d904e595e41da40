"""Tracking: a shipment's legs, and the events carriers (or the simulated network) report along them.

`ingest_tracking_event` is the one door for every event, whatever its source (carrier webhook,
simulation, staff, our own label purchase): it stores the event once, files it under a leg, and
moves the shipment along its state machine. An event older than the newest one already known is
kept for the timeline but never moves the shipment. Handing over and delivery each email the
shopper once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections import deque
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from fulfillment import events
from fulfillment.models import ConsolidationItem, Shipment, TrackingEvent, TrackingLeg
from fulfillment.services.shipments import HANDED_OVER, SHIPMENT_TRANSITIONS, hand_over_shipment, set_shipment_status

logger = logging.getLogger(__name__)

S = Shipment.Status
E = TrackingEvent.Status
K = TrackingLeg.Kind

DOMESTIC_LEGS = (K.FIRST_MILE, K.LINE_HAUL, K.LAST_MILE)
INTERNATIONAL_LEGS = (K.FIRST_MILE, K.LINE_HAUL, K.EXPORT, K.HUB, K.IMPORT_CUSTOMS, K.LAST_MILE)
# The leg an event belongs to when the carrier does not say (exception and returns: the current leg).
STATUS_LEG = {
    E.LABEL_CREATED: K.FIRST_MILE,
    E.PICKED_UP: K.FIRST_MILE,
    E.AT_SORTING_FACILITY: K.LINE_HAUL,
    E.IN_TRANSIT: K.LINE_HAUL,
    E.OUT_FOR_DELIVERY: K.LAST_MILE,
    E.DELIVERY_ATTEMPTED: K.LAST_MILE,
    E.DELIVERED: K.LAST_MILE,
    E.EXPORT_CLEARED: K.EXPORT,
    E.CUSTOMS_HELD: K.IMPORT_CUSTOMS,
    E.CUSTOMS_RELEASED: K.IMPORT_CUSTOMS,
    E.DUTIES_DUE: K.IMPORT_CUSTOMS,
    E.DUTIES_PAID: K.LAST_MILE,
}


class TrackingError(Exception):
    """Base class of the tracking service's refusals."""


class UnknownTrackingNumber(TrackingError):
    """No shipment of ours carries this tracking number."""

    def __init__(self, tracking_number: str) -> None:
        super().__init__(f"No shipment has the tracking number {tracking_number!r}.")
        self.tracking_number = tracking_number


class InvalidTrackingEvent(TrackingError):
    """A field of the event cannot be used; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Place:
    """Where a leg starts or ends, as public text (a facility or a city, never a street or a name)."""

    city: str
    country: str
    facility: str = "fulfillment centre"  # where the first mile starts (a drop-off point for returns)


def fingerprint(*, tracking_number: str, status: str, occurred_at: dt.datetime, location: str) -> str:
    """sha256 of what makes an event the same event, however often it is delivered."""
    when = occurred_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    return hashlib.sha256(f"{tracking_number}|{status}|{when}|{location.strip()}".encode()).hexdigest()


# --- legs -----------------------------------------------------------------------------------------


def leg_plan(*, origin: Place, destination: Place) -> list[tuple[str, str, str]]:
    """(kind, origin, destination) of each leg, in order: three at home, six across a border."""
    sorting = f"{origin.city} sorting facility"
    station = f"{destination.city} delivery station"
    start = f"{origin.city} {origin.facility}"
    if origin.country.upper() == destination.country.upper():
        return [
            (K.FIRST_MILE, start, sorting),
            (K.LINE_HAUL, sorting, station),
            (K.LAST_MILE, station, destination.city),
        ]
    gateway = f"{origin.city} export gateway"
    hub = "International hub"
    customs = f"{destination.country.upper()} import customs"
    return [
        (K.FIRST_MILE, start, sorting),
        (K.LINE_HAUL, sorting, gateway),
        (K.EXPORT, gateway, hub),
        (K.HUB, hub, customs),
        (K.IMPORT_CUSTOMS, customs, station),
        (K.LAST_MILE, station, destination.city),
    ]


def create_legs(*, shipment: Shipment, origin: Place, destination: Place) -> list[TrackingLeg]:
    """The shipment's legs for its current label, replacing any from an earlier (voided) label."""
    TrackingLeg.objects.filter(shipment=shipment).delete()
    return TrackingLeg.objects.bulk_create(
        [
            TrackingLeg(shipment=shipment, sequence=i, kind=kind, origin=frm[:120], destination=to[:120])
            for i, (kind, frm, to) in enumerate(leg_plan(origin=origin, destination=destination), start=1)
        ]
    )


def _leg_for(legs: list[TrackingLeg], *, status: str, stage: str) -> TrackingLeg | None:
    by_kind = {leg.kind: leg for leg in legs}
    kind = stage or STATUS_LEG.get(status)
    if kind in by_kind:
        return by_kind[kind]
    started = [leg for leg in legs if leg.started_at is not None]
    return started[-1] if started else (legs[0] if legs else None)


def _update_leg_times(legs: list[TrackingLeg], leg: TrackingLeg, *, status: str, at: dt.datetime, newest: bool) -> None:
    changed = []
    if leg.started_at is None or at < leg.started_at:
        leg.started_at = at
        changed.append(leg)
    if newest:
        # Reaching a leg ends the ones before it; delivery ends the last.
        for earlier in legs:
            if earlier.sequence < leg.sequence and earlier.ended_at is None:
                earlier.started_at = earlier.started_at or at
                earlier.ended_at = at
                changed.append(earlier)
        if status in (E.DELIVERED, E.RETURNED_TO_SENDER) and leg.ended_at is None:
            leg.ended_at = at
            changed.append(leg)
    if changed:
        TrackingLeg.objects.bulk_update(set(changed), ["started_at", "ended_at"])


# --- the shipment's machine -----------------------------------------------------------------------


# Statuses that mean the same shipment status wherever the shipment is.
_PLAIN_TARGETS = {
    E.EXPORT_CLEARED: S.IN_TRANSIT,
    E.CUSTOMS_HELD: S.CUSTOMS_HOLD,
    E.OUT_FOR_DELIVERY: S.OUT_FOR_DELIVERY,
    E.DELIVERY_ATTEMPTED: S.OUT_FOR_DELIVERY,  # still out: the courier comes back
    E.DELIVERED: S.DELIVERED,
    E.RETURNED_TO_SENDER: S.RETURNED_TO_SENDER,
}


def _target_status(status: str, stage: str, current: str) -> str | None:
    """The shipment status an event means, given where the shipment is; None: the event moves nothing."""
    if status in (E.AT_SORTING_FACILITY, E.IN_TRANSIT):
        if stage == K.HUB:
            return S.AT_HUB
        return S.CLEARED if stage == K.IMPORT_CUSTOMS and current == S.CUSTOMS_HOLD else S.IN_TRANSIT
    if status == E.PICKED_UP:
        return S.IN_TRANSIT if current == S.LABELLED else None
    if status in (E.CUSTOMS_RELEASED, E.DUTIES_PAID):
        # Released, or paid to be released, at the border: cleared. Duties paid at the door move nothing.
        return S.CLEARED if current == S.CUSTOMS_HOLD else None
    if status == E.EXCEPTION and stage != K.IMPORT_CUSTOMS:
        return S.EXCEPTION
    if status == E.EXCEPTION:  # an exception at import customs is a hold
        status = E.CUSTOMS_HELD
    return _PLAIN_TARGETS.get(status)


def _path(current: str, target: str) -> list[str] | None:
    """The shortest walk through the machine's carrier states from current to target (a missed scan in between)."""
    queue, seen = deque([(current, [])]), {current}
    while queue:
        state, walked = queue.popleft()
        for nxt in sorted(SHIPMENT_TRANSITIONS[state]):
            if nxt in seen or nxt not in HANDED_OVER:
                continue
            if nxt == target:
                return [*walked, nxt]
            seen.add(nxt)
            queue.append((nxt, [*walked, nxt]))
    return None


def _move(shipment: Shipment, *, target: str, at: dt.datetime, by) -> None:
    if shipment.status == S.LABELLED and shipment.is_return:
        # A return parcel takes no stock with it: the carrier has it, that is all.
        set_shipment_status(shipment=shipment, to=S.IN_TRANSIT)
        Shipment.objects.filter(pk=shipment.pk).update(handed_over_at=at)
        shipment.handed_over_at = at
    elif shipment.status == S.LABELLED:
        hand_over_shipment(shipment_id=shipment.pk, by=by)
        shipment.refresh_from_db()
        # The carrier's scan time, not the time we heard of it.
        Shipment.objects.filter(pk=shipment.pk).update(handed_over_at=at)
        shipment.handed_over_at = at
    if shipment.status not in HANDED_OVER or shipment.status == target:
        return
    path = _path(shipment.status, target)
    if path is None:
        logger.info(
            "Shipment %s: no way from %s to %s; event kept, status unchanged", shipment.pk, shipment.status, target
        )
        return
    for step in path:
        set_shipment_status(shipment=shipment, to=step)
    if target == S.DELIVERED:
        shipment.delivered_at = at
        shipment.save(update_fields=["delivered_at"])


# --- ingestion ------------------------------------------------------------------------------------


def _clean(
    *, tracking_number: str, status: str, occurred_at, location: str, description: str, stage: str, customs_reason: str
) -> None:
    if not tracking_number or len(tracking_number) > 40:
        raise InvalidTrackingEvent("tracking_number", "A tracking number of 1 to 40 characters is required.")
    if status not in E.values:
        raise InvalidTrackingEvent("status", f"Unknown status {status!r}; one of: {', '.join(E.values)}.")
    if not isinstance(occurred_at, dt.datetime) or occurred_at.tzinfo is None:
        raise InvalidTrackingEvent("occurred_at", "A date and time with its time zone is required.")
    if len(location) > 120:
        raise InvalidTrackingEvent("location", "At most 120 characters.")
    if len(description) > 240:
        raise InvalidTrackingEvent("description", "At most 240 characters.")
    if stage and stage not in K.values:
        raise InvalidTrackingEvent("stage", f"Unknown stage {stage!r}; one of: {', '.join(K.values)}.")
    if customs_reason and customs_reason not in TrackingEvent.CustomsReason.values:
        reasons = ", ".join(value for value in TrackingEvent.CustomsReason.values if value)
        raise InvalidTrackingEvent("customs_reason", f"Unknown customs reason {customs_reason!r}; one of: {reasons}.")


def shipment_id_for(tracking_number: str) -> int | None:
    """The shipment carrying this number: its label's, a parcel's, or the last-mile carrier's after a split."""
    return (
        Shipment.objects.filter(
            Q(tracking_number=tracking_number)
            | Q(parcels__tracking_number=tracking_number)
            | Q(consolidation_item__last_mile_tracking_number=tracking_number)
        )
        .values_list("pk", flat=True)
        .first()
    )


def ingest_tracking_event(
    *,
    tracking_number: str,
    status: str,
    occurred_at: dt.datetime,
    location: str = "",
    description: str = "",
    source: str = TrackingEvent.Source.CARRIER,
    stage: str = "",
    customs_reason: str = "",
    by=None,
) -> TrackingEvent:
    """Store a tracking event once and move its shipment; a repeat returns the stored event (`.duplicate` True)."""
    location, description = location.strip(), description.strip()
    _clean(
        tracking_number=tracking_number,
        status=status,
        occurred_at=occurred_at,
        location=location,
        description=description,
        stage=stage,
        customs_reason=customs_reason,
    )
    print_ = fingerprint(tracking_number=tracking_number, status=status, occurred_at=occurred_at, location=location)
    stored = TrackingEvent.objects.filter(fingerprint=print_).first()
    if stored is not None:
        stored.duplicate = True
        return stored
    shipment_id = shipment_id_for(tracking_number)
    if shipment_id is None:
        raise UnknownTrackingNumber(tracking_number)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        legs = list(TrackingLeg.objects.filter(shipment=shipment).order_by("sequence"))
        leg = _leg_for(legs, status=status, stage=stage)
        try:
            with transaction.atomic():
                event = TrackingEvent.objects.create(
                    shipment=shipment,
                    leg=leg,
                    tracking_number=tracking_number,
                    status=status,
                    occurred_at=occurred_at,
                    location=location,
                    description=description or E(status).label,
                    source=source,
                    customs_reason=customs_reason,
                    fingerprint=print_,
                )
        except IntegrityError:  # the same event, stored by a concurrent delivery meanwhile
            stored = TrackingEvent.objects.get(fingerprint=print_)
            stored.duplicate = True
            return stored
        event.duplicate = False
        numbers = _current_numbers(shipment)
        # Newest among the carrier's scans; our own label events are not a position (clocks differ).
        newest = not (
            TrackingEvent.objects.filter(shipment=shipment, tracking_number__in=numbers, occurred_at__gt=occurred_at)
            .exclude(pk=event.pk)
            .exclude(status__in=(E.LABEL_CREATED, E.VOIDED))
            .exists()
        )
        if leg is not None:
            _update_leg_times(legs, leg, status=status, at=occurred_at, newest=newest)
        target = _target_status(status, stage, shipment.status) if tracking_number in numbers else None
        if newest and target is not None:
            _move(shipment, target=target, at=occurred_at, by=by)
        if status == E.DUTIES_DUE and shipment.fulfillment_order_id is not None:
            # Not a move: the shopper learns the parcel will ask for import charges at the door.
            events.shipment_duties_due.publish(
                order_id=shipment.fulfillment_order.order_id,
                shipment_id=shipment.pk,
                tracking_number=shipment.tracking_number,
                description=event.description,
            )
    return event


class NotLabelled(TrackingError):
    """Only a labelled shipment can be handed to the carrier."""

    def __init__(self, shipment: Shipment) -> None:
        super().__init__(f"Shipment {shipment.pk} is {shipment.get_status_display().lower()}, not labelled.")
        self.shipment_id = shipment.pk
        self.status = shipment.status


def hand_over_to_carrier(*, shipment_id: int, by=None) -> TrackingEvent:
    """Staff gave a labelled shipment to the carrier: a picked-up scan, so hand-over, timeline and email follow."""
    shipment = Shipment.objects.select_related("fulfillment_order__warehouse").get(pk=shipment_id)
    if shipment.status != S.LABELLED:
        raise NotLabelled(shipment)
    warehouse = shipment.fulfillment_order.warehouse
    return ingest_tracking_event(
        tracking_number=shipment.tracking_number,
        status=E.PICKED_UP,
        occurred_at=timezone.now(),
        location=f"{warehouse.city}, {warehouse.country}",
        description="Handed over to the carrier",
        source=TrackingEvent.Source.STAFF,
        by=by,
    )


def _current_numbers(shipment: Shipment) -> set[str]:
    numbers = set(shipment.parcels.exclude(tracking_number="").values_list("tracking_number", flat=True))
    if shipment.tracking_number:
        numbers.add(shipment.tracking_number)
    # After the split of its master, the last-mile carrier scans it under its own number.
    numbers.update(
        ConsolidationItem.objects.filter(shipment=shipment)
        .exclude(last_mile_tracking_number="")
        .values_list("last_mile_tracking_number", flat=True)
    )
    return numbers
