"""Buying, voiding, reprinting and batch-printing labels through fulfillment.services.labels."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from fulfillment.carriers import Rate
from fulfillment.carriers.tracking_numbers import is_valid_impb, is_valid_s10
from fulfillment.models import IssuedTrackingNumber, Shipment, ShippingLabel, TrackingEvent
from fulfillment.services import labels as label_service
from fulfillment.services.labels import (
    AlreadyHandedOver,
    NoLiveLabel,
    NotPacked,
    batch_labels_pdf,
    batch_labels_zpl,
    buy_label,
    choose_rate,
    reprint,
    void_label,
)
from fulfillment.services.shipments import hand_over_shipment
from fulfillment.tests.shipping_helpers import LONDON, labelled_shipment, packed_shipment

pytestmark = pytest.mark.django_db


def pages(pdf: bytes) -> list:
    return list(PdfReader(io.BytesIO(pdf)).pages)


def test_a_packed_shipment_gets_the_cheapest_label_meeting_its_promise_with_one_page_per_parcel():
    shipment = packed_shipment(parcels=2)

    label = buy_label(shipment_id=shipment.pk)

    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.service) == ("labelled", "domestic_ground", "ground")
    assert shipment.tracking_number == label.tracking_number and is_valid_impb(label.tracking_number)
    assert shipment.promised_days == 2  # the order's standard promise: ground from Newark to New York
    parcel_numbers = list(shipment.parcels.values_list("tracking_number", flat=True))
    assert parcel_numbers[0] == label.tracking_number and len(set(parcel_numbers)) == 2
    assert all(is_valid_impb(n) for n in parcel_numbers)
    assert label.amount > 0 and label.currency == "USD"
    with label.pdf.open("rb") as f:
        pdf_pages = pages(f.read())
    assert len(pdf_pages) == 2
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in pdf_pages] == [(288, 432), (288, 432)]
    assert parcel_numbers[0] in pdf_pages[0].extract_text() and parcel_numbers[1] in pdf_pages[1].extract_text()
    assert "Parcel 2 of 2" in pdf_pages[1].extract_text()
    assert label.zpl.count("^XA") == label.zpl.count("^XZ") == 2
    assert all(n in label.zpl for n in parcel_numbers)
    # The carrier's number store is the database: the numbers are recorded there.
    assert set(IssuedTrackingNumber.objects.values_list("tracking_number", flat=True)) == set(parcel_numbers)
    assert list(shipment.tracking_events.values_list("status", "source")) == [("label_created", "system")]
    assert list(shipment.legs.values_list("kind", flat=True)) == ["first_mile", "line_haul", "last_mile"]


def test_an_international_shipment_gets_an_s10_number_and_six_legs():
    shipment = packed_shipment(address=LONDON)

    label = buy_label(shipment_id=shipment.pk)

    assert label.carrier == "intl_postal" and is_valid_s10(label.tracking_number)
    assert list(Shipment.objects.get(pk=shipment.pk).legs.values_list("kind", flat=True)) == [
        "first_mile",
        "line_haul",
        "export",
        "hub",
        "import_customs",
        "last_mile",
    ]


def test_a_promise_no_service_meets_takes_the_fastest_and_says_so():
    slow = Rate("a", "slow", Decimal("3.00"), "USD", 3, 6)
    fast = Rate("b", "fast", Decimal("9.00"), "USD", 2, 4)

    choice = choose_rate([slow, fast], promised_days=2)

    assert choice.rate == fast and not choice.meets_promise
    assert "No service meets the promised 2 days" in choice.note
    assert choose_rate([slow, fast], promised_days=6).rate == slow


def test_buying_twice_gives_the_same_label():
    shipment = packed_shipment()
    first = buy_label(shipment_id=shipment.pk)

    second = buy_label(shipment_id=shipment.pk)

    assert second.pk == first.pk
    assert ShippingLabel.objects.count() == 1 and IssuedTrackingNumber.objects.count() == 1


def test_the_loser_of_a_race_voids_its_own_label(monkeypatch):
    shipment = packed_shipment()
    real_store = label_service._store_label
    winner = {}

    def another_worker_commits_first(**kwargs):
        # A second worker bought and stored its label while this one was talking to the carrier.
        monkeypatch.setattr(label_service, "_store_label", real_store)
        winner["label"] = buy_label(shipment_id=shipment.pk)
        return real_store(**kwargs)

    monkeypatch.setattr(label_service, "_store_label", another_worker_commits_first)

    label = buy_label(shipment_id=shipment.pk)

    assert label.pk == winner["label"].pk
    assert ShippingLabel.objects.filter(voided_at__isnull=True).count() == 1
    issued = dict(IssuedTrackingNumber.objects.values_list("tracking_number", "voided_at"))
    assert len(issued) == 2
    assert issued[label.tracking_number] is None
    assert [voided is None for voided in issued.values()].count(False) == 1  # the loser's number is void


def test_only_a_packed_shipment_gets_a_label():
    shipment = packed_shipment()
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.PICKING)

    with pytest.raises(NotPacked):
        buy_label(shipment_id=shipment.pk)

    assert not ShippingLabel.objects.exists() and not IssuedTrackingNumber.objects.exists()


def test_voiding_a_label_before_hand_over_packs_the_shipment_again_and_a_new_label_can_be_bought(staff_user):
    shipment = labelled_shipment()
    old = shipment.tracking_number

    voided = void_label(shipment_id=shipment.pk, by=staff_user)

    shipment.refresh_from_db()
    assert voided.voided_at is not None
    assert (shipment.status, shipment.tracking_number, shipment.carrier) == ("packed", "", "")
    assert IssuedTrackingNumber.objects.get(tracking_number=old).voided_at is not None
    assert shipment.tracking_events.filter(status=TrackingEvent.Status.VOIDED).count() == 1
    fresh = buy_label(shipment_id=shipment.pk)
    assert fresh.tracking_number != old
    assert Shipment.objects.get(pk=shipment.pk).status == "labelled"


def test_a_label_cannot_be_voided_after_hand_over():
    shipment = labelled_shipment()
    hand_over_shipment(shipment_id=shipment.pk)

    with pytest.raises(AlreadyHandedOver):
        void_label(shipment_id=shipment.pk, by=None)

    assert ShippingLabel.objects.get().voided_at is None
    assert IssuedTrackingNumber.objects.get().voided_at is None


def test_voiding_without_a_label_is_refused():
    with pytest.raises(NoLiveLabel):
        void_label(shipment_id=packed_shipment().pk, by=None)


def test_a_reprint_is_the_stored_label_counted_once_more():
    shipment = labelled_shipment()
    label = ShippingLabel.objects.get()
    with label.pdf.open("rb") as f:
        stored = f.read()

    printout = reprint(label_id=label.pk)
    reprint(label_id=label.pk)

    assert printout.pdf == stored and printout.zpl == label.zpl
    assert ShippingLabel.objects.get().printed_count == 2
    assert shipment.tracking_number in pages(printout.pdf)[0].extract_text()


def test_a_batch_is_one_pdf_with_a_page_per_parcel_of_every_live_label():
    one, two = labelled_shipment(parcels=1), labelled_shipment(parcels=2)
    unlabelled = packed_shipment()

    pdf = batch_labels_pdf(shipment_ids=[two.pk, one.pk, unlabelled.pk])
    zpl = batch_labels_zpl(shipment_ids=[one.pk, two.pk])

    numbers = [one.tracking_number, *two.parcels.values_list("tracking_number", flat=True)]
    batch = pages(pdf)
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in batch] == [(288, 432)] * 3
    assert [re.search(r"\d{22}", p.extract_text()).group() for p in batch] == numbers
    assert zpl.count("^XA") == zpl.count("^XZ") == 3
    assert [zpl.index(n) for n in numbers] == sorted(zpl.index(n) for n in numbers)
    assert list(ShippingLabel.objects.order_by("shipment_id").values_list("printed_count", flat=True)) == [2, 2]


def test_a_batch_without_any_live_label_is_refused():
    with pytest.raises(NoLiveLabel):
        batch_labels_pdf(shipment_ids=[packed_shipment().pk])


def test_the_task_buys_once_and_retries_a_transient_carrier_failure(monkeypatch):
    from celery.exceptions import Retry

    from fulfillment.tasks.labels import buy_label_task

    shipment = packed_shipment()
    failing = {"left": 1}
    real_buy = label_service.carrier_for

    def flaky_carrier(code):
        carrier = real_buy(code)
        original = carrier.buy_label

        def buy(spec, service):
            if failing["left"]:
                failing["left"] -= 1
                raise label_service.CarrierTemporarilyUnavailable("503 from the carrier", carrier=code)
            return original(spec, service)

        carrier.buy_label = buy
        return carrier

    monkeypatch.setattr(label_service, "carrier_for", flaky_carrier)

    with pytest.raises(Retry):
        buy_label_task.apply(args=[shipment.pk], throw=True)  # eager: the retry is raised, not slept on
    number = buy_label_task.delay(shipment.pk).get()
    again = buy_label_task.delay(shipment.pk).get()

    assert number == again == ShippingLabel.objects.get().tracking_number
    assert Shipment.objects.get(pk=shipment.pk).status == "labelled"


def test_the_task_gives_up_quietly_on_a_shipment_that_is_not_packed():
    from fulfillment.tasks.labels import buy_label_task

    shipment = packed_shipment()
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.PICKING)

    assert buy_label_task.delay(shipment.pk).get() is None
    assert not ShippingLabel.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_to_label_one_shipment_leave_one_live_label_and_void_the_rest():
    import threading

    from django.db import connection

    shipment = packed_shipment()
    workers = 4
    start, results, errors = threading.Barrier(workers), [], []

    def work() -> None:
        try:
            start.wait()
            results.append(buy_label(shipment_id=shipment.pk).pk)
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    live = ShippingLabel.objects.get(voided_at__isnull=True)
    assert results == [live.pk] * workers
    assert Shipment.objects.get(pk=shipment.pk).tracking_number == live.tracking_number
    # Every number the carrier issued for a losing purchase was voided with the carrier.
    assert list(
        IssuedTrackingNumber.objects.filter(voided_at__isnull=True).values_list("tracking_number", flat=True)
    ) == [live.tracking_number]
    assert ShippingLabel.objects.count() == 1


def test_the_sweep_labels_every_packed_shipment_once_and_leaves_a_voided_one_to_staff():
    from fulfillment.tasks.labels import buy_labels_for_packed_shipments

    first, second, voided = packed_shipment(), packed_shipment(), labelled_shipment()
    Shipment.objects.filter(pk=second.pk).update(status=Shipment.Status.PICKING)
    void_label(shipment_id=voided.pk, by=None)

    assert buy_labels_for_packed_shipments.delay().get() == 1
    assert buy_labels_for_packed_shipments.delay().get() == 0

    assert list(ShippingLabel.objects.filter(voided_at=None).values_list("shipment_id", flat=True)) == [first.pk]


def test_label_tasks_go_to_the_labels_queue():
    from fulfillment.tasks.labels import buy_label_task
    from marketplace.celery import app as celery_app

    router = celery_app.amqp.router

    assert router.route({}, buy_label_task.name)["queue"].name == "labels"
    assert router.route({}, "fulfillment.tasks.labels.buy_labels_for_packed_shipments")["queue"].name == "labels"
