"""The SIMULATED network of the built-in carriers: shipments move scan by scan through the ingestion service."""

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from fulfillment import simulation
from fulfillment.models import OutboundOrder, Shipment, TrackingEvent
from fulfillment.services.clearance import InvalidClearanceDocument, NotHeldAtCustoms, release_from_customs
from fulfillment.simulation import Chances, advance
from fulfillment.tests.shipping_helpers import LONDON, T0, labelled_shipment, signed_post
from marketplace.models import OutboxEvent
from shop.models import Order
from shop.order_timeline import describe

pytestmark = pytest.mark.django_db

NEVER = Chances(delay=0, customs_hold=0, missed_delivery=0)
ALWAYS = Chances(delay=1, customs_hold=1, missed_delivery=1)


def drive(*, chances=NEVER, seed=7, rounds=20) -> list[TrackingEvent]:
    """Run the network round after round, each one pace later, as the beat task would; emails on commit are sent."""
    events, now = [], T0
    for _ in range(rounds):
        now += dt.timedelta(seconds=simulation.step_seconds() * 2)
        with TestCase.captureOnCommitCallbacks(execute=True):
            events += advance(now=now, seed=seed, chances=chances)
    return events


def journey(shipment) -> list[tuple[str, str]]:
    return [
        (e.status, e.leg.kind)
        for e in TrackingEvent.objects.filter(shipment=shipment).select_related("leg").order_by("occurred_at", "id")
    ]


def test_a_labelled_domestic_shipment_is_driven_to_delivered_and_so_is_the_order():
    shipment = labelled_shipment()

    drive()

    shipment.refresh_from_db()
    assert journey(shipment) == [
        ("label_created", "first_mile"),
        ("picked_up", "first_mile"),
        ("at_sorting_facility", "line_haul"),
        ("in_transit", "line_haul"),
        ("out_for_delivery", "last_mile"),
        ("delivered", "last_mile"),
    ]
    assert shipment.status == "delivered" and shipment.next_simulated_at is None
    assert Order.objects.get(pk=shipment.fulfillment_order.order_id).status == "delivered"
    assert set(shipment.tracking_events.exclude(status="label_created").values_list("source", flat=True)) == {
        "simulation"
    }
    number = shipment.fulfillment_order.order.number
    assert [m.subject for m in mail.outbox] == [
        f"A shipment of your order {number} is on its way",
        f"A shipment of your order {number} was delivered",
    ]
    locations = list(shipment.tracking_events.values_list("location", flat=True))
    assert "Newark sorting facility" in locations and "New York" in locations
    assert not any("Main St" in place or "Ada" in place for place in locations)


def test_an_international_shipment_crosses_export_hub_and_a_customs_hold_and_a_missed_delivery():
    shipment = labelled_shipment(address=LONDON)

    drive(chances=ALWAYS)

    assert journey(shipment) == [
        ("label_created", "first_mile"),
        ("picked_up", "first_mile"),
        ("at_sorting_facility", "line_haul"),
        ("export_cleared", "export"),
        ("in_transit", "hub"),
        ("in_transit", "import_customs"),
        ("customs_held", "import_customs"),
        ("customs_released", "import_customs"),
        ("out_for_delivery", "last_mile"),
        ("delivery_attempted", "last_mile"),
        ("delivered", "last_mile"),
    ]
    assert Shipment.objects.get(pk=shipment.pk).status == "delivered"
    held = shipment.tracking_events.get(status="customs_held")
    assert held.customs_reason in ("documents_missing", "value_queried")
    assert held.description.startswith("Held at import customs: ")


def test_a_dap_parcel_asks_for_import_charges_at_the_door_and_the_shop_hears_of_it():
    shipment = labelled_shipment(address=LONDON)
    OutboundOrder.objects.filter(pk=shipment.fulfillment_order.order_id).update(incoterm="DAP")

    drive()

    assert journey(shipment)[3:] == [
        ("export_cleared", "export"),
        ("in_transit", "hub"),
        ("in_transit", "import_customs"),
        ("duties_due", "import_customs"),
        ("out_for_delivery", "last_mile"),
        ("duties_paid", "last_mile"),
        ("delivered", "last_mile"),
    ]
    assert OutboxEvent.objects.filter(name="fulfillment.shipment_duties_due").count() == 1


def test_a_dap_parcel_whose_charges_are_refused_goes_back_to_the_sender():
    shipment = labelled_shipment(address=LONDON)
    OutboundOrder.objects.filter(pk=shipment.fulfillment_order.order_id).update(incoterm="DAP")

    drive(chances=Chances(delay=0, customs_hold=0, missed_delivery=0, refused_charges=1))

    assert journey(shipment)[-1] == ("returned_to_sender", "last_mile")
    assert Shipment.objects.get(pk=shipment.pk).status == "returned_to_sender"
    fact = OutboxEvent.objects.get(name="fulfillment.shipment_returned_to_sender")
    allocation = shipment.fulfillment_order.allocations.get()
    assert fact.payload["lines"] == [{"order_line_id": allocation.order_line_id, "quantity": allocation.quantity}]


def test_the_same_seed_takes_the_same_route():
    shipments = [labelled_shipment(), labelled_shipment(address=LONDON), labelled_shipment()]
    coin_flips = Chances(delay=0.5, customs_hold=0.5, missed_delivery=0.5)

    routes = []
    for _ in range(2):
        savepoint = transaction.savepoint()
        drive(chances=coin_flips, seed=42)
        routes.append([journey(shipment) for shipment in shipments])
        transaction.savepoint_rollback(savepoint)

    assert routes[0] == routes[1]
    assert all(route[-1][0] == "delivered" for route in routes[0])


