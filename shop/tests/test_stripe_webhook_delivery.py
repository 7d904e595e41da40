"""The whole chain over real HTTP: the stand-in's Celery task POSTs the signed event to our running server."""

import time

import pytest
from django.test import Client

from marketplace.celery import app as celery_app
from shop.models import Order, StripeEvent
from shop.services.payments import start_payment
from shop.tests.test_payments_support import (
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
    place_test_order,
    post_event,
    stand_in_events,
    stocked_variant,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_paying_on_the_page_delivers_a_signed_event_over_http_that_pays_the_order(live_server, local_stripe):
    local_stripe.STRIPE_LOCAL_WEBHOOK_URL = f"{live_server.url}/stripe/webhook/"
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)

    response = pay_on_page(Client(), payment)  # commits: the delivery task runs (eagerly) and POSTs

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid"
    stored = StripeEvent.objects.get()
    assert (stored.type, stored.processed_at is not None) == ("checkout.session.completed", True)
    assert Order.objects.get(pk=order.pk).payments.get().status == "paid"


@pytest.mark.worker
@pytest.mark.postgres
def test_a_real_worker_applies_the_stored_event(celery_worker_process, local_stripe):
    celery_app.conf.task_always_eager = False
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    pay_on_page(Client(), payment)
    (completed,) = stand_in_events("checkout.session.completed")

    assert post_event(Client(), completed).status_code == 200  # stored; the task goes through the broker

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not StripeEvent.objects.filter(processed_at__isnull=False).exists():
        time.sleep(0.2)
    order.refresh_from_db()
    assert order.status == "paid"
    assert order.events.filter(to_status="paid").count() == 1
