"""A SIMULATED carrier network for the built-in carriers (they are not real carriers: nobody picks anything up).

Every shipment labelled by a built-in carrier is moved one scan at a time, when its
`next_simulated_at` is due: picked up -> at the sorting facility -> in transit -> (across a border:
export, international hub, import customs, sometimes held there then cleared) -> out for delivery
-> delivered, with a small chance of a delay (exception) or a missed delivery (attempted). Across a
border: export cleared, import customs (sometimes held with a reason, then released), and for a DAP
parcel "import charges to pay on delivery", paid at the door (or refused: returned to sender). Each
scan goes through `ingest_tracking_event`, the same door a real carrier's webhook uses.

The pace is `CARRIER_SIMULATION_STEP_SECONDS` (seconds between scans; fast under DEBUG). Tests pass
`now` and `seed` so that every run takes the same path.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from fulfillment.carriers.builtin import DomesticExpress, DomesticGround, InternationalExpress, InternationalPostal
from fulfillment.models import Consolidation, ConsolidationItem, Shipment, TrackingEvent, TrackingLeg
from fulfillment.services.tracking import ingest_tracking_event

logger = logging.getLogger(__name__)
S = Shipment.Status
E = TrackingEvent.Status
R = TrackingEvent.CustomsReason
K = TrackingLeg.Kind

SIMULATED_CARRIERS = {c.code for c in (DomesticGround, DomesticExpress, InternationalPostal, InternationalExpress)}
ACTIVE = {S.LABELLED, S.IN_TRANSIT, S.AT_HUB, S.CUSTOMS_HOLD, S.CLEARED, S.OUT_FOR_DELIVERY, S.EXCEPTION}


@dataclass(frozen=True)
class Chances:
    """How often the network misbehaves, per scan where it can."""

    delay: float = 0.03  # an exception on the line haul
    customs_hold: float = 0.10
    missed_delivery: float = 0.05
    refused_charges: float = 0.10  # DAP: the buyer will not pay the import charges at the door


@dataclass(frozen=True)
class Scan:
    status: str
    stage: str
    description: str
    location: str
    customs_reason: str = ""


def step_seconds() -> int:
    return int(getattr(settings, "CARRIER_SIMULATION_STEP_SECONDS", 4 * 3600))


def first_step_at(*, carrier_code: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a freshly labelled shipment gets its first simulated scan; None for a real carrier."""
    if carrier_code not in SIMULATED_CARRIERS:
        return None
    return (now or timezone.now()) + dt.timedelta(seconds=step_seconds())


@dataclass(frozen=True)
class Route:
    origin: str  # the warehouse's city
    dest: str  # the shopper's city (never the street or the name)
    dest_country: str
    international: bool
    start: str = "fulfillment centre"  # a return starts at a drop-off point
    dap: bool = False  # the buyer pays import charges at the door


def route_of(shipment: Shipment) -> Route:
    """Warehouse to shopper; for a return, the shopper's town to the returns centre."""
    if shipment.is_return:
        inbound = shipment.inbound_return
        warehouse, country = inbound.warehouse, str(inbound.warehouse.country).upper()
        international = str(inbound.ship_country).upper() != country
        return Route(inbound.ship_city, f"{warehouse.city} returns centre", country, international, "drop-off point")
    warehouse, order = shipment.fulfillment_order.warehouse, shipment.fulfillment_order.order
    dest_country = str(order.ship_country).upper()
    international = str(warehouse.country).upper() != dest_country
    return Route(
        warehouse.city, order.ship_city, dest_country, international, dap=international and order.incoterm == "DAP"
    )


def _picked_up(r: Route) -> Scan:
    if r.start != "fulfillment centre":
        return Scan(E.PICKED_UP, K.FIRST_MILE, "Dropped off by the shopper", f"{r.origin} {r.start}")
    return Scan(E.PICKED_UP, K.FIRST_MILE, "Picked up by the carrier", f"{r.origin} {r.start}")


def _at_sorting(r: Route) -> Scan:
    return Scan(E.AT_SORTING_FACILITY, K.LINE_HAUL, "Arrived at the sorting facility", f"{r.origin} sorting facility")


def _departed(r: Route) -> Scan:
    if r.international:
        return Scan(E.EXPORT_CLEARED, K.EXPORT, "Export cleared, departed the country", f"{r.origin} export gateway")
    return Scan(E.IN_TRANSIT, K.LINE_HAUL, "In transit to the destination area", f"{r.dest} regional facility")


def _at_hub(r: Route) -> Scan:
    return Scan(E.IN_TRANSIT, K.HUB, "Arrived at the international hub", "International hub")


