"""A reversed commission says why: the refund's reason reaches the commission, the earnings page and its API."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creators.models import Commission, Payout
from creators.services.commissions import apply_order_refunds, record_order_commissions
from creators.tests.factories import CreatorFactory
from creators.tests.money import click, order_paid_at, tagged_variant
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from shop import selectors
from shop.models import Cart, Payment, Refund, ReturnRequest
from shop.services.cart import add_to_cart
from shop.services.orders import place_order
from shop.services.payments import start_payment
from shop.services.returns import request_return
from shop.tests.factories import cart_shipping
from shop.tests.returns_support import deliver, returns_centre_fixture  # noqa: F401 (fixture "returns_centre")
from shop.tests.test_payments_support import (
    ADDRESS,
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
)

pytestmark = pytest.mark.django_db

EARNINGS = "/studio/earnings/"
EARNINGS_API = "/api/v1/creator/earnings/"


def _attributed_order(*, creator=None, quantity=2, price="20.00"):
    """A paid order of one line credited to a creator's tag (10 %), its commission recorded."""
    token = uuid.uuid4().hex
    tag, variant = tagged_variant(creator=creator, price=price, rate="10.00")
    click(tag, at=timezone.now() - timedelta(hours=1), session_key=token)
    order = order_paid_at((variant, quantity), paid_at=timezone.now(), token=token)
    record_order_commissions(order_id=order.pk)
    return order, tag


def _refund(order, *, amount: str, reason: str, lines=(), status=Refund.Status.SUCCEEDED) -> Refund:
    """A refund as the shop leaves it (quantity_refunded kept from its lines when it succeeded)."""
    payment = order.payments.first() or Payment.objects.create(
        order=order, amount=order.total, amount_paid=order.total, currency=order.currency, status="paid"
    )
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        idempotency_key=uuid.uuid4().hex,
        amount=Decimal(amount),
        currency=order.currency,
        status=status,
        reason=reason,
        lines=[{"order_line_id": line.pk, "quantity": quantity} for line, quantity in lines],
    )
    if status == Refund.Status.SUCCEEDED:
        for line, quantity in lines:
            line.quantity_refunded += quantity
            line.save(update_fields=["quantity_refunded"])
    return refund


# --- the shop tells why -----------------------------------------------------------------------------


def test_the_refunded_state_names_the_latest_succeeded_refund_of_each_line_and_of_amounts():
    order, _ = _attributed_order(quantity=3)
    line = order.lines.get()
    _refund(order, amount="20.00", reason="Return R1: Doesn't fit", lines=[(line, 1)])
    _refund(order, amount="5.00", reason="Goodwill for the delay")
    _refund(order, amount="20.00", reason="Return R2: Arrived damaged", lines=[(line, 1)])
    _refund(order, amount="20.00", reason="Return R3: never went through", lines=[(line, 1)], status="failed")

    refunds = selectors.refunds_of_order(order_id=order.pk)

    assert refunds.line_reasons == {line.pk: "Return R2: Arrived damaged"}
    assert refunds.amount_only_reason == "Goodwill for the delay"
    assert refunds.reason_for(line.pk) == "Return R2: Arrived damaged"
    assert refunds.reason_for(line.pk + 1000) == "Goodwill for the delay"
    assert (refunds.quantities, refunds.amount_only) == ({line.pk: (3, 2)}, Decimal("5.00"))


def test_the_refunded_state_takes_three_queries():
    order, _ = _attributed_order()
    _refund(order, amount="20.00", reason="Return R1: Doesn't fit", lines=[(order.lines.get(), 1)])

    with CaptureQueriesContext(connection) as queries:
        selectors.refunds_of_order(order_id=order.pk)

    assert len(queries) == 3


# --- the commission keeps it ------------------------------------------------------------------------


def test_a_reversal_before_payout_notes_the_refunds_reason_and_a_later_one_the_newer_reason():
    order, _ = _attributed_order(quantity=4, price="10.00")
    line = order.lines.get()
    _refund(order, amount="10.00", reason="Return MK-1-R1: Doesn't fit", lines=[(line, 1)])

    apply_order_refunds(order_id=order.pk)
    first = Commission.objects.values_list("amount_reversed_cents", "note").get()
    _refund(order, amount="10.00", reason="Return MK-1-R2: Arrived damaged", lines=[(line, 1)])
    apply_order_refunds(order_id=order.pk)
    apply_order_refunds(order_id=order.pk)  # a replayed fact changes nothing

    assert first == (100, "Return MK-1-R1: Doesn't fit")
    assert Commission.objects.values_list("amount_reversed_cents", "note").get() == (
        200,
        "Return MK-1-R2: Arrived damaged",
    )


def test_a_refund_after_payout_writes_the_reason_on_its_adjustment():
    order, tag = _attributed_order(quantity=2)
    payout = Payout.objects.create(
        creator_id=tag.post.creator_id, amount_cents=400, currency="USD", status="paid", idempotency_key="p-why"
    )
    Commission.objects.update(status=Commission.Status.PAID, payout=payout)
    earning = Commission.objects.get()
    _refund(order, amount="20.00", reason="Return MK-2-R1: Not as described", lines=[(order.lines.get(), 1)])

    apply_order_refunds(order_id=order.pk)

    adjustment = Commission.objects.get(kind=Commission.Kind.ADJUSTMENT)
    assert (adjustment.amount_cents, adjustment.note) == (
        -200,
        f"Refund after payout of commission {earning.pk}: Return MK-2-R1: Not as described",
    )
    assert Commission.objects.get(pk=earning.pk).note == ""  # a paid row is never edited


