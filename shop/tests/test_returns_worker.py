"""Returns worked by real Celery workers (PostgreSQL + Redis): a broker outage at approval, a worker killed with
SIGKILL in the middle of a batch of label purchases and of inspection refunds, and the same inspection fact handed
to the worker five times. Every return ends with one label and one refund, sent to the Stripe stand-in once.
"""

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.test import Client
from kombu.exceptions import OperationalError as BrokerDown

from conftest import _MEDIA_ROOT, start_killable_worker, swept, wait_until, worker_idle
from fulfillment import events as fulfillment_events
from fulfillment.models import InboundReturn, InboundReturnLine, ShippingLabel, StockMovement
from fulfillment.selectors import return_label, stock_ledger_mismatches
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from marketplace import outbox
from marketplace.celery import app as celery_app
from marketplace.models import HandledEvent, OutboxEvent
from shop.models import LocalStripeObject, Order, OrderEvent, Refund, ReturnRequest, SentEmail
from shop.services.payments import fulfill_checkout, start_payment
from shop.services.returns import request_return
from shop.tests.returns_support import deliver, delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import (
    local_stripe_fixture,  # noqa: F401 (fixture "local_stripe")
    pay_on_page,
    place_test_order,
    stocked_variant,
)

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
QUEUES = ("returns", "default", "allocation")  # labels and return facts; refunds and emails; "stop fulfillment"
RETURNS = 30
VISIBILITY_TIMEOUT = 3
S = ReturnRequest.Status


def _unreachable(*args, **kwargs):
    raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def _every_fact_handled() -> bool:
    outbox.mark_completed()
    return not OutboxEvent.objects.filter(completed_at__isnull=True).exists()


def _stand_in_refunds() -> list[dict]:
    return list(LocalStripeObject.objects.filter(object="refund").values_list("data", flat=True))


# --- (a) the broker is down when the return is approved ----------------------------------------------


def test_a_return_approved_while_the_broker_is_down_gets_its_label_once_the_broker_is_back(
    delivered_order, celery_worker_process, monkeypatch, settings
):
    order = delivered_order
    celery_app.conf.task_always_eager = False
    monkeypatch.setattr(outbox.run_event_handler, "apply_async", _unreachable)

    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")  # does not fail

    assert ret.status == S.APPROVED
    approved = OutboxEvent.objects.get(name="shop.return_approved", payload__return_id=ret.pk)
    assert (approved.dispatched_at, approved.attempts) == (None, 1)
    time.sleep(2)
    assert not InboundReturn.objects.filter(pk=ret.pk).exists()  # nothing reached the worker

    monkeypatch.undo()  # the broker is back; the beat sweep finds what was never dispatched
    settings.OUTBOX_DISPATCH_GRACE_SECONDS = 0
    assert outbox.redispatch_events() >= 1
    wait_until(
        lambda: HandledEvent.objects.filter(
            event__name="fulfillment.return_label_ready", handler="shop.return_label_ready"
        ).exists(),
        timeout=60,
        what="the return label, bought and announced",
    )
    wait_until(lambda: worker_idle(*QUEUES), timeout=30, what="the worker to finish")

    inbound = InboundReturn.objects.get(pk=ret.pk)
    label = return_label(return_id=ret.pk)
    assert inbound.status == InboundReturn.Status.EXPECTED and inbound.drop_off_code.startswith("RT-")
    assert label is not None and label.pdf.read(4) == b"%PDF"
    assert ShippingLabel.objects.filter(shipment=inbound.shipment).count() == 1
    assert SentEmail.objects.filter(order=order, kind=SentEmail.Kind.RETURN_APPROVED).count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.RETURN_LABEL_READY).count() == 1
    assert HandledEvent.objects.filter(event=approved).count() == 1


# --- (b) a worker killed with SIGKILL mid-batch ---------------------------------------------------------


def _start_worker(log_name: str) -> subprocess.Popen:
    return start_killable_worker(
        log_name,
        queues=",".join(QUEUES),
        visibility_timeout=VISIBILITY_TIMEOUT,
        env={
            "MEDIA_ROOT": str(_MEDIA_ROOT),
            "STRIPE_SECRET_KEY": "",
            "STRIPE_USE_LOCAL": "true",
            "STRIPE_LOCAL_WEBHOOK_URL": "",
            "EMAIL_URL": "memorymail://",
        },
    )