def _at_customs(r: Route) -> Scan:
    return Scan(E.IN_TRANSIT, K.IMPORT_CUSTOMS, "Arrived at import customs", f"{r.dest_country} import customs")


def _cleared(r: Route) -> Scan:
    if r.dap:
        return Scan(
            E.DUTIES_DUE,
            K.IMPORT_CUSTOMS,
            "Cleared customs: import charges to pay on delivery",
            f"{r.dest_country} import customs",
        )
    return Scan(
        E.CUSTOMS_RELEASED,
        K.IMPORT_CUSTOMS,
        "Cleared customs: duties and taxes were paid at checkout",
        f"{r.dest_country} import customs",
    )


def _released(r: Route) -> Scan:
    return Scan(E.CUSTOMS_RELEASED, K.IMPORT_CUSTOMS, "Released by customs", f"{r.dest_country} import customs")


def _out_for_delivery(r: Route) -> Scan:
    return Scan(E.OUT_FOR_DELIVERY, K.LAST_MILE, "Out for delivery", f"{r.dest} delivery station")


def _delivered(r: Route) -> Scan:
    return Scan(E.DELIVERED, K.LAST_MILE, "Delivered", r.dest)


# The scan after (last status, last leg); "" matches any leg. Anything else goes out for delivery.
_NEXT = {
    (E.LABEL_CREATED, ""): _picked_up,
    (E.VOIDED, ""): _picked_up,
    (E.PICKED_UP, ""): _at_sorting,
    (E.AT_SORTING_FACILITY, ""): _departed,
    (E.IN_TRANSIT, K.EXPORT): _at_hub,
    (E.EXPORT_CLEARED, ""): _at_hub,
    (E.IN_TRANSIT, K.HUB): _at_customs,
    (E.IN_TRANSIT, K.IMPORT_CUSTOMS): _cleared,
    (E.EXCEPTION, K.IMPORT_CUSTOMS): _released,
    (E.CUSTOMS_HELD, ""): _released,
    (E.CUSTOMS_RELEASED, ""): lambda r: _cleared(r) if r.dap else _out_for_delivery(r),
    (E.DUTIES_PAID, ""): _delivered,
    (E.DELIVERY_ATTEMPTED, ""): lambda r: Scan(E.DELIVERED, K.LAST_MILE, "Delivered on the second attempt", r.dest),
}


def _mishap(status: str, stage: str, *, shipment_status: str, r: Route, rng: random.Random, chances: Chances):
    """A delay, a customs hold or a missed delivery, when the dice say so; else None."""
    if status == E.IN_TRANSIT and stage == K.IMPORT_CUSTOMS and shipment_status != S.CLEARED:
        if rng.random() < chances.customs_hold:
            reason = rng.choice((R.DOCUMENTS_MISSING, R.VALUE_QUERIED))
            return Scan(
                E.CUSTOMS_HELD,
                K.IMPORT_CUSTOMS,
                f"Held at import customs: {R(reason).label.lower()}",
                f"{r.dest_country} import customs",
                customs_reason=reason,
            )
    elif status == E.IN_TRANSIT and stage == K.LINE_HAUL:
        if rng.random() < chances.delay:
            return Scan(E.EXCEPTION, K.LINE_HAUL, "Delayed in transit (weather)", f"{r.dest} regional facility")
    elif status == E.OUT_FOR_DELIVERY:
        return _at_the_door(r, rng, chances)
    return None


def _at_the_door(r: Route, rng: random.Random, chances: Chances) -> Scan:
    if rng.random() < chances.missed_delivery:
        return Scan(E.DELIVERY_ATTEMPTED, K.LAST_MILE, "Delivery attempted: nobody was in", r.dest)
    if not r.dap:
        return _delivered(r)
    if rng.random() < chances.refused_charges:
        return Scan(E.RETURNED_TO_SENDER, K.LAST_MILE, "Refused: the import charges were not paid; returning", r.dest)
    return Scan(E.DUTIES_PAID, K.LAST_MILE, "Import charges paid at the door", r.dest)


def waiting_master(shipment: Shipment) -> ConsolidationItem | None:
    """The parcel's place in a master not yet split (it flies with the master), else None."""
    try:
        item = shipment.consolidation_item
    except ConsolidationItem.DoesNotExist:
        return None
    if item.pulled_out_at is not None or item.last_mile_tracking_number:
        return None
    return item if item.consolidation.status not in (Consolidation.Status.SPLIT, Consolidation.Status.DONE) else None


