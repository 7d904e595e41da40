"""Refunds: in full, by line, never more than was paid, idempotent against Stripe and its webhooks."""

from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone

from fulfillment.models import Reservation
from fulfillment.selectors import available_by_variant
from shop.models import Order, Payment, Refund
from shop.order_timeline import describe
from shop.payments import gateway
from shop.services.payments import (
    CancelNotAllowed,
    RefundFailed,
    RefundNotAllowed,
    cancel_order,
    refund_order,
    retry_pending_refunds,
    start_payment,
)
from shop.tests.test_payments_support import (
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    paid_signals_fixture,  # noqa: F401  (fixture "paid_signals")
    pay_on_page,
    place_test_order,
    stand_in_events,
    stocked_variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(client, local_stripe, django_capture_on_commit_callbacks):
    """2 x tea at 12.50 and 1 x cup at 8.00 (+ 9.62 shipping: 750 g to zone 7; 42.62 USD), paid on the stand-in."""
    tea, cup = stocked_variant(price="12.50"), stocked_variant(price="8.00")
    order = place_test_order((tea, 2), (cup, 1))
    pay_on_page(client, start_payment(order=order))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)
    order.refresh_from_db()
    assert (order.status, order.total) == ("paid", Decimal("42.62"))
    order.tea, order.cup = order.lines.get(variant=tea), order.lines.get(variant=cup)
    return order


def _charge_refunded(order: Order) -> int:
    """What Stripe (the stand-in) holds as refunded on the order's charge, in cents."""
    client = gateway.get_client()
    intent = client.v1.payment_intents.retrieve(order.payments.get().payment_intent_id)
    return client.v1.charges.retrieve(intent.latest_charge).amount_refunded


def test_a_full_refund_refunds_the_order_and_gives_its_stock_back(
    paid_order, staff_user, paid_signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order=paid_order, by=staff_user, reason="Customer changed their mind")

    paid_order.refresh_from_db()
    assert (refund.status, refund.amount, refund.by, refund.stripe_refund_id[:3]) == (
        "succeeded",
        Decimal("42.62"),
        staff_user,
        "re_",
    )
    assert (paid_order.status, paid_order.amount_refunded) == ("refunded", Decimal("42.62"))
    assert paid_order.payments.get().amount_refunded == Decimal("42.62")
    assert _charge_refunded(paid_order) == 4262
    event = paid_order.events.last()
    assert (event.to_status, event.by, describe(event)) == (
        "refunded",
        staff_user,
        "Refunded 42.62 USD: Customer changed their mind",
    )
    assert not Reservation.objects.filter(order_line__order=paid_order).exists()
    assert available_by_variant(variant_ids=[paid_order.tea.variant_id]) == {paid_order.tea.variant_id: 5}
    assert [(name, kwargs["refund_id"]) for name, kwargs in paid_signals if name == "order_refunded"] == [
        ("order_refunded", refund.pk)
    ]


def test_refunding_some_lines_refunds_their_units_at_the_price_paid(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(
            order=paid_order, lines=[(paid_order.tea.pk, 1), (paid_order.cup.pk, 1)], reason="Damaged"
        )

    paid_order.refresh_from_db()
    paid_order.tea.refresh_from_db()
    paid_order.cup.refresh_from_db()
    assert (refund.amount, refund.lines) == (
        Decimal("20.50"),
        [{"order_line_id": paid_order.tea.pk, "quantity": 1}, {"order_line_id": paid_order.cup.pk, "quantity": 1}],
    )
    assert (paid_order.status, paid_order.amount_refunded) == ("paid", Decimal("20.50"))
    assert (paid_order.tea.quantity_refunded, paid_order.cup.quantity_refunded) == (1, 1)
    assert _charge_refunded(paid_order) == 2050


def test_more_than_is_left_is_refused_and_nothing_changes(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, amount=Decimal("30.00"))

    with pytest.raises(RefundNotAllowed) as error:
        refund_order(order=paid_order, amount=Decimal("13.00"))
    assert error.value.code == "exceeds_paid"
    assert error.value.message == (
        f"At most 12.62 USD can still be refunded on order {paid_order.number}; 13.00 USD was asked for."
    )
    with pytest.raises(RefundNotAllowed) as error:
        refund_order(order=paid_order, lines=[(paid_order.tea.pk, 3)])
    assert error.value.code == "exceeds_quantity"

    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == ("paid", Decimal("30.00"))
    assert Refund.objects.count() == 1
    assert _charge_refunded(paid_order) == 3000


def test_a_line_refunded_once_cannot_be_refunded_again(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.cup.pk, 1)])

    with pytest.raises(RefundNotAllowed) as error:
        refund_order(order=paid_order, lines=[(paid_order.cup.pk, 1)])

    assert error.value.message == f"Only 0 of {paid_order.cup.sku} can still be refunded; 1 was asked for."


