"""Data for bench/consolidation.py: a fulfillment centre, hubs, 20 lanes, and labelled parcels abroad in bulk.

Imported after django.setup(). Parcels are written with bulk_create in the state buying their label leaves them
(fulfillment.services.labels): a `labelled` shipment with its parcel, its live label and its customs document
(the electronic record the manifest and the master's declarations read), its fulfillment order in progress,
no consolidation yet. `consolidate_labelled_parcel` then does what buying the label does for a parcel abroad.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from fulfillment.carriers.tracking_numbers import make_s10
from fulfillment.models import (
    Consolidation,
    ConsolidationItem,
    CustomsDocument,
    FulfillmentOrder,
    Lane,
    MasterScan,
    OutboundOrder,
    Parcel,
    Shipment,
    ShippingLabel,
    TrackingEvent,
    Warehouse,
)

DESTINATIONS = ["GB", "IE", "FR", "DE", "NL", "BE", "AT", "ES", "IT", "SE",
                "PL", "JP", "KR", "SG", "AU", "NZ", "CA", "MX", "CH", "DK"]  # fmt: skip
_serial = count(1)


def build_network(*, max_parcels: int) -> tuple[Warehouse, list[Lane]]:
    """A US fulfillment centre, two export hubs, one postal lane per destination (20), cut-offs far away."""
    centre = Warehouse.objects.create(
        code="BENCH-FC", name="Bench FC", address_line1="1 Dock Road", city="Newark", postal_code="07102", country="US"
    )
    hubs = [
        Warehouse.objects.create(
            code=f"BENCH-HUB{i}", name=f"Bench hub {i}", kind=Warehouse.Kind.CONSOLIDATION_HUB,
            address_line1="1 Cargo Road", city=city, postal_code="11430", country="US",
        )
        for i, city in enumerate(("Jamaica", "Los Angeles"))
    ]  # fmt: skip
    # The cut-off is twelve hours away in the hub's time zone: nothing closes by the clock during the bench.
    cutoff = (dt.datetime.now(tz=ZoneInfo("America/New_York")) + dt.timedelta(hours=12)).strftime("%H:%M")
    lanes = Lane.objects.bulk_create(
        [
            Lane(
                code=f"US-{country}", name=f"US to {country}", origin_hub=hubs[i % 2], destination_countries=country,
                service=Lane.Service.POSTAL, departure_airport="JFK", airline_name="Bench Air", airline_prefix="176",
                import_gateway=f"{country}G", import_gateway_city=f"{country} gateway", last_mile_carrier="Post",
                last_mile_prefix="LM", cutoff_times=cutoff, hub_timezone="America/New_York",
                max_parcels=max_parcels, max_weight_grams=max_parcels * 2_000,
            )
            for i, country in enumerate(DESTINATIONS)
        ]
    )  # fmt: skip
    return centre, lanes


def _record(number: str, country: str, value: Decimal) -> dict:
    return {
        "schema": "marketplace.customs.v1",
        "document": "cn22",
        "shipment": {"tracking_number": number, "currency": "USD", "total_value": f"{value:.2f}"},
        "items": [{"description": "Cotton t-shirt", "quantity": 1, "value": f"{value:.2f}", "hs_code": "610910",
                   "origin_country": "PT"}],
        "importer": {"country": country},
    }  # fmt: skip


def labelled_parcels(centre: Warehouse, count_: int, rng: random.Random, *, to: str = "") -> list[int]:
    """`count_` labelled postal parcels from the centre, spread over the 20 destinations (or all `to` one of
    them); their shipment ids."""
    with transaction.atomic():
        start = next(_serial) * 1_000_000
        orders = OutboundOrder.objects.bulk_create(
            [
                OutboundOrder(
                    id=start + i, number=f"B{start + i}", currency="USD", ship_name="Bench Shopper",
                    ship_line1="1 High Street", ship_city="Capital", ship_postal_code="1000",
                    ship_country=to or DESTINATIONS[i % len(DESTINATIONS)], incoterm="DDP",
                )
                for i in range(count_)
            ],
            batch_size=2000,
        )  # fmt: skip
        fulfillment_orders = FulfillmentOrder.objects.bulk_create(
            [FulfillmentOrder(order=o, warehouse=centre, status=FulfillmentOrder.Status.IN_PROGRESS) for o in orders],
            batch_size=2000,
        )
        numbers = [make_s10("LX", (start + i) % 100_000_000, "US") for i in range(count_)]
        shipments = Shipment.objects.bulk_create(
            [
                Shipment(
                    fulfillment_order=fo, status=Shipment.Status.LABELLED, carrier="intl_postal", service="postal",
                    tracking_number=number,
                )
                for fo, number in zip(fulfillment_orders, numbers, strict=True)
            ],
            batch_size=2000,
        )  # fmt: skip
        Parcel.objects.bulk_create(
            [
                Parcel(shipment=s, weight_grams=rng.randint(200, 1_800), length_mm=300, width_mm=200, height_mm=100,
                       tracking_number=s.tracking_number)
                for s in shipments
            ],
            batch_size=2000,
        )  # fmt: skip
        labels = ShippingLabel.objects.bulk_create(
            [
                ShippingLabel(shipment=s, carrier="intl_postal", service="postal", tracking_number=s.tracking_number,
                              amount=Decimal("9.50"), currency="USD", pdf=f"labels/bench/{s.tracking_number}.pdf")
                for s in shipments
            ],
            batch_size=2000,
        )  # fmt: skip
        CustomsDocument.objects.bulk_create(
            [
                CustomsDocument(
                    shipment=s, label=label, kind="cn22", pdf=f"customs/bench/{s.tracking_number}.pdf",
                    record=_record(s.tracking_number, str(o.ship_country), Decimal(rng.randint(500, 15_000)) / 100),
                )
                for s, label, o in zip(shipments, labels, orders, strict=True)
            ],
            batch_size=2000,
        )  # fmt: skip
    return [s.pk for s in shipments]


def consolidated_count(shipment_ids: list[int]) -> int:
    return ConsolidationItem.objects.filter(shipment_id__in=shipment_ids).count()


def consolidations_of(shipment_ids: list[int]) -> list[int]:
    return sorted(
        set(ConsolidationItem.objects.filter(shipment_id__in=shipment_ids).values_list("consolidation_id", flat=True))
    )


def count_in(consolidation_ids: list[int], status: str) -> int:
    return Consolidation.objects.filter(pk__in=consolidation_ids, status=status).count()


def round_state(shipment_ids: list[int], consolidation_ids: list[int], lanes: list[Lane]) -> dict:
    """What must hold after a round: every parcel consolidated, flown and split once; masters within capacity."""
    items = ConsolidationItem.objects.filter(shipment_id__in=shipment_ids)
    capacity = {lane.pk: lane.max_parcels for lane in lanes}
    over = [
        c
        for c in Consolidation.objects.filter(pk__in=consolidation_ids).annotate(n=Count("items"))
        if c.n > capacity[c.lane_id] or c.weight_grams > capacity[c.lane_id] * 2_000
    ]
    events = TrackingEvent.objects.filter(shipment_id__in=shipment_ids, source=TrackingEvent.Source.CARRIER)
    per_kind = dict(
        MasterScan.objects.filter(consolidation_id__in=consolidation_ids)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return {
        "parcels": len(shipment_ids),
        "consolidated": items.count(),
        "masters": len(consolidation_ids),
        "masters split": count_in(consolidation_ids, Consolidation.Status.SPLIT),
        "masters over capacity": len(over),
        "master scans per kind": per_kind,
        "parcels with a last-mile number": items.exclude(last_mile_tracking_number="").count(),
        "parcels in transit after the split": Shipment.objects.filter(
            pk__in=shipment_ids, status=Shipment.Status.IN_TRANSIT
        ).count(),
        "master-scan events": events.count(),
        "master-scan events twice on a parcel": events.values("shipment_id", "status", "occurred_at")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count(),
        "legs without start": Shipment.objects.filter(pk__in=shipment_ids)
        .filter(Q(legs__kind="export", legs__started_at__isnull=True))
        .count(),
        "at": timezone.now().isoformat(timespec="seconds"),
    }
