"""A real Celery worker is killed with SIGKILL in the middle of a batch of allocations.

Each paid order is announced through the outbox (order_paid), whose relay hands the allocation handler
to the `allocation` queue. After a new worker starts, every order is allocated exactly once and stock
reconciles with the movement ledger: tasks are acknowledged late, and handlers run once per fact.
"""

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import Sum

from conftest import start_killable_worker, swept, wait_until
from fulfillment.models import Allocation, Stock
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.stock import hold_reservations
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace import outbox
from marketplace.celery import app as celery_app
from marketplace.models import HandledEvent
from shop.models import Cart, CartLine, Order, OrderEvent
from shop.services.order_fulfillment import announce_paid
from shop.services.orders import ShippingAddress, claims_of, place_order, set_order_status
from shop.tests.factories import VariantFactory, cart_shipping

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
ORDERS = 150
ADDRESS = ShippingAddress(name="Ada", line1="1 Main St", city="New York", country="US", postal_code="10118")


def test_a_worker_killed_mid_batch_loses_no_order_and_allocates_none_twice(settings):
    settings.OUTBOX_REDISPATCH_SECONDS = 20  # the beat's sweep, in seconds here: it sends again what no worker finished
    variants = [VariantFactory() for _ in range(3)]
    for variant in variants:
        stock_of(variant, WarehouseFactory(), quantity=ORDERS)
    orders = []
    for index in range(ORDERS):
        cart = Cart.objects.create(session_key=uuid.uuid4().hex)
        CartLine.objects.create(cart=cart, variant=variants[index % 3], quantity=1)
        order = place_order(cart=cart, email="a@example.com", address=ADDRESS, shipping=cart_shipping(cart))
        hold_reservations(claims=claims_of(list(order.lines.all())))
        set_order_status(order=order, to=Order.Status.PAID, kind=OrderEvent.Kind.PAID)
        orders.append(order)
    celery_app.control.purge()
    celery_app.conf.task_always_eager = False
    for order in orders:
        with transaction.atomic():
            announce_paid(order)  # the relay enqueues its handlers after commit

    first = start_killable_worker("worker-killed.log", queues="allocation")
    try:
        wait_until(lambda: Allocation.objects.count() >= 10, timeout=60, what="the first allocations")
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its pool, mid-batch
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    done_when_killed = Allocation.objects.count()
    assert done_when_killed < ORDERS, "the batch finished before the kill; make it bigger"

    second = start_killable_worker("worker-restarted.log", queues="allocation")
    try:
        every_order = swept(lambda: Allocation.objects.count() >= ORDERS, outbox.redispatch_events, every=5)
        wait_until(every_order, timeout=120, what="every order to be allocated")
        time.sleep(4)  # let any redelivered duplicate run, to prove it changes nothing
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)

    per_line = Allocation.objects.values("order_line").annotate(units=Sum("quantity"))
    assert per_line.count() == ORDERS
    assert {row["units"] for row in per_line} == {1}
    assert Stock.objects.aggregate(total=Sum("quantity_allocated"))["total"] == ORDERS
    assert stock_ledger_mismatches() == []
    assert HandledEvent.objects.filter(handler="shop.request_fulfillment").count() == ORDERS
