"""Demo lanes, hubs and consolidations for `seed_demo`, one consolidation in each state.

Hubs: the seeded Hong Kong hub (fed by Shenzhen) and a JFK export hub (fed by the US fulfillment centres);
lanes US -> GB, US -> DE (and Austria, the Netherlands), CN -> US, CN -> GB, with realistic cut-offs, airlines
and last-mile carriers. Then cross-border demo orders are paid and labelled like the others (labelling puts
each parcel in its lane's open consolidation), and each consolidation is taken to its state through the same
services staff, the beat and the airline's scans use: open (left taking parcels), closed, tendered, departed,
arrived, held at import customs (one parcel pulled out), cleared, split (parcels with their last-mile numbers)
and done (every parcel delivered). Idempotent: skipped once any consolidation exists.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from fulfillment.models import Consolidation, ConsolidationItem, Lane, MasterScan, Shipment, TrackingEvent, Warehouse
from fulfillment.services.consolidation import close_consolidation, finish_split_consolidations
from fulfillment.services.master_scans import (
    pull_out_of_consolidation,
    record_master_scan,
    split_consolidation,
    tender_consolidation,
)
from fulfillment.simulation import Chances, ingest_scan, next_scan
from marketplace.demo_orders import (
    ADDRESSES,
    DemoOrder,
    _sellable,
    _ships_only_from_abroad,
    advance_demo_order,
    paid_demo_order,
)
from marketplace.outbox import deliver_pending
from shop.models import Variant

SEED = 31
C = Consolidation.Status
M = MasterScan.Kind
CALM = Chances(delay=0, customs_hold=0, missed_delivery=0, refused_charges=0)

JFK_HUB = (
    "US-JFK-HUB", "JFK Export Consolidation Hub", "230-59 Rockaway Boulevard", "Jamaica", "NY", "11413", "US",
)  # fmt: skip
# code, name, hub code, origin countries, destinations, service, airport, airline, prefix, gateway, gateway city,
# last-mile carrier, its S10 prefix, flight hours, cut-offs, hub time zone, max parcels, max kg
LANES = (
    ("US-GB-POSTAL", "New York to the United Kingdom", "US-JFK-HUB", "US", "GB", "postal", "JFK",
     "Atlantic Cargo Airways", "176", "LHR", "London", "Royal Mail Tracked 48", "RM", 7, "12:00, 19:00",
     "America/New_York", 600, 450),
    ("US-GB-EXPRESS", "New York to the United Kingdom, express", "US-JFK-HUB", "US", "GB", "express", "JFK",
     "Atlantic Cargo Airways", "176", "LHR", "London", "Parcelforce Express 24", "PF", 7, "16:00",
     "America/New_York", 300, 300),
    ("US-DE-POSTAL", "New York to Germany, Austria and the Netherlands", "US-JFK-HUB", "US", "DE AT NL", "postal",
     "JFK", "Lufthansa Cargo", "020", "FRA", "Frankfurt", "DHL Paket", "DP", 8, "18:00", "America/New_York",
     600, 450),
    ("CN-US-POSTAL", "Shenzhen to the United States", "HK-HUB", "CN HK", "US", "postal", "HKG",
     "Cathay Cargo", "160", "LAX", "Los Angeles", "USPS Ground Advantage", "LA", 13, "10:00, 22:00",
     "Asia/Hong_Kong", 800, 600),
    ("CN-GB-POSTAL", "Shenzhen to the United Kingdom", "HK-HUB", "CN HK", "GB", "postal", "HKG",
     "Cathay Cargo", "160", "LHR", "London", "Royal Mail Tracked 48", "RM", 13, "22:00", "Asia/Hong_Kong",
     800, 600),
)  # fmt: skip
# Each state and the destinations of the parcels sent to it (several parcels: several on the manifest).
PLAN = (
    (C.DONE, ("GB",)),
    (C.SPLIT, ("GB", "GB")),
    (C.CUSTOMS_CLEARED, ("DE",)),
    (C.CUSTOMS_HELD, ("GB", "GB")),
    (C.ARRIVED, ("DE",)),
    (C.DEPARTED, ("GB",)),
    (C.TENDERED, ("DE",)),
    (C.CLOSED, ("GB",)),
    (C.OPEN, ("GB", "DE")),  # last: left open, taking parcels
)


def seed_lanes(report) -> list[Lane]:
    """The hubs and lanes (once each)."""
    code, name, line1, city, region, postal_code, country = JFK_HUB
    _, made = Warehouse.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": Warehouse.Kind.CONSOLIDATION_HUB,
            "address_line1": line1,
            "city": city,
            "region": region,
            "postal_code": postal_code,
            "country": country,
        },
    )
    if made:
        report.add("consolidation hubs")
    hubs = {w.code: w for w in Warehouse.objects.filter(kind=Warehouse.Kind.CONSOLIDATION_HUB)}
    lanes = []
    for row in LANES:
        (code, name, hub_code, origins, destinations, service, airport, airline, prefix, gateway, gateway_city,
         last_mile, last_mile_prefix, hours, cutoffs, tz, max_parcels, max_kg) = row  # fmt: skip
        if hub_code not in hubs:
            continue
        lane, made = Lane.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "origin_hub": hubs[hub_code],
                "origin_countries": origins,
                "destination_countries": destinations,
                "service": service,
                "departure_airport": airport,
                "airline_name": airline,
                "airline_prefix": prefix,
                "import_gateway": gateway,
                "import_gateway_city": gateway_city,
                "last_mile_carrier": last_mile,
                "last_mile_prefix": last_mile_prefix,
                "flight_hours": hours,
                "cutoff_times": cutoffs,
                "hub_timezone": tz,
                "max_parcels": max_parcels,
                "max_weight_grams": max_kg * 1000,
            },
        )
        if made:
            report.add("lanes")
        lanes.append(lane)
    return lanes


def seed_consolidations(report, *, shopper, by) -> list[Consolidation]:
    """Lanes, then demo parcels in consolidations in every state (once); returns the consolidations."""
    seed_lanes(report)
    if Consolidation.objects.exists():
        return []
    rng = random.Random(SEED)
    variants = list(
        # Stocked in Newark, so the parcels of one state leave from one country and share a master.
        Variant.objects.filter(
            is_active=True,
            product__status="active",
            currency="USD",
            stocks__quantity__gte=5,
            stocks__warehouse__code="US-NJ1",
        )
        .exclude(stocks__warehouse__country="CN")
        .select_related("product__seller__customs_profile")
        .distinct()
        .order_by("pk")[:80]
    )
    made = []
    for state, destinations in PLAN:
        items = []
        for destination in destinations:
            plan = DemoOrder("labelled", destination)
            pool = [
                v for v in _sellable(variants, to=ADDRESSES[destination].country) if _ships_only_from_abroad(v, plan)
            ]
            order = paid_demo_order(plan, shopper=shopper, rng=rng, tags=[], variants=pool)
            if order is None:
                continue
            advance_demo_order(order, "labelled", by=by)  # labelling puts each parcel in its lane's consolidation
            report.add("consolidated orders")
            items += list(
                ConsolidationItem.objects.filter(shipment__fulfillment_order__order_id=order.pk).select_related(
                    "consolidation"
                )
            )
        for consolidation in {item.consolidation_id: item.consolidation for item in items}.values():
            _take_to(consolidation, state, by=by)
            made.append(consolidation)
            report.add("consolidations")
    deliver_pending()  # the shop's timelines, even inside a caller's transaction (tests)
    return made


def _take_to(consolidation: Consolidation, state: str, *, by) -> None:
    """Move a consolidation to `state` through the services, its scans a few minutes apart from now."""
    if state == C.OPEN:
        return
    close_consolidation(consolidation_id=consolidation.pk, reason=Consolidation.CloseReason.CUTOFF)
    rank = list(C.values)
    if rank.index(state) < rank.index(C.TENDERED):
        return
    at = timezone.now()
    tender_consolidation(consolidation_id=consolidation.pk, at=at)
    steps = [(C.DEPARTED, M.DEPARTED), (C.ARRIVED, M.ARRIVED)]
    for i, (reached, kind) in enumerate(steps, start=1):
        if rank.index(state) < rank.index(reached):
            return
        record_master_scan(consolidation_id=consolidation.pk, kind=kind, occurred_at=at + dt.timedelta(minutes=i))
    if state == C.CUSTOMS_HELD:
        _hold_and_pull_one_out(consolidation, at=at + dt.timedelta(minutes=3), by=by)
        return
    if state == C.ARRIVED:
        return
    record_master_scan(
        consolidation_id=consolidation.pk, kind=M.CUSTOMS_CLEARED, occurred_at=at + dt.timedelta(minutes=3)
    )
    if state == C.CUSTOMS_CLEARED:
        return
    split_consolidation(consolidation_id=consolidation.pk, at=at + dt.timedelta(minutes=4))
    if state == C.DONE:
        for shipment in Shipment.objects.filter(consolidation_item__consolidation=consolidation):
            _carry_to_the_door(shipment)
        finish_split_consolidations()


def _hold_and_pull_one_out(consolidation: Consolidation, *, at: dt.datetime, by) -> None:
    """Customs hold the consignment naming its parcels; staff pull the first out, the others wait with it."""
    items = list(
        ConsolidationItem.objects.filter(consolidation=consolidation).select_related("shipment").order_by("pk")
    )
    record_master_scan(
        consolidation_id=consolidation.pk,
        kind=M.CUSTOMS_HELD,
        occurred_at=at,
        held_tracking_numbers=[item.shipment.tracking_number for item in items],
        customs_reason=TrackingEvent.CustomsReason.VALUE_QUERIED,
    )
    if len(items) > 1:
        pull_out_of_consolidation(item_id=items[0].pk, by=by)


def _carry_to_the_door(shipment: Shipment) -> None:
    """The last-mile carrier's simulated scans, a minute apart, until delivered."""
    rng = random.Random(f"{SEED}:{shipment.pk}")
    for _ in range(10):
        shipment.refresh_from_db()
        last = (
            TrackingEvent.objects.filter(shipment=shipment).select_related("leg").order_by("occurred_at", "id").last()
        )
        scan = next_scan(shipment=shipment, last=last, rng=rng, chances=CALM)
        if scan is None:
            return
        ingest_scan(shipment=shipment, scan=scan, at=last.occurred_at + dt.timedelta(minutes=1))