def _to_the_export_hub(status: str, item: ConsolidationItem) -> Scan | None:
    """A consolidated parcel goes on its own only as far as the export hub; the master takes it from there."""
    hub = item.consolidation.lane.origin_hub
    if status in (E.LABEL_CREATED, E.VOIDED):
        return Scan(E.PICKED_UP, K.LINE_HAUL, "Picked up for the line haul to the export hub", "fulfillment centre")
    if status == E.PICKED_UP:
        return Scan(
            E.AT_SORTING_FACILITY, K.HUB, f"Arrived at {hub.name}, waiting for its consolidated flight",
            hub.name[:120],
        )  # fmt: skip
    return None


def next_scan(
    *, shipment: Shipment, last: TrackingEvent | None, rng: random.Random, chances: Chances = Chances()
) -> Scan | None:
    """The scan that follows the last one on this shipment's route; None once it has arrived (or waits for its
    master: the simulated line haul moves masters, fulfillment.simulated_linehaul)."""
    route = route_of(shipment)
    status = last.status if last is not None else E.LABEL_CREATED
    stage = last.leg.kind if last is not None and last.leg is not None else ""
    if status in (E.DELIVERED, E.RETURNED_TO_SENDER):
        return None
    item = waiting_master(shipment)
    if item is not None:
        return _to_the_export_hub(status, item)
    mishap = _mishap(status, stage, shipment_status=shipment.status, r=route, rng=rng, chances=chances)
    if mishap is not None:
        return mishap
    step = _NEXT.get((status, stage)) or _NEXT.get((status, ""), _out_for_delivery)
    return step(route)


def _due(now: dt.datetime, limit: int) -> list[Shipment]:
    return list(
        Shipment.objects.filter(carrier__in=SIMULATED_CARRIERS, status__in=ACTIVE, next_simulated_at__lte=now)
        .exclude(tracking_number="")
        .select_related(
            "fulfillment_order__warehouse",
            "fulfillment_order__order",
            "inbound_return__warehouse",
            "consolidation_item__consolidation__lane__origin_hub",
        )
        .prefetch_related(
            Prefetch("tracking_events", TrackingEvent.objects.select_related("leg").order_by("occurred_at", "id"))
        )
        .order_by("next_simulated_at", "pk")[:limit]
    )


def _current_number(shipment: Shipment) -> str:
    """After its master's split, the last-mile carrier scans the parcel under its own number."""
    try:
        return shipment.consolidation_item.last_mile_tracking_number or shipment.tracking_number
    except ConsolidationItem.DoesNotExist:
        return shipment.tracking_number


def ingest_scan(*, shipment: Shipment, scan: Scan, at: dt.datetime) -> TrackingEvent:
    """Record a simulated scan of the shipment at `at`, through the same door as a carrier's events."""
    return ingest_tracking_event(
        tracking_number=_current_number(shipment),
        status=scan.status,
        occurred_at=at,
        location=scan.location[:120],
        description=scan.description,
        source=TrackingEvent.Source.SIMULATION,
        stage=scan.stage,
        customs_reason=scan.customs_reason,
    )


def advance(
    *, now: dt.datetime | None = None, seed: int | None = None, chances: Chances = Chances(), limit: int = 500
) -> list[TrackingEvent]:
    """One simulated scan for each built-in-carrier shipment whose next scan is due; returns the scans."""
    now = now or timezone.now()
    pace = step_seconds()
    seed = seed if seed is not None else getattr(settings, "CARRIER_SIMULATION_SEED", None)
    scans = []
    for shipment in _due(now, limit):
        events = list(shipment.tracking_events.all())
        last = events[-1] if events else None
        # One generator per shipment and step: the same seed gives the same route whatever else is due.
        rng = random.Random(f"{seed}:{shipment.pk}:{len(events)}") if seed is not None else random.Random()
        scan = next_scan(shipment=shipment, last=last, rng=rng, chances=chances)
        if scan is None:
            Shipment.objects.filter(pk=shipment.pk).update(next_simulated_at=None)
            continue
        at = now if last is None or now > last.occurred_at else last.occurred_at + dt.timedelta(seconds=1)
        try:
            event = ingest_scan(shipment=shipment, scan=scan, at=at)
        except Exception:  # one broken shipment must not stop the network for the others
            logger.exception("Simulated scan of shipment %s failed", shipment.pk)
            Shipment.objects.filter(pk=shipment.pk).update(next_simulated_at=now + dt.timedelta(seconds=pace))
            continue
        arrived = scan.status in (E.DELIVERED, E.RETURNED_TO_SENDER)
        jitter = rng.uniform(0.75, 1.25)
        Shipment.objects.filter(pk=shipment.pk).update(
            next_simulated_at=None if arrived else now + dt.timedelta(seconds=pace * jitter)
        )
        scans.append(event)
    return scans