def test_nothing_moves_before_it_is_due_nor_shipments_of_other_carriers():
    shipment = labelled_shipment()
    Shipment.objects.filter(pk=shipment.pk).update(next_simulated_at=T0 + dt.timedelta(hours=1))

    assert advance(now=T0, seed=1) == []
    Shipment.objects.filter(pk=shipment.pk).update(carrier="ups", next_simulated_at=T0)
    assert advance(now=T0 + dt.timedelta(hours=2), seed=1) == []
    assert list(TrackingEvent.objects.values_list("status", flat=True)) == ["label_created"]


def test_a_scan_is_scheduled_one_pace_later(settings):
    settings.CARRIER_SIMULATION_STEP_SECONDS = 600
    shipment = labelled_shipment()
    Shipment.objects.filter(pk=shipment.pk).update(next_simulated_at=T0)

    advance(now=T0, seed=1, chances=NEVER)

    due = Shipment.objects.get(pk=shipment.pk).next_simulated_at
    assert T0 + dt.timedelta(seconds=450) <= due <= T0 + dt.timedelta(seconds=750)


def test_the_command_runs_until_delivered():
    shipment = labelled_shipment()

    out = io.StringIO()
    call_command("simulate_carriers", "--until-delivered", "--seed", "3", stdout=out)

    assert Shipment.objects.get(pk=shipment.pk).status == "delivered"
    assert f"{shipment.tracking_number}: Delivered" in out.getvalue()


def test_the_command_moves_a_given_number_of_steps():
    shipment = labelled_shipment()

    call_command("simulate_carriers", "--steps", "2", "--seed", "3", stdout=io.StringIO())

    assert [s for s, _ in journey(shipment)] == ["label_created", "picked_up", "at_sorting_facility"]


def test_the_beat_task_is_the_simulation():
    from fulfillment.tasks.tracking import advance_simulated_shipments

    shipment = labelled_shipment()
    Shipment.objects.filter(pk=shipment.pk).update(next_simulated_at=timezone.now() - dt.timedelta(seconds=1))

    assert advance_simulated_shipments.delay().get() == 1
    assert Shipment.objects.get(pk=shipment.pk).status == "in_transit"


def test_a_simulated_scan_posted_through_the_signed_webhook_acts_like_the_simulation(client, settings):
    settings.CARRIER_WEBHOOK_SECRETS = {"domestic_ground": "s3cret"}
    shipment = labelled_shipment()
    scan = simulation.next_scan(shipment=shipment, last=shipment.tracking_events.get(), rng=simulation.random.Random(1))
    body = {
        "tracking_number": shipment.tracking_number,
        "status": scan.status,
        "stage": scan.stage,
        "location": scan.location,
        "description": scan.description,
        "occurred_at": T0.isoformat(),
    }

    response = signed_post(client, "domestic_ground", body, "s3cret")

    assert response.status_code == 200, json.dumps(response.json())
    assert Shipment.objects.get(pk=shipment.pk).status == "in_transit"
    assert journey(shipment)[-1] == ("picked_up", "first_mile")


def test_a_shipment_that_fails_does_not_stop_the_others(monkeypatch, caplog):
    broken, fine = labelled_shipment(), labelled_shipment()
    Shipment.objects.filter(pk__in=[broken.pk, fine.pk]).update(next_simulated_at=T0)
    real = simulation.ingest_scan

    def fail_for_broken(*, shipment, scan, at):
        if shipment.pk == broken.pk:
            raise RuntimeError("bad data")
        return real(shipment=shipment, scan=scan, at=at)

    monkeypatch.setattr(simulation, "ingest_scan", fail_for_broken)

    scans = advance(now=T0, seed=1, chances=NEVER)

    assert [e.shipment_id for e in scans] == [fine.pk]
    assert Shipment.objects.get(pk=broken.pk).next_simulated_at > T0  # tried again later, not every minute
    assert "Simulated scan of shipment" in caplog.text


def test_a_held_parcel_is_released_by_staff_with_a_document_and_the_shopper_reads_it(deliver_events):
    shipment = labelled_shipment(address=LONDON)
    drive(chances=Chances(delay=0, customs_hold=1, missed_delivery=0), rounds=6)
    shipment.refresh_from_db()
    assert shipment.status == "customs_hold"

    with pytest.raises(InvalidClearanceDocument):
        release_from_customs(shipment_id=shipment.pk, document=SimpleUploadedFile("x.pdf", b"not a pdf"))
    invoice = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 the seller's invoice", content_type="application/pdf")
    release_from_customs(shipment_id=shipment.pk, note="Sent the seller's invoice", document=invoice)
    with pytest.raises(NotHeldAtCustoms):
        release_from_customs(shipment_id=shipment.pk)
    deliver_events()

    shipment.refresh_from_db()
    assert shipment.status == "cleared" and shipment.clearance_documents.get().note == "Sent the seller's invoice"
    order = Order.objects.get(pk=shipment.fulfillment_order.order_id)
    texts = [describe(event) for event in order.events.filter(kind__in=("customs_held", "customs_cleared"))]
    assert texts[0].startswith(f"Parcel {shipment.tracking_number} is held at import customs; we are on it. Why: ")
    assert texts[-1] == f"Parcel {shipment.tracking_number} was released by customs."
