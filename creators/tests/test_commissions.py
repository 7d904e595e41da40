"""Commissions: amounts and rounding, idempotent recording, release after the return window, refunds."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from creators.models import Commission, Payout
from creators.services.commissions import apply_order_refunds, commission_cents, record_order_commissions
from creators.tasks.commissions import release_payable_commissions
from creators.tests.money import click, order_paid_at, tagged_variant
from fulfillment.models import FulfillmentOrder, OutboundOrder, Shipment
from fulfillment.tests.factories import WarehouseFactory
from shop import events
from shop.models import Payment, Refund
from shop.services.order_fulfillment import announce_paid

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("base_cents", "rate", "expected"),
    [
        (5, "10", 1),  # 0.5 cent rounds half up
        (15, "10", 2),  # 1.5 -> 2
        (25, "10", 3),  # 2.5 -> 3 (banker's rounding would give 2)
        (18, "2.5", 0),  # 0.45 -> 0
        (4, "12.5", 1),  # 0.5 -> 1
        (1999, "12.5", 250),  # 249.875 -> 250
        (4000, "10", 400),
        (0, "10", 0),
    ],
)
def test_commission_is_rounded_half_up_on_the_cent(base_cents, rate, expected):
    assert commission_cents(base_cents=base_cents, rate_percent=Decimal(rate)) == expected


def _attributed_order(*, quantity=2, price="20.00", rate="10.00", paid_at=None):
    paid_at = paid_at or timezone.now()
    token = uuid.uuid4().hex
    tag, variant = tagged_variant(price=price, rate=rate)
    click(tag, at=paid_at - timedelta(hours=1), session_key=token)
    order = order_paid_at((variant, quantity), paid_at=paid_at, token=token)
    return order, tag


def test_a_paid_attributed_line_earns_the_rate_on_its_line_total(django_capture_on_commit_callbacks):
    order, tag = _attributed_order(quantity=2, price="20.00", rate="12.50")

    with django_capture_on_commit_callbacks(execute=True):
        announce_paid(order)

    commission = Commission.objects.get()
    assert (commission.creator_id, commission.tag_id) == (tag.post.creator_id, tag.pk)
    assert (commission.base_cents, commission.rate, commission.amount_cents) == (4000, Decimal("12.50"), 500)
    assert (commission.status, commission.kind, commission.currency) == ("pending", "earning", "USD")


def test_recording_twice_makes_one_commission():
    order, _ = _attributed_order()

    record_order_commissions(order_id=order.pk)
    record_order_commissions(order_id=order.pk)

    assert Commission.objects.filter(order_line__order=order).count() == 1


def test_an_unattributed_line_earns_nothing():
    _, variant = tagged_variant()
    order = order_paid_at((variant, 1), paid_at=timezone.now(), token="guest-cart-token")

    record_order_commissions(order_id=order.pk)

    assert not Commission.objects.exists()


def _ship(order, *, delivered_at=None, status=Shipment.Status.DELIVERED):
    copy, _ = OutboundOrder.objects.get_or_create(id=order.pk, defaults={"number": order.number})
    fulfillment_order = FulfillmentOrder.objects.create(order=copy, warehouse=WarehouseFactory())
    return Shipment.objects.create(fulfillment_order=fulfillment_order, status=status, delivered_at=delivered_at)


def test_the_beat_task_releases_commission_30_days_after_delivery():
    order, _ = _attributed_order()
    record_order_commissions(order_id=order.pk)
    delivered = timezone.now() - timedelta(days=30, minutes=1)
    _ship(order, delivered_at=delivered)

    release_payable_commissions.delay()

    commission = Commission.objects.get()
    assert (commission.status, commission.payable_after) == ("payable", delivered + timedelta(days=30))


def test_commission_stays_pending_inside_the_return_window():
    order, _ = _attributed_order()
    record_order_commissions(order_id=order.pk)
    _ship(order, delivered_at=timezone.now() - timedelta(days=29, hours=23))

    release_payable_commissions.delay()

    assert Commission.objects.get().status == "pending"


def test_commission_of_an_order_not_fully_delivered_stays_pending():
    order, _ = _attributed_order()
    record_order_commissions(order_id=order.pk)
    _ship(order, delivered_at=timezone.now() - timedelta(days=40))
    _ship(order, status=Shipment.Status.IN_TRANSIT)
    undelivered, _ = _attributed_order()
    record_order_commissions(order_id=undelivered.pk)

    release_payable_commissions.delay()

    assert list(Commission.objects.values_list("status", flat=True)) == ["pending", "pending"]


def _refund(order, *, amount, lines=()):
    """A succeeded refund as shop leaves it (quantity_refunded kept from its lines)."""
    payment = order.payments.first() or Payment.objects.create(
        order=order, amount=order.total, amount_paid=order.total, currency=order.currency, status="paid"
    )
    Refund.objects.create(
        order=order,
        payment=payment,
        idempotency_key=f"refund-{Refund.objects.count()}",
        amount=Decimal(amount),
        currency=order.currency,
        status=Refund.Status.SUCCEEDED,
        lines=[{"order_line_id": line.pk, "quantity": quantity} for line, quantity in lines],
    )
    for line, quantity in lines:
        line.quantity_refunded += quantity
        line.save(update_fields=["quantity_refunded"])
    order.amount_refunded += Decimal(amount)
    order.save(update_fields=["amount_refunded"])


def test_a_full_refund_before_payout_reverses_the_commission(django_capture_on_commit_callbacks):
    order, _ = _attributed_order(quantity=2)
    record_order_commissions(order_id=order.pk)
    line = order.lines.get()
    _refund(order, amount="40.00", lines=[(line, 2)])

    with django_capture_on_commit_callbacks(execute=True):
        events.order_refunded.publish(order_id=order.pk, number=order.number, refund_id=1, fully_refunded=True)

    commission = Commission.objects.get()
    assert (commission.amount_cents, commission.amount_reversed_cents, commission.status) == (400, 400, "reversed")


def test_a_line_refund_before_payout_reverses_pro_rata_and_a_replay_does_not_reverse_again():
    order, _ = _attributed_order(quantity=3, price="10.00")
    record_order_commissions(order_id=order.pk)
    line = order.lines.get()
    _refund(order, amount="10.00", lines=[(line, 1)])

    apply_order_refunds(order_id=order.pk)
    apply_order_refunds(order_id=order.pk)

    commission = Commission.objects.get()
    assert (commission.amount_cents, commission.amount_reversed_cents, commission.status) == (300, 100, "pending")


def test_an_amount_only_refund_reverses_pro_rata_on_the_amount_paid():
    order, _ = _attributed_order(quantity=2, price="20.00")
    record_order_commissions(order_id=order.pk)
    quarter = (order.amount_paid / 4).quantize(Decimal("0.01"))
    _refund(order, amount=str(quarter))

    apply_order_refunds(order_id=order.pk)

    # 400 x quarter / amount_paid, half up on the cent.
    expected = int((Decimal(400) * quarter / order.amount_paid).to_integral_value(rounding="ROUND_HALF_UP"))
    assert Commission.objects.get().amount_reversed_cents == expected
    assert 99 <= expected <= 101


def test_a_refund_after_payout_writes_a_negative_adjustment_and_leaves_the_paid_row_alone():
    order, tag = _attributed_order(quantity=2)
    record_order_commissions(order_id=order.pk)
    payout = Payout.objects.create(
        creator_id=tag.post.creator_id, amount_cents=400, currency="USD", status="paid", idempotency_key="p1"
    )
    Commission.objects.update(status=Commission.Status.PAID, payout=payout)
    paid_before = Commission.objects.values().get()
    line = order.lines.get()
    _refund(order, amount="20.00", lines=[(line, 1)])

    apply_order_refunds(order_id=order.pk)
    apply_order_refunds(order_id=order.pk)  # a replayed event

    assert Commission.objects.values().get(kind="earning") == paid_before
    adjustment = Commission.objects.get(kind="adjustment")
    assert (adjustment.amount_cents, adjustment.status, adjustment.creator_id) == (-200, "payable", tag.post.creator_id)
    assert adjustment.payout_id is None


def test_a_second_refund_after_payout_adjusts_only_the_difference():
    order, tag = _attributed_order(quantity=2)
    record_order_commissions(order_id=order.pk)
    line = order.lines.get()
    _refund(order, amount="20.00", lines=[(line, 1)])
    apply_order_refunds(order_id=order.pk)  # before payout: 200 reversed
    payout = Payout.objects.create(
        creator_id=tag.post.creator_id, amount_cents=200, currency="USD", status="paid", idempotency_key="p2"
    )
    Commission.objects.update(status=Commission.Status.PAID, payout=payout)
    _refund(order, amount="20.00", lines=[(line, 1)])

    apply_order_refunds(order_id=order.pk)

    assert list(Commission.objects.filter(kind="adjustment").values_list("amount_cents", flat=True)) == [-200]
    assert Commission.objects.get(kind="earning").amount_reversed_cents == 200


def test_a_refund_before_the_commission_is_recorded_is_applied_when_it_is():
    order, _ = _attributed_order(quantity=2)
    line = order.lines.get()
    _refund(order, amount="20.00", lines=[(line, 1)])

    record_order_commissions(order_id=order.pk)

    assert Commission.objects.get().amount_reversed_cents == 200
