"""The webhook endpoint: signatures checked on the raw body, each event stored once and applied once."""

import json
import time
from decimal import Decimal

import pytest

from shop.models import Order, StripeEvent
from shop.payments import gateway
from shop.payments.tasks import retry_unprocessed_events
from shop.services.payments import start_payment
from shop.tests.test_payments_support import (
    WEBHOOK_URL,
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    make_event,
    paid_signals_fixture,  # noqa: F401  (fixture "paid_signals")
    pay_on_page,
    place_test_order,
    post_event,
    signed,
    stand_in_events,
    stocked_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_session(client, local_stripe):
    """An order paid on the stand-in's page whose checkout.session.completed event has not arrived yet."""
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    pay_on_page(client, payment)
    (event,) = stand_in_events("checkout.session.completed")
    return order, payment, event


def _unchanged(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert not StripeEvent.objects.exists()


# ---------------------------------------------------------------------------------- refused deliveries


def test_a_wrong_signature_is_refused_and_nothing_changes(client, paid_session, django_capture_on_commit_callbacks):
    order, _, event = paid_session

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event, secret="whsec_someone_else")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_signature",
        "message": "The Stripe-Signature does not match the body.",
    }
    _unchanged(order)


def test_a_stale_timestamp_is_refused_as_a_replay(client, paid_session, django_capture_on_commit_callbacks):
    order, _, event = paid_session

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event, timestamp=int(time.time()) - 301)

    assert (response.status_code, response.json()["code"]) == (400, "stale_signature")
    _unchanged(order)


def test_a_body_changed_after_signing_is_refused(client, paid_session, django_capture_on_commit_callbacks):
    order, _, event = paid_session
    payload = json.dumps(event)
    tampered = payload.replace('"amount_total": 2136', '"amount_total": 1')
    assert tampered != payload

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            WEBHOOK_URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed(payload)
        )

    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
    _unchanged(order)


def test_a_missing_signature_is_refused(client, paid_session, django_capture_on_commit_callbacks):
    order, _, event = paid_session

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(WEBHOOK_URL, data=json.dumps(event), content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"code": "missing_signature", "message": "The Stripe-Signature header is missing."}
    _unchanged(order)


@pytest.mark.parametrize("body", ["not json", "[]", '{"object": "event"}'])
def test_a_signed_body_that_is_not_an_event_is_refused(client, local_stripe, body):
    response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed(body))

    assert (response.status_code, response.json()["code"]) == (400, "invalid_payload")
    assert not StripeEvent.objects.exists()


def test_only_post_is_answered(client, local_stripe):
    assert client.get(WEBHOOK_URL).status_code == 405


# ---------------------------------------------------------------------------------- at least once, in any order


def test_the_same_event_delivered_five_times_pays_the_order_once(
    client, paid_session, paid_signals, django_capture_on_commit_callbacks
):
    order, _, event = paid_session

    with django_capture_on_commit_callbacks(execute=True):
        responses = [post_event(client, event) for _ in range(5)]

    assert [response.status_code for response in responses] == [200] * 5
    assert [response.json()["duplicate"] for response in responses] == [False, True, True, True, True]
    order.refresh_from_db()
    assert (order.status, order.amount_paid) == ("paid", Decimal("21.36"))
    assert order.events.filter(to_status="paid").count() == 1
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.type, stored.attempts) == (event["id"], "checkout.session.completed", 1)
    assert stored.processed_at is not None
    assert [name for name, _ in paid_signals] == ["order_paid"]


def test_expired_after_completed_leaves_the_order_paid(
    client, paid_session, paid_signals, django_capture_on_commit_callbacks
):
    order, payment, completed = paid_session
    expired = make_event("checkout.session.expired", {**completed["data"]["object"], "status": "expired"})

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, completed)
        post_event(client, expired)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("paid", "paid")
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_async_payment_succeeded_before_completed_pays_once(
    client, paid_session, paid_signals, django_capture_on_commit_callbacks
):
    order, _, completed = paid_session
    session = completed["data"]["object"]
    succeeded = make_event("checkout.session.async_payment_succeeded", session)
    late_completed = make_event("checkout.session.completed", {**session, "payment_status": "unpaid"})

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, succeeded)
        post_event(client, late_completed)
        post_event(client, completed)

    order.refresh_from_db()
    assert order.status == "paid"
    assert order.payments.get().status == "paid"
    assert [name for name, _ in paid_signals] == ["order_paid"]