def test_the_database_refuses_refunds_above_what_was_paid(paid_order):
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=paid_order.pk).update(amount_refunded=Decimal("43.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(order=paid_order).update(amount_refunded=Decimal("43.00"))


def test_replayed_refund_webhooks_change_nothing(client, paid_order, paid_signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.tea.pk, 1)])
    before = list(paid_order.events.values_list("pk", flat=True))
    refund_events = [event for event in stand_in_events() if event["type"].startswith(("refund.", "charge.refunded"))]
    assert [event["type"] for event in refund_events] == ["refund.created", "charge.refunded", "refund.updated"]

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            for event_type in ("refund.created", "charge.refunded", "refund.updated"):
                deliver_stand_in_events(client, event_type)

    paid_order.refresh_from_db()
    paid_order.tea.refresh_from_db()
    assert (paid_order.amount_refunded, paid_order.tea.quantity_refunded) == (Decimal("12.50"), 1)
    assert list(paid_order.events.values_list("pk", flat=True)) == before
    assert Refund.objects.count() == 1
    assert sum(1 for name, _ in paid_signals if name == "order_refunded") == 1


def test_a_refund_made_in_stripes_dashboard_is_recorded_from_its_webhook(
    client, paid_order, django_capture_on_commit_callbacks
):
    intent = paid_order.payments.get().payment_intent_id
    gateway.get_client().v1.refunds.create(params={"payment_intent": intent, "amount": 500})  # not through the shop

    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client, "refund.created")
        deliver_stand_in_events(client, "refund.updated")

    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (
        Decimal("5.00"),
        "succeeded",
        "Refunded in Stripe's dashboard",
    )
    paid_order.refresh_from_db()
    assert paid_order.amount_refunded == Decimal("5.00")


def test_a_refund_stripe_refuses_is_marked_failed_and_changes_no_amount(paid_order, django_capture_on_commit_callbacks):
    intent = paid_order.payments.get().payment_intent_id
    gateway.get_client().v1.refunds.create(params={"payment_intent": intent})  # all of it, behind our back

    with pytest.raises(RefundFailed):
        refund_order(order=paid_order)

    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == ("paid", Decimal("0.00"))
    assert Refund.objects.get().status == "failed"
    assert "failed" in describe(paid_order.events.last())


def test_a_refund_stripe_never_answered_stays_pending_and_is_sent_again_with_the_same_key(
    paid_order, monkeypatch, django_capture_on_commit_callbacks
):
    real_create = gateway.create_refund
    keys = []

    def unreachable(**kwargs):
        keys.append(kwargs["idempotency_key"])
        raise stripe.APIConnectionError("Stripe is unreachable")

    monkeypatch.setattr(gateway, "create_refund", unreachable)
    with pytest.raises(stripe.APIConnectionError):
        refund_order(order=paid_order, amount=Decimal("10.00"))
    refund = Refund.objects.get()
    assert refund.status == "pending"
    with pytest.raises(RefundNotAllowed):  # the pending refund counts against what is left
        refund_order(order=paid_order, amount=Decimal("33.00"))

    def recorded(**kwargs):
        keys.append(kwargs["idempotency_key"])
        return real_create(**kwargs)

    monkeypatch.setattr(gateway, "create_refund", recorded)
    Refund.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_pending_refunds() == 1

    refund.refresh_from_db()
    paid_order.refresh_from_db()
    assert refund.status == "succeeded"
    assert keys == [f"refund:{refund.pk}", f"refund:{refund.pk}"]
    assert paid_order.amount_refunded == Decimal("10.00")


# ---------------------------------------------------------------------------------- cancelling


def test_cancelling_a_paid_order_before_shipping_refunds_it_in_full(
    paid_order, staff_user, paid_signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund = cancel_order(order=paid_order, by=staff_user, reason="Out of stock at the warehouse")

    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.amount_refunded) == ("cancelled", Decimal("42.62"))
    assert refund.status == "succeeded"
    assert not Reservation.objects.filter(order_line__order=paid_order).exists()
    assert [event.to_status for event in paid_order.events.order_by("pk")][-2:] == ["cancelled", ""]


def test_cancelling_an_unpaid_order_expires_its_session_first(client, local_stripe):
    order = place_test_order((stocked_variant(), 1))
    payment = start_payment(order=order)

    assert cancel_order(order=order, reason="Shopper asked") is None

    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status) == ("cancelled", "expired")
    assert pay_on_page(client, payment).status_code == 410


def test_a_shipped_order_cannot_be_cancelled(paid_order):
    Order.objects.filter(pk=paid_order.pk).update(status=Order.Status.FULFILLED)

    with pytest.raises(CancelNotAllowed):
        cancel_order(order=paid_order)
