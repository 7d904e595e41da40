"""Paying an order through Stripe Checkout (the local stand-in, through the real SDK) and fulfilling it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerDown

from fulfillment.models import Allocation, Reservation
from fulfillment.selectors import available_by_variant
from marketplace import outbox
from shop.models import CartLine, Order, Payment, Refund
from shop.order_timeline import describe
from shop.payments import gateway
from shop.services.payments import (
    PaymentNotStartable,
    expire_stale_checkouts,
    fulfill_checkout,
    start_payment,
)
from shop.tests.test_payments_support import (
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    make_event,
    paid_signals_fixture,  # noqa: F401  (fixture "paid_signals")
    pay_on_page,
    place_test_order,
    post_event,
    stand_in_events,
    stocked_variant,
)

pytestmark = pytest.mark.django_db


def _paid_count(signals) -> int:
    return sum(1 for name, _ in signals if name == "order_paid")


# ---------------------------------------------------------------------------------- the gateway


def test_amounts_go_to_stripe_in_integer_minor_units():
    assert gateway.to_minor_units(Decimal("12.34"), "USD") == 1234
    assert gateway.to_minor_units(Decimal("500"), "JPY") == 500
    assert gateway.to_minor_units(Decimal("1.234"), "KWD") == 1234
    assert gateway.from_minor_units(2999, "usd") == Decimal("29.99")


def test_a_session_lives_at_least_stripes_thirty_minutes_and_otherwise_as_long_as_the_reservation():
    now = timezone.now()

    assert gateway.session_expiry(reserved_until=now + timedelta(minutes=15), now=now) == now + timedelta(minutes=32)
    assert gateway.session_expiry(reserved_until=now + timedelta(hours=2), now=now) == now + timedelta(hours=2)


def test_a_live_key_is_refused_beside_the_local_stand_in(settings):
    settings.STRIPE_USE_LOCAL = True
    settings.STRIPE_SECRET_KEY = "sk_live_abc"

    with pytest.raises(ImproperlyConfigured):
        gateway.get_client()


# ---------------------------------------------------------------------------------- starting a payment


def test_starting_a_payment_opens_a_checkout_session_with_the_orders_lines_shipping_and_metadata(local_stripe):
    tea = stocked_variant(price="12.50")
    order = place_test_order((tea, 2))

    payment = start_payment(order=order)

    assert (payment.attempt, payment.status, payment.amount, payment.currency) == (1, "open", order.total, "USD")
    assert payment.checkout_url.endswith(f"/test-payments/checkout/{payment.checkout_session_id}/")
    assert payment.expires_at >= order.reserved_until
    assert payment.expires_at >= timezone.now() + timedelta(minutes=30)
    session = gateway.get_client().v1.checkout.sessions.retrieve(payment.checkout_session_id)
    assert session.amount_total == 2 * 1250 + 886
    assert (session.currency, session.customer_email, session.client_reference_id) == (
        "usd",
        "ada@example.com",
        order.number,
    )
    assert session.metadata.to_dict() == {"order_number": order.number, "payment_id": str(payment.pk)}
    items = gateway.get_client().v1.checkout.sessions.line_items.list(payment.checkout_session_id)
    assert [(item.description, item.quantity, item.amount_total) for item in items.data] == [
        (f"{tea.product.title} ({tea.label})", 2, 2500),
        (f"Shipping: {order.shipping_method_name}", 1, 886),
    ]


def test_starting_again_hands_out_the_open_session_and_a_new_attempt_once_it_expired(local_stripe):
    order = place_test_order((stocked_variant(), 1))
    first = start_payment(order=order)

    assert start_payment(order=order).pk == first.pk
    gateway.expire_checkout_session(first.checkout_session_id)
    Payment.objects.filter(pk=first.pk).update(status=Payment.Status.EXPIRED)
    second = start_payment(order=order)

    assert (second.attempt, second.status) == (2, "open")
    assert second.checkout_session_id != first.checkout_session_id


def test_a_retried_session_create_later_sends_the_same_parameters_and_gets_the_same_session(local_stripe):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)

    later = timezone.now() + timedelta(minutes=3)
    assert gateway.checkout_session_params(payment, now=later) == gateway.checkout_session_params(payment)
    again = gateway.create_checkout_session(payment)  # same idempotency key: no IdempotencyError

    assert again["id"] == payment.checkout_session_id


def test_an_order_whose_reservation_ran_out_cannot_start_a_payment(local_stripe):
    order = place_test_order((stocked_variant(), 1))
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    with pytest.raises(PaymentNotStartable) as error:
        start_payment(order=order)

    assert error.value.code == "reservation_expired"
    assert not Payment.objects.exists()


# ---------------------------------------------------------------------------------- the whole checkout


def test_paying_on_the_page_and_the_signed_webhook_make_the_order_paid(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    tea = stocked_variant(quantity=5)
    order = place_test_order((tea, 2))
    payment = start_payment(order=order)

    response = pay_on_page(client, payment)
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/checkout/success/?session_id={payment.checkout_session_id}"
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, order.amount_paid) == ("paid", Decimal("33.86"))
    assert (payment.status, payment.amount_paid) == ("paid", Decimal("33.86"))
    assert payment.payment_intent_id.startswith("pi_")
    # order_paid -> the allocation task turned the held reservation into an allocation.
    assert not Reservation.objects.filter(order_line__order=order).exists()
    assert list(Allocation.objects.filter(order_line__order=order.pk).values_list("quantity", flat=True)) == [2]
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 3}
    assert not CartLine.objects.filter(cart=order.cart).exists()
    assert [(name, payload["order_id"]) for name, payload in paid_signals] == [("order_paid", order.pk)]


def test_a_declined_card_leaves_the_order_awaiting_payment(client, local_stripe):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)

    response = pay_on_page(client, payment, number="4000 0000 0000 0002")

    assert response.status_code == 402
    assert stand_in_events() == []
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_the_success_page_and_the_webhook_settle_the_payment_once(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    pay_on_page(client, payment)

    with django_capture_on_commit_callbacks(execute=True):
        fulfill_checkout(session_id=payment.checkout_session_id)  # the success page comes first
        deliver_stand_in_events(client)
        fulfill_checkout(session_id=payment.checkout_session_id)

    order.refresh_from_db()
    assert order.status == "paid"
    assert order.events.filter(to_status="paid").count() == 1
    assert _paid_count(paid_signals) == 1


# ---------------------------------------------------------------------------------- async payment methods


def _session(payment: Payment, **changes) -> dict:
    session = gateway.retrieve_checkout_session(payment.checkout_session_id)
    session.update(changes)
    return session


def test_a_completed_but_unpaid_session_waits_for_the_bank_then_pays(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    unpaid = _session(payment, status="complete", payment_status="unpaid", payment_intent="pi_test_async")
    paid = {**unpaid, "payment_status": "paid"}

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, make_event("checkout.session.completed", unpaid))
    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("processing", "pending_payment")
    # The sweep leaves an order whose payment is settling alone, even once the reservation ran out.
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(minutes=1))
    assert expire_stale_checkouts() == 0

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, make_event("checkout.session.async_payment_succeeded", paid))

    order.refresh_from_db()
    assert order.status == "paid"
    assert _paid_count(paid_signals) == 1


def test_a_failed_async_payment_cancels_the_order_and_frees_its_stock(
    client, local_stripe, django_capture_on_commit_callbacks
):
    tea = stocked_variant(quantity=1)
    order = place_test_order((tea, 1))
    payment = start_payment(order=order)
    unpaid = _session(payment, status="complete", payment_status="unpaid")

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, make_event("checkout.session.completed", unpaid))
        post_event(client, make_event("checkout.session.async_payment_failed", unpaid))

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("cancelled", "failed")
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 1}


# ---------------------------------------------------------------------------------- what was paid


def test_an_amount_that_differs_from_the_order_puts_it_on_hold_for_staff(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    short = _session(payment, status="complete", payment_status="paid", amount_total=100, payment_intent="pi_x")

    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, make_event("checkout.session.completed", short))

    order.refresh_from_db()
    assert (order.status, order.amount_paid) == ("on_hold", Decimal("1.00"))
    assert order.hold_reason == "Amount paid (1.00 USD) differs from the order total (21.36 USD)."
    assert paid_signals == []


def test_a_payment_after_the_reservation_ran_out_keeps_the_stock_while_it_is_free(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    tea = stocked_variant(quantity=1)
    order = place_test_order((tea, 1))
    payment = start_payment(order=order)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    pay_on_page(client, payment)

    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)

    order.refresh_from_db()
    assert order.status == "paid"
    assert list(Allocation.objects.values_list("quantity", flat=True)) == [1]  # the renewed hold, allocated
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 0}
    assert _paid_count(paid_signals) == 1


def test_a_payment_after_the_stock_was_sold_to_someone_else_is_refunded_and_the_shopper_told(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    tea = stocked_variant(quantity=1)
    late = place_test_order((tea, 1), email="late@example.com")
    payment = start_payment(order=late)
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    place_test_order((tea, 1), email="quick@example.com")  # takes the last unit
    pay_on_page(client, payment)

    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client, "refund.updated")  # Stripe's word on the refund: changes nothing more

    late.refresh_from_db()
    assert (late.status, late.amount_paid, late.amount_refunded) == ("refunded", Decimal("21.36"), Decimal("21.36"))
    refund = Refund.objects.get()
    assert (refund.status, refund.amount, refund.idempotency_key) == (
        "succeeded",
        Decimal("21.36"),
        f"refund:{refund.pk}",
    )
    statuses = late.events.exclude(to_status="").order_by("pk").values_list("to_status", flat=True)
    assert list(statuses) == ["pending_payment", "paid", "refunded"]
    assert "stock is gone" in describe(late.events.get(to_status="paid"))
    assert late.sent_emails.get().kind == "automatic_refund"  # once, however often Stripe repeats itself
    assert [message.to for message in mail.outbox if "refunded" in message.subject] == [["late@example.com"]]
    assert "sold out" in mail.outbox[-1].body
    assert _paid_count(paid_signals) == 0
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 0}


def test_a_second_session_paid_for_an_order_already_paid_is_given_back(
    client, local_stripe, paid_signals, django_capture_on_commit_callbacks
):
    order = place_test_order((stocked_variant(), 1))
    first = start_payment(order=order)
    Payment.objects.filter(pk=first.pk).update(expires_at=timezone.now())  # forces a second attempt
    second = start_payment(order=order)
    pay_on_page(client, first)
    pay_on_page(client, second)

    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client, "checkout.session.completed")

    order.refresh_from_db()
    assert (order.status, order.amount_paid, order.amount_refunded) == ("paid", Decimal("42.72"), Decimal("21.36"))
    assert Refund.objects.get().payment_id == second.pk
    assert _paid_count(paid_signals) == 1


# ---------------------------------------------------------------------------------- reservations that run out


def test_the_sweep_expires_open_sessions_then_cancels_and_frees_the_stock(client, local_stripe):
    tea = stocked_variant(quantity=1)
    order = place_test_order((tea, 1))
    payment = start_payment(order=order)
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))

    assert expire_stale_checkouts() == 1

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("cancelled", "expired")
    assert gateway.retrieve_checkout_session(payment.checkout_session_id)["status"] == "expired"
    assert pay_on_page(client, payment).status_code == 410  # too late to pay
    assert not Reservation.objects.exists()
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 1}


def test_the_sweep_fulfils_a_session_that_was_paid_just_before_it(client, local_stripe, paid_signals):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)
    pay_on_page(client, payment)  # its webhook has not arrived yet
    Order.objects.filter(pk=order.pk).update(reserved_until=timezone.now() - timedelta(seconds=1))

    assert expire_stale_checkouts() == 0

    order.refresh_from_db()
    assert order.status == "paid"


def test_the_success_page_answers_when_the_broker_is_down_and_the_paid_order_is_handled_later(
    client, local_stripe, monkeypatch, django_capture_on_commit_callbacks, deliver_events
):
    """It answered 500 before: the order was paid, but never allocated nor confirmed, and nothing recovered it."""
    tea = stocked_variant(quantity=5)
    order = place_test_order((tea, 2))
    payment = start_payment(order=order)
    pay_on_page(client, payment)

    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox.run_event_handler, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"/checkout/success/?session_id={payment.checkout_session_id}")

    order.refresh_from_db()
    assert (response.status_code, response["Location"].split("?")[0]) == (302, f"/orders/{order.number}/")
    assert order.status == "paid"
    assert not Allocation.objects.filter(order_line__order=order.pk).exists()

    monkeypatch.undo()  # the broker is back; the sweep delivers the fact
    deliver_events()

    assert list(Allocation.objects.filter(order_line__order=order.pk).values_list("quantity", flat=True)) == [2]
    assert [message.subject for message in mail.outbox] == [f"Your order {order.number} is confirmed"]
