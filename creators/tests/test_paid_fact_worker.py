"""A payment that commits while the broker is unreachable: the order is paid at once, and once the broker is
back, allocation, commission and the confirmation email each happen exactly once (PostgreSQL + Redis + a real
Celery worker). Handing the same fact to the worker five times more changes nothing.
"""

import time
import uuid
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from conftest import wait_until, worker_idle
from creators.models import Commission
from creators.tests.money import click, tagged_variant
from fulfillment.models import Allocation
from marketplace import outbox
from marketplace.celery import app as celery_app
from marketplace.models import HandledEvent, OutboxEvent
from shop.models import Cart, CartLine, Order, SentEmail
from shop.services.orders import ShippingAddress, place_order
from shop.services.payments import fulfill_checkout, start_payment
from shop.tests.factories import cart_shipping
from shop.tests.test_payments_support import local_stripe_fixture, pay_on_page  # noqa: F401  (fixture "local_stripe")

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ADDRESS = ShippingAddress(name="Ada", line1="1 Main St", city="Springfield", country="US", postal_code="62701")
PAID_HANDLERS = {"shop.request_fulfillment", "shop.send_order_confirmation", "creators.record_commissions"}


def _attributed_order() -> Order:
    """An unpaid order of a product the shopper tapped in a creator's video a minute ago."""
    tag, variant = tagged_variant(rate="10.00", price="20.00")
    token = uuid.uuid4().hex
    click(tag, at=timezone.now() - timedelta(minutes=1), session_key=token)
    cart = Cart.objects.create(session_key=token)
    CartLine.objects.create(cart=cart, variant=variant, quantity=2)
    shipping = cart_shipping(cart)
    return place_order(cart=cart, email="ada@example.com", address=ADDRESS, shipping=shipping)


def _effects(order: Order) -> tuple[int, int, int]:
    allocated = Allocation.objects.filter(order_line__order=order.pk).aggregate(units=Sum("quantity"))["units"] or 0
    commissions = Commission.objects.filter(order_line__order_id=order.pk).count()
    emails = SentEmail.objects.filter(order=order, kind=SentEmail.Kind.CONFIRMATION).count()
    return allocated, commissions, emails


def test_a_broker_outage_at_payment_delays_the_work_and_loses_none(
    local_stripe, celery_worker_process, monkeypatch, settings
):
    celery_app.conf.task_always_eager = False
    order = _attributed_order()
    payment = start_payment(order=order)
    assert pay_on_page(Client(), payment).status_code == 302

    def unreachable(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox.run_event_handler, "apply_async", unreachable)
    fulfill_checkout(session_id=payment.checkout_session_id)  # what the success page does: it does not fail

    order.refresh_from_db()
    fact = OutboxEvent.objects.get(name="shop.order_paid")
    assert order.status == Order.Status.PAID
    assert (fact.dispatched_at, fact.attempts) == (None, 1)
    time.sleep(2)
    assert _effects(order) == (0, 0, 0)  # nothing reached the worker

    monkeypatch.undo()  # the broker is back; the beat sweep finds what was never dispatched
    settings.OUTBOX_DISPATCH_GRACE_SECONDS = 0
    assert outbox.redispatch_events() >= 1
    wait_until(
        lambda: set(HandledEvent.objects.filter(event=fact).values_list("handler", flat=True)) == PAID_HANDLERS,
        timeout=60,
        what="every handler of the paid fact",
    )
    assert _effects(order) == (2, 1, 1)

    for _ in range(5):  # the same fact handed to the worker five more times
        for handler in PAID_HANDLERS:
            outbox.run_event_handler.apply_async((fact.pk, handler), queue="default")
    wait_until(lambda: worker_idle("default", "allocation"), timeout=60, what="the repeats to be run")

    assert _effects(order) == (2, 1, 1)
    assert HandledEvent.objects.filter(event=fact).count() == len(PAID_HANDLERS)
    assert outbox.mark_completed() == 1
    fact.refresh_from_db()
    assert fact.completed_at is not None
