"""The simulated network moves master shipments, not parcels, between the export hub and the split; then each
parcel goes on to the door under its last-mile number."""

import datetime as dt

import pytest
from django.core.management import call_command

from fulfillment import simulation
from fulfillment.models import Consolidation, ConsolidationItem, MasterScan, Shipment, TrackingEvent
from fulfillment.services.consolidation import close_consolidation
from fulfillment.simulated_linehaul import advance_masters
from fulfillment.tests.consolidation_helpers import labelled_abroad, lane

pytestmark = pytest.mark.django_db
C = Consolidation.Status
S = Shipment.Status
E = TrackingEvent.Status


@pytest.fixture
def network(settings):
    settings.CARRIER_SIMULATION_STEP_SECONDS = 60
    settings.CONSOLIDATION_SIMULATE_LINEHAUL = True


def test_parcels_go_alone_only_to_the_export_hub_then_the_master_moves_then_the_last_mile(network):
    lane()
    shipments = [labelled_abroad() for _ in range(2)]
    now = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=1)

    for i in range(4):  # picked up, at the export hub, then nothing: they wait for their master
        simulation.advance(now=now + dt.timedelta(minutes=2 * i), seed=1)
    for shipment in shipments:
        shipment.refresh_from_db()
        assert shipment.status == S.AT_HUB and shipment.next_simulated_at is None
        assert TrackingEvent.objects.filter(shipment=shipment).exclude(status=E.LABEL_CREATED).count() == 2

    consolidation = Consolidation.objects.get()
    close_consolidation(consolidation_id=consolidation.pk, now=now)
    moves = []
    clock = now
    while Consolidation.objects.get(pk=consolidation.pk).status != C.SPLIT and len(moves) < 10:
        clock += dt.timedelta(minutes=5)
        moves += [scan.kind for scan in advance_masters(now=clock, seed=3)]
    assert moves[:3] == [MasterScan.Kind.TENDERED, MasterScan.Kind.DEPARTED, MasterScan.Kind.ARRIVED]
    assert moves[-2:] == [MasterScan.Kind.CUSTOMS_CLEARED, MasterScan.Kind.SPLIT]

    for i in range(10):
        simulation.advance(
            now=clock + dt.timedelta(minutes=10 * (i + 1)), seed=1, chances=simulation.Chances(0, 0, 0, 0)
        )
    for shipment in shipments:
        shipment.refresh_from_db()
        last_mile = ConsolidationItem.objects.get(shipment=shipment).last_mile_tracking_number
        assert shipment.status == S.DELIVERED
        assert TrackingEvent.objects.filter(shipment=shipment, tracking_number=last_mile, status=E.DELIVERED).exists()


def test_the_command_flies_everything_to_the_door(network, capsys):
    lane()
    labelled_abroad()
    call_command("simulate_carriers", "--until-delivered", "--seed", "2")
    consolidation = Consolidation.objects.get()
    assert consolidation.status == C.SPLIT
    assert Shipment.objects.get().status in (S.DELIVERED, S.RETURNED_TO_SENDER)
    assert f"{consolidation.awb}: Departed (1 parcels)" in capsys.readouterr().out


def test_the_demo_hub_closes_a_consolidation_that_waited_ten_steps(network):
    lane()
    labelled_abroad()
    consolidation = Consolidation.objects.get()
    soon = consolidation.created_at + dt.timedelta(minutes=9)
    advance_masters(now=soon)
    assert Consolidation.objects.get().status == C.OPEN
    advance_masters(now=consolidation.created_at + dt.timedelta(minutes=11))
    closed = Consolidation.objects.get()
    assert closed.status == C.CLOSED and closed.close_reason == "early" and closed.awb
