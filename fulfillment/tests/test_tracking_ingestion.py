"""Ingesting tracking events: stored once, filed under legs, moving the shipment forward only, emailing once."""

import datetime as dt

import pytest
from django.core import mail
from django.test import TestCase

from fulfillment.models import Allocation, FulfillmentOrder, Shipment, StockMovement, TrackingEvent
from fulfillment.services.tracking import InvalidTrackingEvent, UnknownTrackingNumber, ingest_tracking_event
from fulfillment.tests.shipping_helpers import LONDON, T0, labelled_shipment
from shop.models import Order

pytestmark = pytest.mark.django_db


def scan(shipment, status, minutes, location="Newark sorting facility", **kwargs):
    """Ingest one event as committed work would: the emails it queues on commit are sent."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return ingest_tracking_event(
            tracking_number=kwargs.pop("number", shipment.tracking_number),
            status=status,
            occurred_at=T0 + dt.timedelta(minutes=minutes),
            location=location,
            description=kwargs.pop("description", ""),
            **kwargs,
        )


def status_of(shipment) -> str:
    return Shipment.objects.get(pk=shipment.pk).status


def test_the_same_event_twice_is_stored_once_and_acts_once():
    shipment = labelled_shipment()

    first = scan(shipment, "picked_up", 10)
    again = scan(shipment, "picked_up", 10)

    assert again.pk == first.pk and again.duplicate and not first.duplicate
    assert shipment.tracking_events.filter(status="picked_up").count() == 1
    assert StockMovement.objects.filter(reason="shipped").count() == 1
    assert len(mail.outbox) == 1


def test_a_pick_up_hands_the_labelled_shipment_over_and_the_shopper_is_emailed_once():
    shipment = labelled_shipment()

    scan(shipment, "picked_up", 10)
    scan(shipment, "at_sorting_facility", 60)

    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    assert shipment.handed_over_at == T0 + dt.timedelta(minutes=10)
    assert not Allocation.objects.filter(fulfillment_order__shipments=shipment, consumed_at__isnull=True).exists()
    assert FulfillmentOrder.objects.get(pk=shipment.fulfillment_order_id).status == "closed"
    assert Order.objects.get(pk=shipment.fulfillment_order.order_id).status == "fulfilled"
    assert [m.subject for m in mail.outbox] == [
        f"A shipment of your order {shipment.fulfillment_order.order.number} is on its way"
    ]
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert f"/carriers/track/{shipment.tracking_number}/" in message.body
    assert "?token=" in message.body  # a guest's order: the signed link to the order page


def test_a_carrier_that_skips_the_pick_up_scan_still_hands_over():
    shipment = labelled_shipment()

    scan(shipment, "at_sorting_facility", 60)

    assert status_of(shipment) == "in_transit"
    assert StockMovement.objects.filter(reason="shipped").count() == 1


def test_a_domestic_journey_to_delivered_files_each_event_under_its_leg():
    shipment = labelled_shipment()
    order_number = shipment.fulfillment_order.order.number

    scan(shipment, "picked_up", 10, "Newark fulfillment centre")
    scan(shipment, "at_sorting_facility", 60)
    scan(shipment, "in_transit", 120, "New York regional facility")
    scan(shipment, "out_for_delivery", 600, "New York delivery station")
    scan(shipment, "delivery_attempted", 660, "New York")
    assert status_of(shipment) == "out_for_delivery"  # an attempt leaves it out for delivery
    scan(shipment, "delivered", 1500, "New York")

    shipment.refresh_from_db()
    assert shipment.status == "delivered" and shipment.delivered_at == T0 + dt.timedelta(minutes=1500)
    legs = {leg.kind: leg for leg in shipment.legs.all()}
    events = {e.status: e.leg.kind for e in shipment.tracking_events.select_related("leg")}
    assert events == {
        "label_created": "first_mile",
        "picked_up": "first_mile",
        "at_sorting_facility": "line_haul",
        "in_transit": "line_haul",
        "out_for_delivery": "last_mile",
        "delivery_attempted": "last_mile",
        "delivered": "last_mile",
    }
    assert legs["line_haul"].started_at == T0 + dt.timedelta(minutes=60)
    assert legs["line_haul"].ended_at == T0 + dt.timedelta(minutes=600)
    assert legs["last_mile"].ended_at == T0 + dt.timedelta(minutes=1500)
    assert [m.subject for m in mail.outbox] == [
        f"A shipment of your order {order_number} is on its way",
        f"A shipment of your order {order_number} was delivered",
    ]


def test_an_older_event_arriving_late_is_kept_but_never_moves_the_shipment_back():
    shipment = labelled_shipment()
    scan(shipment, "picked_up", 10)
    scan(shipment, "out_for_delivery", 600)

    late = scan(shipment, "in_transit", 120, "New York regional facility")

    assert status_of(shipment) == "out_for_delivery"
    timeline = list(shipment.tracking_events.values_list("status", flat=True))
    assert timeline == ["label_created", "picked_up", "in_transit", "out_for_delivery"]
    assert late.leg.kind == "line_haul"


def test_a_delivered_event_replayed_after_delivery_sends_no_second_email():
    shipment = labelled_shipment()
    scan(shipment, "delivered", 100)
    sent = len(mail.outbox)

    scan(shipment, "delivered", 100)
    scan(shipment, "delivered", 101, "New York, again")  # a second, different delivered scan

    assert len(mail.outbox) == sent == 2  # shipped (handed over) and delivered, once each
    assert shipment.tracking_events.filter(status="delivered").count() == 2


def test_an_international_journey_goes_through_the_hub_and_a_customs_hold():
    shipment = labelled_shipment(address=LONDON)

    scan(shipment, "picked_up", 10)
    scan(shipment, "in_transit", 100, "Newark export gateway", stage="export")
    scan(shipment, "in_transit", 200, "International hub", stage="hub")
    assert status_of(shipment) == "at_hub"
    scan(shipment, "in_transit", 300, "GB import customs", stage="import_customs")
    assert status_of(shipment) == "in_transit"
    scan(shipment, "exception", 310, "GB import customs", stage="import_customs", description="Held for inspection")
    assert status_of(shipment) == "customs_hold"
    scan(shipment, "in_transit", 400, "GB import customs", stage="import_customs", description="Cleared")
    assert status_of(shipment) == "cleared"
    scan(shipment, "out_for_delivery", 500, "London delivery station")
    scan(shipment, "delivered", 600, "London")

    assert status_of(shipment) == "delivered"
    legs = [e.leg.kind for e in shipment.tracking_events.select_related("leg")]
    assert legs == [
        "first_mile",
        "first_mile",
        "export",
        "hub",
        "import_customs",
        "import_customs",
        "import_customs",
        "last_mile",
        "last_mile",
    ]


def test_an_exception_then_return_to_sender():
    shipment = labelled_shipment()
    scan(shipment, "picked_up", 10)

    scan(shipment, "exception", 100, description="Address not found")
    assert status_of(shipment) == "exception"
    scan(shipment, "returned_to_sender", 200)

    assert status_of(shipment) == "returned_to_sender"


def test_a_parcel_number_finds_its_shipment():
    shipment = labelled_shipment(parcels=2)
    second = shipment.parcels.get(sequence=2).tracking_number

    event = scan(shipment, "picked_up", 10, number=second)

    assert event.shipment_id == shipment.pk and status_of(shipment) == "in_transit"


def test_an_unknown_number_or_a_bad_event_stores_nothing():
    shipment = labelled_shipment()

    with pytest.raises(UnknownTrackingNumber):
        scan(shipment, "picked_up", 10, number="9200000000000000000000")
    with pytest.raises(InvalidTrackingEvent) as bad_status:
        scan(shipment, "teleported", 10)
    with pytest.raises(InvalidTrackingEvent) as naive_time:
        ingest_tracking_event(
            tracking_number=shipment.tracking_number, status="picked_up", occurred_at=dt.datetime(2026, 11, 20, 9)
        )

    assert (bad_status.value.field, naive_time.value.field) == ("status", "occurred_at")
    assert list(TrackingEvent.objects.values_list("status", flat=True)) == ["label_created"]
    assert status_of(shipment) == "labelled"
