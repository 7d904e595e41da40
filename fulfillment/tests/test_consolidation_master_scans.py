"""Master scans fan out to every parcel of the master: once, in bulk, whatever order they come in; a hold names
parcels, one of which is pulled out; the split hands each parcel to the last-mile carrier under its own number."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.carriers.tracking_numbers import is_valid_s10
from fulfillment.models import (
    Consolidation,
    ConsolidationItem,
    Lane,
    MasterScan,
    Shipment,
    TrackingEvent,
    TrackingLeg,
)
from fulfillment.services.clearance import release_from_customs
from fulfillment.services.consolidation import ConsolidationError, close_consolidation
from fulfillment.services.master_scans import (
    MasterScanRefused,
    pull_out_of_consolidation,
    record_master_scan,
    split_consolidation,
    tender_consolidation,
)
from fulfillment.services.tracking import ingest_tracking_event
from fulfillment.tasks.consolidation import record_master_scan_task
from fulfillment.tests.consolidation_helpers import hub, labelled_abroad, lane
from fulfillment.tests.shipping_helpers import T0
from shop.models import OrderEvent

pytestmark = pytest.mark.django_db
C = Consolidation.Status
M = MasterScan.Kind
S = Shipment.Status
E = TrackingEvent.Status


def tendered_master(parcels: int = 3, **lane_fields) -> tuple[Consolidation, list[Shipment]]:
    route = lane(**lane_fields)
    shipments = [labelled_abroad() for _ in range(parcels)]
    consolidation = Consolidation.objects.get(lane=route)
    close_consolidation(consolidation_id=consolidation.pk)
    tender_consolidation(consolidation_id=consolidation.pk, at=T0)
    consolidation.refresh_from_db()
    return consolidation, shipments


def statuses(shipments) -> list[str]:
    return [Shipment.objects.get(pk=s.pk).status for s in shipments]


def timeline(shipment) -> list[tuple[str, str]]:
    return list(
        TrackingEvent.objects.filter(shipment=shipment)
        .exclude(status=E.LABEL_CREATED)
        .order_by("occurred_at", "pk")
        .values_list("status", "description")
    )


def test_tendering_hands_the_parcels_over_and_consolidates_them_under_the_air_waybill():
    consolidation, shipments = tendered_master()
    assert consolidation.status == C.TENDERED
    assert statuses(shipments) == [S.AT_HUB] * 3
    for shipment in shipments:
        assert (E.AT_SORTING_FACILITY, f"Consolidated under master air waybill {consolidation.awb} and handed to "
                "Atlantic Cargo") in timeline(shipment)  # fmt: skip
        assert Shipment.objects.get(pk=shipment.pk).handed_over_at is not None


def test_a_master_scan_fans_out_to_every_parcel_once_even_when_received_twice():
    consolidation, shipments = tendered_master()

    first = record_master_scan(
        consolidation_id=consolidation.pk, kind=M.DEPARTED, occurred_at=T0 + dt.timedelta(hours=2)
    )
    events_after_first = TrackingEvent.objects.count()
    again = record_master_scan(
        consolidation_id=consolidation.pk, kind=M.DEPARTED, occurred_at=T0 + dt.timedelta(hours=2)
    )

    assert (first.duplicate, again.duplicate, again.pk) == (False, True, first.pk)
    assert TrackingEvent.objects.count() == events_after_first
    assert MasterScan.objects.filter(kind=M.DEPARTED).count() == 1 and first.parcels == 3
    consolidation.refresh_from_db()
    assert consolidation.status == C.DEPARTED
    assert statuses(shipments) == [S.IN_TRANSIT] * 3
    for shipment in shipments:
        departed = TrackingEvent.objects.get(shipment=shipment, status=E.EXPORT_CLEARED)
        assert departed.leg.kind == TrackingLeg.Kind.EXPORT
        assert departed.description == f"Departed JFK on Atlantic Cargo, air waybill {consolidation.awb}"
        assert departed.tracking_number == shipment.tracking_number
        legs = dict(shipment.legs.values_list("kind", "ended_at"))
        assert legs[TrackingLeg.Kind.HUB] == T0 + dt.timedelta(hours=2)  # the hub leg ended at take-off


def test_the_fan_out_takes_the_same_queries_for_two_parcels_as_for_six():
    def queries_for(parcels: int, code: str) -> int:
        Lane.objects.update(is_active=False)  # each master on its own lane
        consolidation, _ = tendered_master(parcels, code=code, origin_hub=hub(code=f"H-{code}"))
        counts = []
        for kind in (M.DEPARTED, M.ARRIVED, M.CUSTOMS_CLEARED, M.SPLIT):
            with CaptureQueriesContext(connection) as ctx:
                record_master_scan(consolidation_id=consolidation.pk, kind=kind, occurred_at=T0)
            counts.append(len(ctx))
        return counts

    queries_for(1, "ONE")  # the first split ever creates the last-mile carrier's counter
    assert queries_for(2, "TWO") == queries_for(6, "SIX")


def test_scans_out_of_order_are_kept_on_the_timeline_but_move_nothing_back():
    consolidation, shipments = tendered_master(2)
    record_master_scan(consolidation_id=consolidation.pk, kind=M.ARRIVED, occurred_at=T0 + dt.timedelta(hours=9))
    consolidation.refresh_from_db()
    assert consolidation.status == C.ARRIVED  # departed was walked through
    assert statuses(shipments) == [S.AT_HUB] * 2

    late = record_master_scan(
        consolidation_id=consolidation.pk, kind=M.DEPARTED, occurred_at=T0 + dt.timedelta(hours=1)
    )

    assert not late.duplicate
    consolidation.refresh_from_db()
    assert consolidation.status == C.ARRIVED
    assert statuses(shipments) == [S.AT_HUB] * 2
    assert [status for status, _ in timeline(shipments[0])] == [E.AT_SORTING_FACILITY, E.EXPORT_CLEARED, E.IN_TRANSIT]


def test_a_held_consignment_with_one_parcel_pulled_out(deliver_events):
    consolidation, (held, *others) = tendered_master(3)
    record_master_scan(consolidation_id=consolidation.pk, kind=M.DEPARTED, occurred_at=T0 + dt.timedelta(hours=1))
    record_master_scan(consolidation_id=consolidation.pk, kind=M.ARRIVED, occurred_at=T0 + dt.timedelta(hours=9))
    record_master_scan(
        consolidation_id=consolidation.pk,
        kind=M.CUSTOMS_HELD,
        occurred_at=T0 + dt.timedelta(hours=10),
        held_tracking_numbers=[held.tracking_number],
        customs_reason=TrackingEvent.CustomsReason.VALUE_QUERIED,
    )
    consolidation.refresh_from_db()
    assert consolidation.status == C.CUSTOMS_HELD
    assert statuses([held, *others]) == [S.CUSTOMS_HOLD, S.AT_HUB, S.AT_HUB]
    assert (E.CUSTOMS_HELD, "Held at import customs: declared value queried") in timeline(held)
    deliver_events()
    told = OrderEvent.objects.get(order_id=held.fulfillment_order.order_id, kind=OrderEvent.Kind.CUSTOMS_HELD)
    assert told.params["reason"] == "Declared value queried"

    with pytest.raises(ConsolidationError):
        pull_out_of_consolidation(item_id=others[0].consolidation_item.pk)  # not held: stays in
    item = pull_out_of_consolidation(item_id=held.consolidation_item.pk)
    assert item.pulled_out_at is not None
    assert pull_out_of_consolidation(item_id=item.pk).pulled_out_at == item.pulled_out_at  # twice: the same

    record_master_scan(
        consolidation_id=consolidation.pk, kind=M.CUSTOMS_CLEARED, occurred_at=T0 + dt.timedelta(hours=12)
    )
    split_consolidation(consolidation_id=consolidation.pk, at=T0 + dt.timedelta(hours=13))

    consolidation.refresh_from_db()
    assert consolidation.status == C.SPLIT
    assert statuses([held, *others]) == [S.CUSTOMS_HOLD, S.IN_TRANSIT, S.IN_TRANSIT]
    assert ConsolidationItem.objects.get(shipment=held).last_mile_tracking_number == ""
    # The pulled-out parcel clears on its own, through the usual door.
    release_from_customs(shipment_id=held.pk, note="Invoice sent")
    assert statuses([held]) == [S.CLEARED]
    deliver_events()
    pulled = OrderEvent.objects.get(
        order_id=held.fulfillment_order.order_id, kind=OrderEvent.Kind.PULLED_FROM_CONSOLIDATION
    )
    assert pulled.params["awb"] == consolidation.awb


def test_after_the_split_each_parcel_travels_on_under_the_last_mile_number_on_the_same_timeline(client):
    consolidation, shipments = tendered_master(2)
    for hours, kind in ((1, M.DEPARTED), (9, M.ARRIVED), (10, M.CUSTOMS_CLEARED), (11, M.SPLIT)):
        record_master_scan(consolidation_id=consolidation.pk, kind=kind, occurred_at=T0 + dt.timedelta(hours=hours))
    numbers = [ConsolidationItem.objects.get(shipment=s).last_mile_tracking_number for s in shipments]
    assert len(set(numbers)) == 2 and all(is_valid_s10(n) and n.startswith("RM") and n.endswith("GB") for n in numbers)
    assert statuses(shipments) == [S.IN_TRANSIT] * 2
    assert (E.IN_TRANSIT, f"Handed to Royal Mail: tracking number {numbers[0]}") in timeline(shipments[0])

    ingest_tracking_event(
        tracking_number=numbers[0], status=E.OUT_FOR_DELIVERY, occurred_at=T0 + dt.timedelta(hours=20)
    )
    ingest_tracking_event(tracking_number=numbers[0], status=E.DELIVERED, occurred_at=T0 + dt.timedelta(hours=22))

    assert statuses(shipments) == [S.DELIVERED, S.IN_TRANSIT]
    page = client.get(f"/carriers/track/{numbers[0]}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Delivered" in body and "Departed JFK on Atlantic Cargo" in body and "Handed to Royal Mail" in body


@pytest.mark.parametrize(("kind", "held"), [("landed", []), (M.CUSTOMS_HELD, []), (M.CUSTOMS_HELD, ["RR000000000GB"])])
def test_a_scan_that_cannot_apply_is_refused_and_changes_nothing(kind, held):
    consolidation, _ = tendered_master(1)
    before = TrackingEvent.objects.count()
    with pytest.raises(MasterScanRefused):
        record_master_scan(consolidation_id=consolidation.pk, kind=kind, occurred_at=T0, held_tracking_numbers=held)
    assert TrackingEvent.objects.count() == before and MasterScan.objects.count() == 1  # the tender only


def test_an_open_consolidation_cannot_be_scanned():
    lane()
    labelled_abroad()
    consolidation = Consolidation.objects.get()
    with pytest.raises(MasterScanRefused):
        record_master_scan(consolidation_id=consolidation.pk, kind=M.DEPARTED, occurred_at=T0)
    assert not MasterScan.objects.exists()


def test_the_task_records_the_scan_once_however_often_it_runs():
    consolidation, shipments = tendered_master(1)
    when = (T0 + dt.timedelta(hours=1)).isoformat()
    first = record_master_scan_task.delay(consolidation.pk, M.DEPARTED, when).get()
    again = record_master_scan_task.delay(consolidation.pk, M.DEPARTED, when).get()
    assert first == again
    assert TrackingEvent.objects.filter(shipment=shipments[0], status=E.EXPORT_CLEARED).count() == 1


def test_a_dap_parcel_cleared_with_its_master_tells_the_shopper_the_charges_are_due_at_the_door(deliver_events):
    from fulfillment.models import OutboundOrder

    consolidation, (dap, ddp) = tendered_master(2)
    OutboundOrder.objects.filter(pk=dap.fulfillment_order.order_id).update(incoterm="DAP")
    OutboundOrder.objects.filter(pk=ddp.fulfillment_order.order_id).update(incoterm="DDP")
    record_master_scan(consolidation_id=consolidation.pk, kind=M.ARRIVED, occurred_at=T0 + dt.timedelta(hours=9))
    with CaptureQueriesContext(connection) as ctx:
        record_master_scan(
            consolidation_id=consolidation.pk, kind=M.CUSTOMS_CLEARED, occurred_at=T0 + dt.timedelta(hours=10)
        )

    assert (E.DUTIES_DUE, f"Cleared import customs with consignment {consolidation.awb}: import charges to pay on "
            "delivery") in timeline(dap)  # fmt: skip
    assert (E.CUSTOMS_RELEASED, f"Cleared import customs with consignment {consolidation.awb}") in timeline(ddp)
    assert statuses([dap, ddp]) == [S.CLEARED, S.CLEARED]
    assert sum("INSERT" in q["sql"] and "outbox" in q["sql"] for q in ctx.captured_queries) == 1  # in bulk
    deliver_events()
    assert OrderEvent.objects.filter(order_id=dap.fulfillment_order.order_id, kind=OrderEvent.Kind.DUTIES_DUE).exists()
    assert not OrderEvent.objects.filter(
        order_id=ddp.fulfillment_order.order_id, kind=OrderEvent.Kind.DUTIES_DUE
    ).exists()
