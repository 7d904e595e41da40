"""Tax and import duty on the payment page as their own line items, and given back in proportion by refunds."""

import uuid
from decimal import Decimal

import pytest

from shop.models import Cart, CartLine, OrderLine
from shop.payments import gateway
from shop.services.checkout import check_out
from shop.services.payments import line_charges_share, refund_order
from shop.tests.test_checkout_import_charges import BERLIN, shirt
from shop.tests.test_payments_support import (
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
)

pytestmark = pytest.mark.django_db


def berlin_order(*lines):
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    result = check_out(
        cart=cart, email="grete@example.com", address=BERLIN, shipping_code="standard", expected_total=None
    )
    return result.order, result.payment


def test_stripe_checkout_receives_tax_and_duty_as_separate_line_items(local_stripe):
    order, payment = berlin_order((shirt(price="40.00", currency="EUR"), 1))

    items = gateway.get_client().v1.checkout.sessions.line_items.list(payment.checkout_session_id)

    assert [(item.description, item.amount_total) for item in items.data][1:] == [
        (f"Shipping: {order.shipping_method_name}", int(order.shipping_total * 100)),
        ("Tax", int(order.tax_total * 100)),
        ("Import duties", 300),
    ]
    assert items.data[0].amount_total == 4000
    session = gateway.get_client().v1.checkout.sessions.retrieve(payment.checkout_session_id)
    assert session.amount_total == int(order.total * 100)  # charged = shown


def test_a_line_refund_gives_back_its_own_tax_and_duty(client, local_stripe, django_capture_on_commit_callbacks):
    order, payment = berlin_order((shirt(price="20.00", currency="EUR"), 2), (shirt(price="15.00", currency="EUR"), 1))
    pay_on_page(client, payment)
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)
    order.refresh_from_db()
    pair = order.lines.get(quantity=2)

    refund = refund_order(order=order, lines=[(pair.pk, 1)])

    assert refund.amount == Decimal("20.00") + line_charges_share(pair, before=0, units=1)
    assert refund.amount < Decimal("20.00") + pair.tax_amount + pair.duty_amount


def test_refunding_every_unit_one_by_one_gives_back_exactly_what_the_line_paid():
    line = OrderLine(quantity=3, currency="EUR", tax_amount=Decimal("0.05"), duty_amount=Decimal("1.00"))

    shares = [line_charges_share(line, before=before, units=1) for before in range(3)]

    assert sum(shares) == Decimal("1.05")  # never more than was paid, whatever the rounding
    assert shares == [Decimal("0.35"), Decimal("0.35"), Decimal("0.35")]


def test_a_unit_of_a_japanese_line_is_given_back_in_whole_yen():
    line = OrderLine(quantity=3, currency="JPY", tax_amount=Decimal("100"), duty_amount=Decimal("0"))

    shares = [line_charges_share(line, before=before, units=1) for before in range(3)]

    assert shares == [Decimal("33"), Decimal("34"), Decimal("33")]
    assert sum(shares) == Decimal("100")
