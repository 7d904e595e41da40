"""Events from the stand-in: Stripe's shape, signed, delivered over HTTP by a Celery task, retried."""

import json
import os
import re
import socket
import time

import pytest
import stripe

from shop.models import LocalStripeObject
from shop.payments.local_stripe import store
from shop.payments.local_stripe.events import emit_event
from shop.payments.local_stripe.tasks import MAX_DELIVERY_RETRIES, WebhookDeliveryFailed, deliver_event, retry_countdown
from shop.payments.local_stripe.testing import (
    WebhookReceiver,
    checkout_session_params,
    local_client,
    pay_with_test_card,
)

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def receiver(settings):
    with WebhookReceiver() as running:
        settings.STRIPE_LOCAL_WEBHOOK_URL = running.url
        yield running


def verified(delivery):
    return stripe.Webhook.construct_event(delivery.payload, delivery.headers["Stripe-Signature"], SECRET)


def test_paying_delivers_a_signed_checkout_session_completed(client, receiver, django_capture_on_commit_callbacks):
    session = local_client().v1.checkout.sessions.create(params=checkout_session_params())

    with django_capture_on_commit_callbacks(execute=True):
        response = pay_with_test_card(client, session.id)

    assert response.status_code == 302
    [delivery] = receiver.received
    assert delivery.headers["Content-Type"] == "application/json; charset=utf-8"
    event = verified(delivery)
    assert event.type == "checkout.session.completed"
    assert event.id.startswith("evt_")
    assert event.object == "event"
    assert event.livemode is False
    assert event.api_version == stripe.api_version
    assert event.data.object.id == session.id
    assert (event.data.object.status, event.data.object.payment_status) == ("complete", "paid")
    assert event.data.object.payment_intent.startswith("pi_")
    assert event.data.object.metadata.order_number == "M-1001"
    assert event.request.to_dict() == {"id": None, "idempotency_key": None}
    assert store.load(event.id)["pending_webhooks"] == 0


def test_the_signature_holds_only_for_the_exact_body_and_secret(client, receiver, django_capture_on_commit_callbacks):
    session = local_client().v1.checkout.sessions.create(params=checkout_session_params())
    with django_capture_on_commit_callbacks(execute=True):
        pay_with_test_card(client, session.id)
    [delivery] = receiver.received
    header = delivery.headers["Stripe-Signature"]

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.payload.replace('"paid"', '"unpaid"'), header, SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.payload, header, "whsec_other")
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)


def test_an_api_request_names_itself_and_its_idempotency_key_in_its_events(
    receiver, django_capture_on_commit_callbacks
):
    sdk = local_client()
    session = sdk.v1.checkout.sessions.create(params=checkout_session_params())

    with django_capture_on_commit_callbacks(execute=True):
        sdk.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "expire-M-1001"})

    [delivery] = receiver.received
    event = verified(delivery)
    assert event.type == "checkout.session.expired"
    assert event.data.object.status == "expired"
    assert event.request.idempotency_key == "expire-M-1001"
    assert event.request.id.startswith("req_")


def test_a_refund_delivers_charge_refunded_and_refund_events(
    receiver, client, django_capture_on_commit_callbacks, settings
):
    sdk = local_client()
    session = sdk.v1.checkout.sessions.create(params=checkout_session_params())
    pay_with_test_card(client, session.id)  # its event is not delivered: the callbacks were not run
    intent_id = store.load(session.id)["payment_intent"]

    with django_capture_on_commit_callbacks(execute=True):
        refund = sdk.v1.refunds.create(params={"payment_intent": intent_id, "amount": 700})

    events = [verified(delivery) for delivery in receiver.received]
    assert [event.type for event in events] == ["refund.created", "charge.refunded", "refund.updated"]
    assert events[1].data.object.amount_refunded == 700
    assert events[1].data.previous_attributes.amount_refunded == 0
    assert events[2].data.object.id == refund.id


def test_a_failing_endpoint_is_retried_until_it_answers_2xx_without_real_waits(
    settings, django_capture_on_commit_callbacks
):
    with WebhookReceiver(statuses=[500, 503, 200]) as receiver:
        settings.STRIPE_LOCAL_WEBHOOK_URL = receiver.url
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            event = emit_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})
        elapsed = time.monotonic() - started

    assert len(receiver.received) == 3
    assert {json.loads(delivery.body)["id"] for delivery in receiver.received} == {event["id"]}
    assert all(verified(delivery).id == event["id"] for delivery in receiver.received)
    assert elapsed < 2  # eager retries ignore the countdown (2 s, 4 s, ... on a worker)
    assert store.load(event["id"])["pending_webhooks"] == 0


def test_delivery_gives_up_after_the_last_retry(settings):
    statuses = [500] * (MAX_DELIVERY_RETRIES + 1)
    with WebhookReceiver(statuses=list(statuses)) as receiver:
        settings.STRIPE_LOCAL_WEBHOOK_URL = ""
        event = emit_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})

        with pytest.raises(WebhookDeliveryFailed):
            deliver_event.delay(event["id"], receiver.url)

    assert len(receiver.received) == MAX_DELIVERY_RETRIES + 1


def test_an_unreachable_endpoint_is_retried_then_given_up_without_breaking_the_payment(
    client, settings, django_capture_on_commit_callbacks, caplog
):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.STRIPE_LOCAL_WEBHOOK_URL = f"http://127.0.0.1:{port}/stripe/webhook/"
    session = local_client().v1.checkout.sessions.create(params=checkout_session_params())

    with django_capture_on_commit_callbacks(execute=True):
        response = pay_with_test_card(client, session.id)

    assert response.status_code == 302
    assert store.load(session.id)["payment_status"] == "paid"
    assert "Connection refused" in caplog.text or "URLError" in caplog.text
    [event] = LocalStripeObject.objects.filter(object="event")
    assert event.data["pending_webhooks"] == 1


def test_the_retry_policy_is_exponential_from_2_seconds():
    assert [retry_countdown(retries) for retries in range(MAX_DELIVERY_RETRIES)] == [2, 4, 8, 16, 32, 64, 128, 256]
    assert deliver_event.max_retries == MAX_DELIVERY_RETRIES == 8


def test_without_a_webhook_url_events_are_stored_only(settings, django_capture_on_commit_callbacks):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event = emit_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})

    assert callbacks == []
    assert store.load(event["id"])["pending_webhooks"] == 0


def test_events_are_retrievable_through_the_api():
    event = emit_event("checkout.session.expired", {"id": "cs_test_1", "object": "checkout.session", "_private": 1})

    fetched = local_client().v1.events.retrieve(event["id"])

    assert fetched.type == "checkout.session.expired"
    assert fetched.data.object.to_dict() == {"id": "cs_test_1", "object": "checkout.session"}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_event(celery_worker_process, settings):
    with WebhookReceiver(statuses=[500, 200]) as receiver:
        settings.STRIPE_LOCAL_WEBHOOK_URL = receiver.url
        from marketplace.celery import app

        app.conf.task_always_eager = False
        event = emit_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})
        deadline = time.monotonic() + 30
        while len(receiver.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)

    # The worker signs with its own settings (the environment's secret, or the default).
    worker_secret = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_local_stand_in_secret")
    assert len(receiver.received) == 2
    delivery = receiver.received[1]
    assert (
        stripe.Webhook.construct_event(delivery.payload, delivery.headers["Stripe-Signature"], worker_secret).id
        == event["id"]
    )
