"""Real Celery workers on the `consolidation` queue are killed with SIGKILL in the middle of their batches.

Parcels abroad were labelled before their lane existed; each then joins the lane's consolidation by a task (a
master that fills closes, the last one is closed by a task), the masters are tendered, and the airline's four
scans of every master (departed, arrived, cleared, split) arrive at once, each sent twice. A first worker is
killed while the parcels join, a second while the scans fan out; after a third finishes, every parcel is in
exactly one consolidation (no master counted it twice or is over capacity), left the warehouse's stock once, and
has exactly one tracking event per scan of its master, and one last-mile number. Tasks are acknowledged late and
every service is idempotent (a parcel assigned already, a master closed already, a scan stored already).
"""

import datetime as dt
import os
import signal
import time
from collections import Counter

import pytest
from django.conf import settings
from django.db.models import Count

from conftest import start_killable_worker, swept, wait_until, worker_idle
from fulfillment.models import (
    Consolidation,
    ConsolidationItem,
    MasterScan,
    Shipment,
    StockMovement,
    TrackingEvent,
    TrackingLeg,
)
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.tasks.consolidation import (
    close_consolidation_task,
    consolidate_labelled_parcel_task,
    record_master_scan_task,
    tender_consolidation_task,
)
from fulfillment.tests.consolidation_helpers import labelled_abroad, lane
from fulfillment.tests.shipping_helpers import T0
from marketplace.celery import app as celery_app

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PARCELS = 62
PER_MASTER = 4  # 15 masters close full as parcels join; the 16th (2 parcels) is closed by its task
MASTERS = -(-PARCELS // PER_MASTER)
M = MasterScan.Kind
SCANS = ((1, M.DEPARTED), (9, M.ARRIVED), (10, M.CUSTOMS_CLEARED), (11, M.SPLIT))


def _worker(log_name: str):
    # Closing writes the manifests: into the tests' media folder, not the project's.
    return start_killable_worker(log_name, queues="consolidation", env={"MEDIA_ROOT": settings.MEDIA_ROOT})


def _kill(worker) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, mid-batch
    worker.wait(timeout=10)


def _consolidated() -> int:
    return ConsolidationItem.objects.count()


def _scans(kind: str | None = None) -> int:
    scans = MasterScan.objects.all()
    return (scans.filter(kind=kind) if kind else scans).count()


def _send_again_unjoined(shipments) -> None:
    """What a sender does once the queue has run dry: send again each parcel not joined yet (the broker may have
    lost a message the killed worker had taken; the scans below are each sent twice for the same reason)."""
    if not worker_idle("consolidation"):
        return
    joined = set(ConsolidationItem.objects.values_list("shipment_id", flat=True))
    for shipment in shipments:
        if shipment.pk not in joined:
            consolidate_labelled_parcel_task.delay(shipment.pk)


def test_workers_killed_mid_batch_consolidate_each_parcel_once_and_fan_each_scan_out_once():
    shipments = [labelled_abroad() for _ in range(PARCELS)]  # no lane yet: none is consolidated
    route = lane(max_parcels=PER_MASTER)
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    for shipment in shipments:
        consolidate_labelled_parcel_task.delay(shipment.pk)

    first = _worker("consolidation-worker-killed.log")
    try:
        wait_until(lambda: _consolidated() >= 10, timeout=60, what="the first parcels to join")
        _kill(first)
    finally:
        if first.poll() is None:
            _kill(first)
    assert _consolidated() < PARCELS, "every parcel joined before the kill; make the batch bigger"

    second = _worker("consolidation-worker-second.log")
    third = None
    try:
        every_parcel = swept(lambda: _consolidated() >= PARCELS, lambda: _send_again_unjoined(shipments), every=5)
        wait_until(every_parcel, timeout=120, what="every parcel to join")
        for pk in Consolidation.objects.filter(status=Consolidation.Status.OPEN).values_list("pk", flat=True):
            close_consolidation_task.delay(pk, Consolidation.CloseReason.CUTOFF)
        wait_until(
            lambda: not Consolidation.objects.filter(status=Consolidation.Status.OPEN).exists(),
            timeout=60,
            what="the last master to close",
        )
        masters = list(Consolidation.objects.order_by("pk").values_list("pk", flat=True))
        for pk in masters:
            tender_consolidation_task.delay(pk)
        wait_until(lambda: _scans(M.TENDERED) >= MASTERS, timeout=120, what="every master to be tendered")
        # The airline's scans of every master, in any order, each twice (a resent message).
        for _ in range(2):
            for hours, kind in SCANS:
                for pk in masters:
                    record_master_scan_task.delay(pk, kind, (T0 + dt.timedelta(hours=hours)).isoformat())
        wait_until(lambda: _scans() >= MASTERS + 8, timeout=60, what="the first scans to fan out")
        _kill(second)
        assert _scans() < MASTERS * 5, "every scan fanned out before the kill; make the batch bigger"

        third = _worker("consolidation-worker-third.log")
        wait_until(lambda: _scans() >= MASTERS * 5, timeout=120, what="every scan to fan out")
        time.sleep(4)  # let any redelivered duplicate run, to prove it changes nothing
    finally:
        if second.poll() is None:
            _kill(second)
        if third is not None:
            os.killpg(third.pid, signal.SIGTERM)
            third.wait(timeout=30)

    # Each parcel joined one master, once: the masters' counters agree with their parcels, none over capacity.
    assert Consolidation.objects.filter(lane=route).count() == MASTERS
    counted = Consolidation.objects.annotate(joined=Count("items")).values_list("parcel_count", "joined")
    assert all(count == joined for count, joined in counted)
    assert sorted(Consolidation.objects.values_list("parcel_count", flat=True)) == [2] + [PER_MASTER] * (MASTERS - 1)
    assert set(ConsolidationItem.objects.values_list("shipment_id", flat=True)) == {s.pk for s in shipments}
    assert Counter(TrackingLeg.objects.values_list("shipment_id", flat=True)) == {s.pk: 5 for s in shipments}
    # Every master went all the way, every scan stored once.
    assert set(Consolidation.objects.values_list("status", flat=True)) == {Consolidation.Status.SPLIT}
    assert Counter(MasterScan.objects.values_list("kind", flat=True)) == dict.fromkeys(
        (M.TENDERED, *(kind for _, kind in SCANS)), MASTERS
    )
    # Each scan fanned out once to each parcel of its master: one event per (parcel, scan), nothing else.
    expected = Counter(
        (shipment_id, occurred_at)
        for consolidation_id, occurred_at in MasterScan.objects.values_list("consolidation_id", "occurred_at")
        for shipment_id in ConsolidationItem.objects.filter(consolidation_id=consolidation_id).values_list(
            "shipment_id", flat=True
        )
    )
    fanned = Counter(
        TrackingEvent.objects.exclude(status=TrackingEvent.Status.LABEL_CREATED).values_list(
            "shipment_id", "occurred_at"
        )
    )
    assert fanned == expected and sum(fanned.values()) == 5 * PARCELS
    assert set(MasterScan.objects.values_list("parcels", flat=True)) <= {2, PER_MASTER}
    # Handed over once (the stock left once) and on under one last-mile number each.
    assert set(Shipment.objects.values_list("status", flat=True)) == {Shipment.Status.IN_TRANSIT}
    assert StockMovement.objects.filter(reason=StockMovement.Reason.SHIPPED).count() == PARCELS
    assert stock_ledger_mismatches() == []
    numbers = list(ConsolidationItem.objects.values_list("last_mile_tracking_number", flat=True))
    assert all(numbers) and len(set(numbers)) == PARCELS