def _kill_when(worker: subprocess.Popen, condition, what: str) -> None:
    """SIGKILL the worker and its pool as soon as `condition` holds (some of the batch done, not all).

    Then wait out the visibility timeout: the next worker puts the dead one's unacknowledged tasks back in
    the queue when it starts (kombu scans for them at start, then only every 100 s by default).
    """
    try:
        wait_until(condition, timeout=60, what=what)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    time.sleep(VISIBILITY_TIMEOUT + 1)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


@contextmanager
def _other_workers_paused():
    """A worker already running (the session's) stops taking our queues, so the test's own worker gets every task."""
    others = []
    for _ in range(3):  # a loaded machine may answer late: ask again before concluding no worker runs
        others = list(celery_app.control.inspect(timeout=3).active_queues() or {})
        if others:
            break
    for queue in QUEUES if others else ():
        celery_app.control.cancel_consumer(queue, destination=others, reply=True, timeout=2)
    try:
        yield
    finally:
        for queue in QUEUES if others else ():
            celery_app.control.add_consumer(queue, destination=others, reply=True, timeout=2)


def _delivered_orders(count: int) -> list[Order]:
    """Orders of one unit at 15.00, each paid on the stand-in's page, recorded as the success page does, delivered."""
    variant = stocked_variant(quantity=count, price="15.00")
    orders = []
    for _ in range(count):
        order = place_test_order((variant, 1))
        payment = start_payment(order=order)
        assert pay_on_page(Client(), payment).status_code == 302
        fulfill_checkout(session_id=payment.checkout_session_id)  # paid; allocated by its handler (eagerly)
        deliver(order)
        order.refresh_from_db()
        assert order.status == Order.Status.DELIVERED
        orders.append(order)
    return orders


def test_a_worker_killed_mid_batch_loses_no_return_and_refunds_none_twice(local_stripe, returns_centre, settings):
    # The beat's sweep sends again what no worker finished (a dead worker's task): seconds here, not minutes.
    settings.OUTBOX_REDISPATCH_SECONDS = 5
    orders = _delivered_orders(RETURNS)
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    with _other_workers_paused():  # before the facts are sent: the session's worker must not take them
        returns = [
            request_return(order=order, lines=[(order.lines.get().pk, 1)], reason="doesnt_fit") for order in orders
        ]  # each commits: its "approved" fact waits in the returns queue
        ids = [ret.pk for ret in returns]
        labelled = ShippingLabel.objects.filter(shipment__inbound_return__pk__in=ids)
        refunded = Refund.objects.filter(return_request__pk__in=ids, status=Refund.Status.SUCCEEDED)
        # Labels: the first worker dies with some bought, the next buys the rest.
        first = _start_worker("returns-worker-killed-labels.log")
        _kill_when(first, lambda: labelled.count() >= 3, "the first return labels")
        assert labelled.count() < RETURNS, "the labels were all bought before the kill; make the batch bigger"
        second = _start_worker("returns-worker-killed-refunds.log")
        try:
            wait_until(
                swept(lambda: labelled.count() >= RETURNS, outbox.redispatch_events),
                timeout=90,
                what="every return label",
            )
            # Staff receive every parcel and restock it: the inspection facts go to the worker, which refunds.
            for ret in returns:
                receive_return(code=return_label(return_id=ret.pk).tracking_number)
                [line] = InboundReturnLine.objects.filter(inbound_return_id=ret.pk)
                inspect_return(return_id=ret.pk, dispositions=[Disposition(line_id=line.pk, restock=1)])
        except BaseException:
            _stop(second)
            raise
        _kill_when(second, lambda: refunded.count() >= 3, "the first refunds")
        assert refunded.count() < RETURNS, "the refunds were all made before the kill; make the batch bigger"
        third = _start_worker("returns-worker-restarted.log")
        try:
            wait_until(
                swept(lambda: refunded.count() >= RETURNS, outbox.redispatch_events), timeout=90, what="every refund"
            )
            wait_until(_every_fact_handled, timeout=60, what="every fact handled")
            # Any task the dead workers took is back in the queue and run again by now: it changed nothing.
            wait_until(lambda: worker_idle(*QUEUES), timeout=30, what="the redelivered tasks to be run")
        finally:
            _stop(third)

    assert sorted(ReturnRequest.objects.filter(pk__in=ids).values_list("status", flat=True)) == [S.COMPLETED] * RETURNS
    for ret in returns:
        assert ShippingLabel.objects.filter(shipment__inbound_return__pk=ret.pk).count() == 1
        [refund] = Refund.objects.filter(order=ret.order)
        assert (refund.idempotency_key, refund.status) == (f"return:{ret.pk}", Refund.Status.SUCCEEDED)
        assert refund.amount == Decimal("15.00")
    sent = _stand_in_refunds()
    assert sorted(int(data["metadata"]["refund_id"]) for data in sent) == sorted(refunded.values_list("pk", flat=True))
    assert Order.objects.filter(pk__in=[o.pk for o in orders], amount_refunded=Decimal("15")).count() == RETURNS
    assert all(data["amount_refunded"] <= data["amount"] for data in LocalStripeObject.objects.filter(
        object="charge").values_list("data", flat=True))  # fmt: skip
    returned = StockMovement.objects.filter(reason=StockMovement.Reason.RETURNED)
    assert returned.aggregate(units=Sum("quantity_change"))["units"] == RETURNS == returned.count()
    assert stock_ledger_mismatches() == []
    assert HandledEvent.objects.filter(handler="shop.submit_refund").count() == RETURNS
    assert HandledEvent.objects.filter(handler="shop.bring_return_back").count() == RETURNS
    assert HandledEvent.objects.filter(handler="shop.return_inspected").count() == RETURNS