def test_a_return_refunded_on_the_stand_in_reverses_the_commission_with_the_returns_reason(
    client, local_stripe, returns_centre, deliver_events, django_capture_on_commit_callbacks
):
    # Given a delivered order of 2 units bought from a creator's tag (10 % of 2 x 20.00)
    tag, variant = tagged_variant(price="20.00", rate="10.00")
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    click(tag, at=timezone.now(), session_key=cart.session_key)
    add_to_cart(
        cart=cart, variant=variant, quantity=2, attribution_tag_id=tag.pk, attribution_creator_id=tag.post.creator_id
    )
    shipping = cart_shipping(cart)
    order = place_order(cart=cart, email="ada@example.com", address=ADDRESS, shipping=shipping)
    pay_on_page(client, start_payment(order=order))
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)
    deliver_events()
    deliver(order)
    deliver_events()
    assert Commission.objects.get().amount_cents == 400

    # When one unit comes back, is inspected and refunded
    ret = request_return(order=order, lines=[(order.lines.get().pk, 1)], reason="doesnt_fit")
    deliver_events()
    receive_return(code=ret.number)
    inspect_return(return_id=ret.pk, dispositions=[Disposition(line_id=ret.lines.get().pk, restock=1)])
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()
    deliver_events()

    # Then half the commission is taken back, and the creator is told why
    ret.refresh_from_db()
    assert (ret.status, ret.refund.status) == (ReturnRequest.Status.COMPLETED, Refund.Status.SUCCEEDED)
    commission = Commission.objects.get()
    assert (commission.amount_reversed_cents, commission.note) == (200, f"Return {ret.number}: Doesn't fit")
    client.force_login(tag.post.creator.user)
    page = client.get(EARNINGS).content.decode()
    assert f"Return {ret.number}: Doesn&#x27;t fit" in page


# --- the creator reads it -----------------------------------------------------------------------------


def test_the_earnings_page_and_api_list_what_was_taken_back_and_why(client, api_client):
    creator = CreatorFactory()
    order, tag = _attributed_order(creator=creator, quantity=2, price="20.00")
    _refund(order, amount="20.00", reason="Return MK-3-R1: Doesn't fit", lines=[(order.lines.get(), 1)])
    apply_order_refunds(order_id=order.pk)
    other_order, _ = _attributed_order(quantity=1)
    _refund(other_order, amount="20.00", reason="Another creator's return", lines=[(other_order.lines.get(), 1)])
    apply_order_refunds(order_id=other_order.pk)
    client.force_login(creator.user)
    api_client.force_authenticate(creator.user)

    page = client.get(EARNINGS).content.decode()
    body = api_client.get(EARNINGS_API).json()

    commission = Commission.objects.get(creator=creator)
    assert f'<tr id="reversal-{commission.pk}">' in page
    assert '<td data-money="reversed">$2.00</td>' in page
    assert "Return MK-3-R1: Doesn&#x27;t fit" in page
    assert "Another creator" not in page
    assert tag.product.title in page
    assert body["reversals"] == [
        {
            "commission_id": commission.pk,
            "kind": "earning",
            "product": order.lines.get().product_title + f" ({order.lines.get().variant_label})",
            "amount_cents": 200,
            "currency": "USD",
            "note": "Return MK-3-R1: Doesn't fit",
            "at": body["reversals"][0]["at"],
        }
    ]


def test_an_adjustment_after_payout_is_listed_as_taken_from_the_next_payout(client):
    creator = CreatorFactory()
    order, _ = _attributed_order(creator=creator, quantity=2)
    payout = Payout.objects.create(
        creator=creator, amount_cents=400, currency="USD", status="paid", idempotency_key="p-next"
    )
    Commission.objects.update(status=Commission.Status.PAID, payout=payout)
    _refund(order, amount="20.00", reason="Return MK-4-R1: Wrong item sent", lines=[(order.lines.get(), 1)])
    apply_order_refunds(order_id=order.pk)
    client.force_login(creator.user)

    page = client.get(EARNINGS).content.decode()

    assert "Return MK-4-R1: Wrong item sent" in page
    assert "(from your next payout)" in page


def test_the_earnings_page_takes_as_many_queries_for_many_reversals_as_for_one(client, get_counting_queries):
    creator = CreatorFactory()
    client.force_login(creator.user)

    def reversed_sale(n: int) -> None:
        order, _ = _attributed_order(creator=creator, quantity=2)
        _refund(order, amount="20.00", reason=f"Return MK-{n}: Doesn't fit", lines=[(order.lines.get(), 1)])
        apply_order_refunds(order_id=order.pk)

    reversed_sale(0)
    client.get(EARNINGS)
    _, one = get_counting_queries(client, EARNINGS)
    for n in range(1, 5):
        reversed_sale(n)

    response, five = get_counting_queries(client, EARNINGS)

    assert len(response.context["earnings"].reversals) == 5
    assert five == one