def test_an_expired_session_cancels_the_unpaid_order(client, local_stripe, django_capture_on_commit_callbacks):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    gateway.expire_checkout_session(payment.checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("cancelled", "expired")


def test_unknown_event_types_are_stored_acknowledged_and_ignored(
    client, local_stripe, django_capture_on_commit_callbacks
):
    event = make_event("customer.created", {"id": "cus_123", "object": "customer"})

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event)

    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert (stored.type, stored.payload["data"]["object"]["id"]) == ("customer.created", "cus_123")
    assert stored.processed_at is not None


def test_a_session_that_is_not_ours_is_acknowledged_and_ignored(
    client, local_stripe, django_capture_on_commit_callbacks
):
    session = {"id": "cs_test_elsewhere", "object": "checkout.session", "payment_status": "paid", "metadata": {}}

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, make_event("checkout.session.completed", session))

    assert response.status_code == 200
    assert StripeEvent.objects.get().processed_at is not None


# ---------------------------------------------------------------------------------- a lost task loses nothing


def test_an_event_whose_task_never_ran_is_queued_again_by_the_sweep(client, paid_session, paid_signals):
    order, _, event = paid_session
    post_event(client, event)  # stored; its on-commit task is lost (callbacks not run)
    stored = StripeEvent.objects.get()
    assert stored.processed_at is None

    assert retry_unprocessed_events() == 0  # too recent: its task may still be on its way
    StripeEvent.objects.update(received_at=stored.received_at.replace(year=stored.received_at.year - 1))
    assert retry_unprocessed_events() == 1

    order.refresh_from_db()
    assert order.status == "paid"
    assert StripeEvent.objects.get().processed_at is not None
    assert retry_unprocessed_events() == 0


def test_a_failing_event_records_the_error_and_stays_unprocessed(
    client, paid_session, monkeypatch, django_capture_on_commit_callbacks
):
    order, _, event = paid_session

    def broken(*args, **kwargs):
        raise RuntimeError("bug in a handler")

    monkeypatch.setattr("shop.services.payments._record_paid_session", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event)

    assert response.status_code == 200  # stored: Stripe need not send it again
    stored = StripeEvent.objects.get()
    assert (stored.processed_at, stored.attempts, stored.last_error) == (None, 1, "RuntimeError: bug in a handler")
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_a_refund_that_arrives_before_its_payment_waits_and_is_applied_when_the_payment_does(
    client, paid_session, django_capture_on_commit_callbacks
):
    """Stripe does not promise order: a refund made in its dashboard may reach us before the payment it refunds."""
    order, _, completed = paid_session
    intent = completed["data"]["object"]["payment_intent"]
    refund = make_event(
        "refund.created",
        {"id": "re_early", "object": "refund", "payment_intent": intent, "amount": 2136, "status": "succeeded"},
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, refund).status_code == 200
    early = StripeEvent.objects.get(event_id=refund["id"])
    assert (early.processed_at, early.waiting_for) == (None, intent)  # kept, not dropped
    assert retry_unprocessed_events() == 0  # and not retried in a loop while it waits

    with django_capture_on_commit_callbacks(execute=True):
        assert post_event(client, completed).status_code == 200

    order.refresh_from_db()
    early.refresh_from_db()
    assert early.processed_at is not None and early.waiting_for == ""
    assert (order.amount_paid, order.amount_refunded, order.status) == (Decimal("21.36"), Decimal("21.36"), "refunded")
    assert order.refunds.get().stripe_refund_id == "re_early"


def test_a_timestamp_from_the_future_is_refused(client, paid_session, django_capture_on_commit_callbacks):
    """A signature dated ahead would let a captured request be replayed until then (an hour: refused)."""
    order, _, event = paid_session

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(client, event, timestamp=int(time.time()) + 3600)

    assert response.status_code == 400
    assert response.json() == {
        "code": "stale_signature",
        "message": "The signature's timestamp is more than 5 minutes in the future.",
    }
    _unchanged(order)


def test_a_timestamp_a_little_ahead_is_accepted_as_clock_skew(client, paid_session):
    _order, _, event = paid_session

    response = post_event(client, event, timestamp=int(time.time()) + 240)

    assert response.status_code == 200