# --- (c) the same inspection fact, five times ------------------------------------------------------------


def test_the_same_inspection_fact_handed_to_the_worker_five_times_refunds_once(delivered_order, celery_worker_process):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="doesnt_fit")  # label bought here (eager)
    receive_return(code=return_label(return_id=ret.pk).tracking_number)
    celery_app.conf.task_always_eager = False
    [line] = InboundReturnLine.objects.filter(inbound_return_id=ret.pk)

    inspect_return(return_id=ret.pk, dispositions=[Disposition(line_id=line.pk, restock=2)])  # to the worker

    inspected = OutboxEvent.objects.get(name="fulfillment.return_inspected")
    wait_until(
        lambda: Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).exists() and _every_fact_handled(),
        timeout=60,
        what="the refund and every fact after it",
    )
    requested = OutboxEvent.objects.get(name="shop.refund_requested")
    message = {"name": inspected.name, "payload": inspected.payload}
    for _ in range(5):
        # The same fact handed to the worker again (a redelivery), and announced again as a new fact (a replay).
        outbox.run_event_handler.apply_async((inspected.pk, "shop.return_inspected"), message, queue="returns")
        fulfillment_events.return_inspected.publish(**inspected.payload)
        # Its refund's "send to Stripe" again too: that handler is idempotent by itself and runs every time.
        outbox.run_event_handler.apply_async(
            (requested.pk, "shop.submit_refund"), {"name": requested.name, "payload": requested.payload}
        )
    wait_until(lambda: worker_idle(*QUEUES) and _every_fact_handled(), timeout=60, what="the repeats to be run")

    ret.refresh_from_db()
    order.refresh_from_db()
    [refund] = Refund.objects.filter(order=order)
    assert ret.status == S.COMPLETED and ret.refund == refund
    assert (refund.status, refund.amount, refund.idempotency_key) == ("succeeded", Decimal("25.00"), f"return:{ret.pk}")
    assert [data["amount"] for data in _stand_in_refunds()] == [2500]
    assert order.amount_refunded == Decimal("25.00")
    assert StockMovement.objects.filter(reason=StockMovement.Reason.RETURNED).count() == 1
    assert OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.RETURN_INSPECTED).count() == 1
    assert SentEmail.objects.filter(order=order, kind=SentEmail.Kind.RETURN_REFUNDED).count() == 1
    assert HandledEvent.objects.filter(event=inspected, handler="shop.return_inspected").count() == 1
    assert OutboxEvent.objects.filter(name="fulfillment.return_inspected").count() == 6
