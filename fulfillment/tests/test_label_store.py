"""The database label store of the built-in carriers: counters, issued numbers, voids; unique under concurrency."""

import datetime as dt
import threading

import pytest
from django.db import connection

from fulfillment.carriers.base import Address, Parcel, ShipmentSpec
from fulfillment.carriers.builtin import DomesticGround, IssuedNumber
from fulfillment.carriers.db_store import DatabaseLabelStore
from fulfillment.carriers.tracking_numbers import is_valid_impb
from fulfillment.models import CarrierSerial, IssuedTrackingNumber

NEWARK = Address("Warehouse", "1 Dock Road", "Newark", "07102", "US")
NEW_YORK = Address("Ada Lovelace", "1 Main St", "New York", "10118", "US")
AT = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_serials_count_up_per_key_and_survive_a_new_store():
    store = DatabaseLabelStore()

    values = [store.next_serial("impb:1"), store.next_serial("impb:1"), store.next_serial("s10:LXUS")]

    assert values == [1, 2, 1]
    assert DatabaseLabelStore().next_serial("impb:1") == 3  # another process, same counter
    assert dict(CarrierSerial.objects.values_list("key", "value")) == {"impb:1": 3, "s10:LXUS": 1}


@pytest.mark.django_db
def test_issued_numbers_are_recorded_read_back_and_voided_per_label():
    store = DatabaseLabelStore()
    store.record(IssuedNumber("A1", "domestic_ground", "ground", "A1", AT))
    store.record(IssuedNumber("A2", "domestic_ground", "ground", "A1", AT))
    store.record(IssuedNumber("B1", "domestic_ground", "ground", "B1", AT))

    store.mark_void("A1", at=AT + dt.timedelta(hours=1))

    assert store.get("A2") == IssuedNumber("A2", "domestic_ground", "ground", "A1", AT, AT + dt.timedelta(hours=1))
    assert store.get("B1").voided_at is None
    assert store.get("nope") is None


@pytest.mark.django_db
def test_a_builtin_carrier_on_the_database_store_voids_and_tracks_across_instances():
    spec = ShipmentSpec(NEWARK, NEW_YORK, (Parcel(500), Parcel(700)), reference="MK-1")
    label = DomesticGround(store=DatabaseLabelStore()).buy_label(spec, "ground")

    DomesticGround(store=DatabaseLabelStore()).void_label(label.parcel_tracking_numbers[1])

    assert all(is_valid_impb(n) for n in label.parcel_tracking_numbers)
    assert IssuedTrackingNumber.objects.filter(voided_at__isnull=False).count() == 2  # the whole label
    assert [e.status for e in DomesticGround(store=DatabaseLabelStore()).track(label.tracking_number)] == [
        "label_created",
        "voided",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_label_purchases_never_issue_the_same_number():
    threads_count, labels_each = 8, 5
    spec = ShipmentSpec(NEWARK, NEW_YORK, (Parcel(500),), reference="MK-1")
    numbers, errors = [], []
    start = threading.Barrier(threads_count)

    def buy() -> None:
        try:
            carrier = DomesticGround(store=DatabaseLabelStore())
            start.wait()
            for _ in range(labels_each):
                numbers.append(carrier.buy_label(spec, "ground").tracking_number)
        except Exception as error:  # noqa: BLE001  (reported by the assertion below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(numbers) == len(set(numbers)) == threads_count * labels_each
    assert CarrierSerial.objects.get().value == threads_count * labels_each
    assert IssuedTrackingNumber.objects.count() == threads_count * labels_each
