"""Demo cross-border orders for `seed_demo`, one in each clearance state.

Parcels from a fulfillment centre abroad to the demo shopper in London and Berlin: in transit abroad (export
cleared, at the international hub), held at import customs (documents missing: on the staff queue), released
by staff with the declaration sent again, DAP with import charges due at the door (out for delivery),
delivered abroad (charges paid at the door) and refused at the door (returned to sender). Each order is
checked out and paid like the other demo orders (`marketplace.demo_orders`), labelled with its customs
declaration, then carried scan by scan by the carrier simulation with fixed seeds and chances; the hold is a
carrier scan with its reason and the release goes through the staff service. Idempotent: skipped once any
shipment has been held at customs.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from fulfillment.models import CustomsDocument, OutboundOrder, Shipment, TrackingEvent
from fulfillment.services.clearance import release_from_customs
from fulfillment.services.tracking import hand_over_to_carrier, ingest_tracking_event
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
from shop.models import Order, Variant

SEED = 23
MAX_SCANS = 20
E = TrackingEvent.Status
# No delay, no random hold, nobody out at the door; whether a DAP shopper pays is set per order.
PAYS = Chances(delay=0, customs_hold=0, missed_delivery=0, refused_charges=0)
REFUSES = Chances(delay=0, customs_hold=0, missed_delivery=0, refused_charges=1)


@dataclass(frozen=True)
class ClearanceDemo:
    """One cross-border demo order: where it goes, who pays the import charges, where its parcel stops."""

    state: str
    address: str  # a key of marketplace.demo_orders.ADDRESSES
    incoterm: str  # DDP: paid at checkout; DAP: the shopper pays at the door
    chances: Chances = PAYS


PLAN = (
    ClearanceDemo("in_transit_abroad", "GB", "DDP"),
    ClearanceDemo("held_documents_missing", "GB", "DDP"),
    ClearanceDemo("released_by_staff", "DE", "DDP"),
    ClearanceDemo("duties_due", "DE", "DAP"),
    ClearanceDemo("delivered_abroad", "DE", "DAP"),
    ClearanceDemo("refused_at_the_door", "GB", "DAP", REFUSES),
)


def _at(status: str, leg: str) -> Callable[[TrackingEvent], bool]:
    return lambda event: event.status == status and event.leg is not None and event.leg.kind == leg


# Where each parcel stops (checked before each next scan); None: until the network has no next scan.
STOP_AT = {
    "in_transit_abroad": _at(E.IN_TRANSIT, "hub"),
    "held_documents_missing": _at(E.IN_TRANSIT, "import_customs"),
    "released_by_staff": _at(E.IN_TRANSIT, "import_customs"),
    "duties_due": lambda event: event.status == E.OUT_FOR_DELIVERY,
    "delivered_abroad": None,
    "refused_at_the_door": None,
}


def seed_clearance_orders(report, *, shopper, by) -> list[Order]:
    """Create the cross-border demo orders (once), one per clearance state; returns them."""
    if TrackingEvent.objects.filter(status=E.CUSTOMS_HELD).exists():
        return []
    rng = random.Random(SEED)
    variants = list(
        Variant.objects.filter(is_active=True, product__status="active", currency="USD", stocks__quantity__gte=5)
        .select_related("product__seller__customs_profile")
        .distinct()
        .order_by("pk")[:80]
    )
    orders = []
    for plan in PLAN:
        demo = DemoOrder("labelled", plan.address)
        pool = [v for v in _sellable(variants, to=_country(plan)) if _ships_only_from_abroad(v, demo)]
        order = paid_demo_order(demo, shopper=shopper, rng=rng, tags=[], variants=pool)
        if order is None:
            continue
        # The shop does not yet say who pays at the border: the demo tells fulfillment's copy before the label.
        OutboundOrder.objects.filter(pk=order.pk).update(incoterm=plan.incoterm)
        advance_demo_order(order, "labelled", by=by)
        for shipment in Shipment.objects.filter(fulfillment_order__order=order.pk).order_by("pk"):
            hand_over_to_carrier(shipment_id=shipment.pk, by=by)
            last = _carry(shipment, stop=STOP_AT[plan.state], chances=plan.chances)
            if plan.state in ("held_documents_missing", "released_by_staff"):
                _hold(shipment, last=last, reason="documents_missing" if "held" in plan.state else "value_queried")
            if plan.state == "released_by_staff":
                _release(shipment, by=by)
        orders.append(order)
        report.add("cross-border orders")
    deliver_pending()  # the shop's timelines and statuses, even inside a caller's transaction (tests)
    return orders


def _country(plan: ClearanceDemo) -> str:
    return ADDRESSES[plan.address].country


def _last_scan(shipment: Shipment) -> TrackingEvent | None:
    return TrackingEvent.objects.filter(shipment=shipment).select_related("leg").order_by("occurred_at", "id").last()


def _carry(shipment: Shipment, *, stop, chances: Chances) -> TrackingEvent | None:
    """Scans of the simulated network, a minute apart, until `stop` says so or the parcel arrives."""
    rng = random.Random(f"{SEED}:{shipment.pk}")
    last = _last_scan(shipment)
    for _ in range(MAX_SCANS):
        if last is not None and stop is not None and stop(last):
            break
        shipment.refresh_from_db()
        scan = next_scan(shipment=shipment, last=last, rng=rng, chances=chances)
        if scan is None:
            break
        ingest_scan(shipment=shipment, scan=scan, at=last.occurred_at + dt.timedelta(minutes=1))
        last = _last_scan(shipment)
    return last


def _hold(shipment: Shipment, *, last: TrackingEvent, reason: str) -> None:
    """Import customs hold the parcel (as the carrier reports it), saying why."""
    label = TrackingEvent.CustomsReason(reason).label.lower()
    ingest_tracking_event(
        tracking_number=shipment.tracking_number,
        status=E.CUSTOMS_HELD,
        occurred_at=last.occurred_at + dt.timedelta(minutes=1),
        location=last.location,
        description=f"Held at import customs: {label}",
        source=TrackingEvent.Source.SIMULATION,
        stage="import_customs",
        customs_reason=reason,
    )


def _release(shipment: Shipment, *, by) -> None:
    """Staff send customs the parcel's declaration again, with a note on the value, and release it."""
    declaration = CustomsDocument.objects.filter(shipment=shipment).first()
    document = None
    if declaration is not None:
        with declaration.pdf.open("rb") as pdf:
            document = SimpleUploadedFile(f"{declaration.kind}.pdf", pdf.read(), content_type="application/pdf")
    release_from_customs(
        shipment_id=shipment.pk,
        note="Sent the declaration again; the seller confirmed the price paid",
        document=document,
        by=by,
    )
