"""A real Celery worker is killed with SIGKILL in the middle of a batch of receipts being closed.

Staff asked to close every receipt (each a `close_receipt_task` on the `inbound` queue). After a new
worker starts, every receipt is closed once: each line's units were put into stock exactly once (one
RECEIVED movement per line) and stock reconciles with the ledger. The close is one transaction, tasks
are acknowledged late, and a second close of a closed receipt changes nothing.
"""

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest
from django.db.models import Sum

from conftest import start_killable_worker, swept, wait_until, worker_idle
from fulfillment.models import InboundShipment, Stock, StockMovement
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.selectors_inbound import closes_to_send_again
from fulfillment.services.receiving import LineCount, record_line_counts, request_close
from fulfillment.tasks.receiving import close_receipt_task
from fulfillment.tests.factories import WarehouseFactory
from fulfillment.tests.inbound_helpers import announced
from marketplace.celery import app as celery_app
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
RECEIPTS = 120


def _closed() -> int:
    return InboundShipment.objects.filter(status=InboundShipment.Status.CLOSED).count()


def _resend_unfinished() -> None:
    """The beat's resend_unfinished_closes, once the queue has run dry (the test asked for every close at once)."""
    if not worker_idle("inbound"):
        return
    for shipment_id, by_id in closes_to_send_again(older_than=dt.timedelta(seconds=20)):
        close_receipt_task.delay(shipment_id, by_id)


def test_a_worker_killed_mid_batch_closes_every_receipt_once():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    tea, cup = VariantFactory(product=product), VariantFactory(product=product)
    for _ in range(RECEIPTS):
        shipment = announced(warehouse, (tea, 3), (cup, 2))
        lines = {line.variant_id: line.pk for line in shipment.lines.all()}
        record_line_counts(
            shipment_id=shipment.pk,
            counts=[
                LineCount(line_id=lines[tea.pk], received=3, damaged=1),
                LineCount(line_id=lines[cup.pk], received=2),
            ],
        )
        request_close(shipment_id=shipment.pk)
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    for shipment_id in InboundShipment.objects.order_by("pk").values_list("pk", flat=True):
        close_receipt_task.delay(shipment_id)

    first = start_killable_worker("receiving-worker-killed.log", queues="inbound")
    try:
        wait_until(lambda: _closed() >= 10, timeout=60, what="the first receipts to close")
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool, mid-batch
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert _closed() < RECEIPTS, "the batch finished before the kill; make it bigger"

    second = start_killable_worker("receiving-worker-restarted.log", queues="inbound")
    try:
        wait_until(
            swept(lambda: _closed() >= RECEIPTS, _resend_unfinished, every=5),
            timeout=120,
            what="every receipt to close",
        )
        time.sleep(4)  # let any redelivered duplicate run, to prove it changes nothing
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)

    received = StockMovement.objects.filter(reason=StockMovement.Reason.RECEIVED)
    assert received.count() == 2 * RECEIPTS  # one per line, never two
    assert dict(Stock.objects.values_list("variant_id", "quantity")) == {tea.pk: 2 * RECEIPTS, cup.pk: 2 * RECEIPTS}
    assert received.aggregate(total=Sum("quantity_change"))["total"] == 4 * RECEIPTS
    assert stock_ledger_mismatches() == []
