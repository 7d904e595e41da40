"""A labelled parcel abroad joins its lane's open consolidation; cut-offs and capacity close it; closing makes
the master (air waybill, manifest, declarations)."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from fulfillment.consolidation import is_valid_awb
from fulfillment.models import Consolidation, ConsolidationItem, TrackingLeg
from fulfillment.services.consolidation import (
    ConsolidationError,
    assign_to_consolidation,
    close_consolidation,
    due_for_closing,
)
from fulfillment.services.labels import AlreadyHandedOver, void_label
from fulfillment.tasks.consolidation import close_due_consolidations, consolidate_labelled_parcel_task
from fulfillment.tests.consolidation_helpers import hub, labelled_abroad, lane
from fulfillment.tests.shipping_helpers import NEW_YORK, labelled_shipment
from shop.models import OrderEvent
from shop.order_timeline import describe
from shop.services.orders import ShippingAddress

pytestmark = pytest.mark.django_db
C = Consolidation.Status
UTC = dt.UTC
# 15:00 in New York on a December Thursday: before the 17:00 cut-off (22:00 UTC).
BEFORE_CUTOFF = dt.datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
TODAY_CUTOFF = dt.datetime(2026, 12, 3, 22, 0, tzinfo=UTC)
TOMORROW_CUTOFF = dt.datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
BERLIN = ShippingAddress(name="Max Muster", line1="Linden 1", city="Berlin", country="DE", postal_code="10117")


def test_a_labelled_parcel_abroad_joins_its_lanes_open_consolidation_and_follows_the_lanes_legs():
    route = lane()
    shipment = labelled_abroad()

    item = ConsolidationItem.objects.get(shipment=shipment)
    assert item.consolidation.lane == route
    assert item.consolidation.status == C.OPEN
    assert (item.weight_grams, item.hs_codes, item.consignee_country) == (800, "610910", "GB")
    assert str(item.declared_value) == "39.98" and item.currency == "USD"
    assert list(shipment.legs.order_by("sequence").values_list("kind", "origin", "destination")) == [
        (TrackingLeg.Kind.LINE_HAUL, "Newark fulfillment centre", "JFK export hub"),
        (TrackingLeg.Kind.HUB, "JFK export hub", "JFK airport"),
        (TrackingLeg.Kind.EXPORT, "JFK (Atlantic Cargo)", "LHR import gateway"),
        (TrackingLeg.Kind.IMPORT_CUSTOMS, "LHR import gateway", "London import customs"),
        (TrackingLeg.Kind.LAST_MILE, "Royal Mail, London", "London"),
    ]


def test_without_a_lane_or_at_home_a_parcel_flies_on_its_own():
    lane(destination_countries="DE AT", code="US-DE")
    abroad = labelled_abroad()  # to London: no lane to GB
    at_home = labelled_shipment(address=NEW_YORK)
    assert not ConsolidationItem.objects.filter(shipment__in=[abroad, at_home]).exists()
    assert abroad.legs.count() == 6  # the carrier's own legs, as before lanes


def test_a_lane_serving_a_region_takes_each_of_its_countries():
    route = lane(destination_countries="AT DE NL", code="US-EU")
    shipment = labelled_abroad(address=BERLIN)
    assert ConsolidationItem.objects.get(shipment=shipment).consolidation.lane == route


def test_a_hub_abroad_takes_the_parcels_of_the_countries_that_feed_it():
    route = lane(origin_hub=hub(code="HK-HUB", country="HK"), origin_countries="CN US")
    shipment = labelled_abroad()  # from Newark
    assert ConsolidationItem.objects.get(shipment=shipment).consolidation.lane == route
    lane(code="HK-ONLY", origin_hub=hub(code="HK2", country="HK"), destination_countries="DE")
    assert not ConsolidationItem.objects.filter(shipment=labelled_abroad(address=BERLIN)).exists()


def test_a_parcel_labelled_after_the_cutoff_rolls_to_the_next_departure_and_the_shopper_is_told(deliver_events):
    first, late = labelled_abroad(), labelled_abroad()  # labelled before the lane existed: not yet assigned
    route = lane()
    assign_to_consolidation(shipment=first, now=BEFORE_CUTOFF)
    today = Consolidation.objects.get(lane=route)
    assert today.cutoff_at == TODAY_CUTOFF

    item = assign_to_consolidation(shipment=late, now=TODAY_CUTOFF + dt.timedelta(minutes=5))

    today.refresh_from_db()
    assert today.status == C.CLOSED and today.close_reason == Consolidation.CloseReason.CUTOFF
    assert item.consolidation != today and item.consolidation.cutoff_at == TOMORROW_CUTOFF
    assert item.rolled_over == 1
    deliver_events()
    event = OrderEvent.objects.get(order_id=late.fulfillment_order.order_id, kind=OrderEvent.Kind.MISSED_DEPARTURE)
    assert describe(event) == (
        f"Parcel {late.tracking_number} missed its flight's cut-off at JFK export hub; it leaves with the next "
        "departure (cut-off 4 Dec 2026, 22:00 UTC)."
    )
    assert not OrderEvent.objects.filter(
        order_id=first.fulfillment_order.order_id, kind=OrderEvent.Kind.MISSED_DEPARTURE
    ).exists()


def test_a_full_consolidation_closes_and_the_next_parcel_opens_the_next_one_for_the_same_departure():
    parcels = [labelled_abroad() for _ in range(3)]
    route = lane(max_parcels=2)
    items = [assign_to_consolidation(shipment=s, now=BEFORE_CUTOFF) for s in parcels]

    first, second = Consolidation.objects.filter(lane=route).order_by("pk")
    assert (first.status, first.close_reason, first.parcel_count) == (C.CLOSED, "full", 2)
    assert (second.status, second.parcel_count, second.cutoff_at) == (C.OPEN, 1, TODAY_CUTOFF)
    assert [i.consolidation_id for i in items] == [first.pk, first.pk, second.pk]


def test_a_parcel_over_the_remaining_weight_closes_the_master_and_opens_the_next():
    light, heavy = labelled_abroad(weight_grams=800), labelled_abroad(weight_grams=900)
    route = lane(max_weight_grams=1_500)
    assign_to_consolidation(shipment=light, now=BEFORE_CUTOFF)
    item = assign_to_consolidation(shipment=heavy, now=BEFORE_CUTOFF)
    first = Consolidation.objects.filter(lane=route).order_by("pk").first()
    assert (first.status, first.weight_grams) == (C.CLOSED, 800)
    assert item.consolidation.status == C.OPEN and item.consolidation.weight_grams == 900


def test_a_parcel_heavier_than_a_whole_master_flies_alone():
    lane(max_weight_grams=500)
    shipment = labelled_abroad(weight_grams=800)
    assert not ConsolidationItem.objects.filter(shipment=shipment).exists()


def test_the_beat_closes_only_what_is_due():
    to_london, to_berlin = labelled_abroad(), labelled_abroad(address=BERLIN)
    london, berlin = lane(), lane(code="US-DE", destination_countries="DE", origin_hub=hub(code="HUB2"))
    now = timezone.now()
    assign_to_consolidation(shipment=to_london, now=now)
    assign_to_consolidation(shipment=to_berlin, now=now)
    due = Consolidation.objects.get(lane=london)
    Consolidation.objects.filter(pk=due.pk).update(cutoff_at=now - dt.timedelta(minutes=1))

    assert due_for_closing() == [due.pk]
    assert close_due_consolidations() == 1
    assert close_due_consolidations() == 0  # idempotent
    assert Consolidation.objects.get(pk=due.pk).status == C.CLOSED
    assert Consolidation.objects.get(lane=berlin).status == C.OPEN


def test_closing_makes_the_master_awb_manifest_and_declarations():
    parcels = [labelled_abroad(), labelled_abroad(weight_grams=1_200, hs_code="620462")]
    lane()
    for shipment in parcels:
        assign_to_consolidation(shipment=shipment, now=BEFORE_CUTOFF)
    consolidation = Consolidation.objects.get()

    close_consolidation(consolidation_id=consolidation.pk)

    consolidation.refresh_from_db()
    assert consolidation.close_reason == Consolidation.CloseReason.EARLY
    assert consolidation.awb.startswith("176-") and is_valid_awb(consolidation.awb)
    with consolidation.manifest_csv.open("rb") as f:
        rows = list(csv.DictReader(io.StringIO(f.read().decode())))
    assert rows == [
        {
            "tracking_number": parcels[0].tracking_number,
            "weight_grams": "800",
            "declared_value": "39.98",
            "currency": "USD",
            "hs_codes": "610910",
            "consignee_country": "GB",
        },
        {
            "tracking_number": parcels[1].tracking_number,
            "weight_grams": "1200",
            "declared_value": "39.98",
            "currency": "USD",
            "hs_codes": "620462",
            "consignee_country": "GB",
        },
    ]
    with consolidation.manifest_pdf.open("rb") as f:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(f.read())).pages).split())
    assert f"Master air waybill {consolidation.awb}" in text
    assert parcels[0].tracking_number in text and parcels[1].tracking_number in text
    assert "2 parcels · 2.000 kg · declared value 79.96 USD" in text
    assert [d["shipment"]["tracking_number"] for d in consolidation.declarations] == [
        parcels[0].tracking_number,
        parcels[1].tracking_number,
    ]
    # Closed twice: nothing changes (the same air waybill).
    assert close_consolidation(consolidation_id=consolidation.pk).awb == consolidation.awb


def test_each_master_gets_its_own_valid_awb():
    parcels = [labelled_abroad() for _ in range(2)]
    lane(max_parcels=1)
    for shipment in parcels:
        assign_to_consolidation(shipment=shipment, now=BEFORE_CUTOFF)
    awbs = list(Consolidation.objects.values_list("awb", flat=True))
    assert len(set(awbs)) == 2 and all(is_valid_awb(a) for a in awbs)


def test_voiding_takes_a_parcel_out_of_an_open_consolidation_but_not_off_a_closed_manifest():
    lane()
    shipment, other = labelled_abroad(), labelled_abroad()
    consolidation = Consolidation.objects.get()
    void_label(shipment_id=shipment.pk)
    consolidation.refresh_from_db()
    assert consolidation.parcel_count == 1 and not ConsolidationItem.objects.filter(shipment=shipment).exists()

    close_consolidation(consolidation_id=consolidation.pk)
    with pytest.raises(AlreadyHandedOver):
        void_label(shipment_id=other.pk)
    assert ConsolidationItem.objects.filter(shipment=other).exists()


def test_an_empty_consolidation_is_not_closed_into_a_master():
    shipment = labelled_abroad()
    lane()
    assign_to_consolidation(shipment=shipment, now=BEFORE_CUTOFF)
    consolidation = Consolidation.objects.get()
    void_label(shipment_id=shipment.pk)
    close_consolidation(consolidation_id=consolidation.pk)
    assert not Consolidation.objects.exists()
    with pytest.raises(ConsolidationError):
        close_consolidation(consolidation_id=consolidation.pk)


def test_a_parcel_labelled_before_its_lane_existed_joins_it_once_by_the_task():
    shipment = labelled_abroad()
    lane()
    first = consolidate_labelled_parcel_task.delay(shipment.pk).get()
    again = consolidate_labelled_parcel_task.delay(shipment.pk).get()
    assert first == again == ConsolidationItem.objects.get(shipment=shipment).consolidation_id
    assert Consolidation.objects.get().parcel_count == 1
