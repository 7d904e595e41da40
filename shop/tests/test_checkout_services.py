"""check_out: the one sequence the checkout page and the API share, from the cart to the payment page."""

import uuid
from decimal import Decimal

import pytest
import stripe
from django.test import Client

from fulfillment.models import Reservation
from fulfillment.services.stock import InsufficientStock
from fulfillment.tests.factories import stock_of
from shop.models import Cart, CartLine, Order, Payment
from shop.payments import gateway
from shop.payments.local_stripe.testing import pay_with_test_card
from shop.services import checkout as checkout_service
from shop.services.checkout import (
    EarlierOrderPaid,
    MixedCurrencies,
    ShippingNotOffered,
    TotalChanged,
    check_out,
)
from shop.services.orders import EmptyCart, ShippingAddress
from shop.tests.factories import VariantFactory
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_stripe")]

ADDRESS = ShippingAddress(
    name="Ada Shopper", line1="1 Main St", city="Springfield", region="IL", country="US", postal_code="62701"
)


def cart_of(*lines) -> Cart:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in lines:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    return cart


def lamp(*, price: str = "63.99", stock: int = 5, currency: str = "USD"):
    variant = VariantFactory(product__title="Desk lamp", price=Decimal(price), currency=currency)
    stock_of(variant, quantity=stock)
    return variant


def check_out_cart(cart: Cart, **overrides):
    arguments = {
        "cart": cart,
        "email": "ada@example.com",
        "address": ADDRESS,
        "shipping_code": "standard",
        "expected_total": None,
        **overrides,
    }
    return check_out(**arguments)


def test_the_order_is_placed_and_its_payment_page_opened_for_its_total():
    cart = cart_of((lamp(), 1))

    result = check_out_cart(cart, shipping_code="express")

    order, payment = result.order, result.payment
    assert (order.status, order.shipping_method, order.total) == (
        Order.Status.PENDING_PAYMENT, "express", Decimal("88.19"),
    )  # fmt: skip
    assert (payment.amount, payment.currency, payment.status) == (Decimal("88.19"), "USD", Payment.Status.OPEN)
    assert payment.checkout_url
    assert result.payment_error is None


def test_an_empty_cart_raises_and_places_nothing():
    with pytest.raises(EmptyCart):
        check_out_cart(cart_of())

    assert not Order.objects.exists()


def test_a_cart_in_two_currencies_raises_and_places_nothing():
    cart = cart_of((lamp(), 1), (lamp(currency="EUR"), 1))

    with pytest.raises(MixedCurrencies):
        check_out_cart(cart)

    assert not Order.objects.exists()


def test_a_method_not_offered_to_the_country_raises_and_places_nothing():
    with pytest.raises(ShippingNotOffered) as raised:
        check_out_cart(cart_of((lamp(), 1)), shipping_code="teleport")

    assert str(raised.value) == "“teleport” is not offered to US."

    assert not Order.objects.exists()


def test_short_stock_raises_and_leaves_nothing_behind():
    with pytest.raises(InsufficientStock):
        check_out_cart(cart_of((lamp(stock=1), 2)))

    assert not Order.objects.exists()
    assert not Reservation.objects.exists()
    assert not Payment.objects.exists()


def test_checking_out_again_replaces_the_unpaid_order_and_closes_its_payment_page():
    cart = cart_of((lamp(stock=1), 1))
    first = check_out_cart(cart)

    second = check_out_cart(cart, shipping_code="express")

    first.order.refresh_from_db()
    assert first.order.status == Order.Status.CANCELLED
    assert pay_with_test_card(Client(), first.payment.checkout_session_id).status_code != 302  # page closed
    assert second.order.status == Order.Status.PENDING_PAYMENT
    assert list(Reservation.objects.values_list("order_line__order", flat=True)) == [second.order.pk]


def test_an_earlier_order_paid_meanwhile_raises_and_places_nothing_more():
    cart = cart_of((lamp(), 1))
    first = check_out_cart(cart)
    assert pay_with_test_card(Client(), first.payment.checkout_session_id).status_code == 302

    with pytest.raises(EarlierOrderPaid) as raised:
        check_out_cart(cart)

    assert raised.value.order == first.order
    assert list(Order.objects.values_list("status", flat=True)) == [Order.Status.PAID]


def test_when_stripe_does_not_answer_the_order_stays_unpaid_with_the_reason(monkeypatch):
    def unreachable(payment, **options):
        raise stripe.APIConnectionError("Stripe is unreachable")

    monkeypatch.setattr(gateway, "create_checkout_session", unreachable)

    result = check_out_cart(cart_of((lamp(), 1)))

    assert result.order.status == Order.Status.PENDING_PAYMENT
    assert result.payment is None
    assert result.payment_error.code == "payment_unavailable"


# The total the shopper confirmed


def test_the_confirmed_total_is_the_amount_charged():
    result = check_out_cart(cart_of((lamp(), 1)), shipping_code="express", expected_total=Decimal("88.19"))

    assert result.order.total == result.payment.amount == Decimal("88.19")


def test_another_method_than_the_one_whose_total_was_shown_places_and_charges_nothing():
    with pytest.raises(TotalChanged) as raised:
        check_out_cart(cart_of((lamp(), 1)), shipping_code="express", expected_total=Decimal("63.99"))

    assert (raised.value.expected, raised.value.total, raised.value.currency) == (
        Decimal("63.99"), Decimal("88.19"), "USD",
    )  # fmt: skip
    assert not Order.objects.exists()
    assert not Payment.objects.exists()


def test_a_changed_total_leaves_the_earlier_unpaid_order_and_its_payment_page_alone():
    cart = cart_of((lamp(), 1))
    first = check_out_cart(cart)

    with pytest.raises(TotalChanged):
        check_out_cart(cart, shipping_code="express", expected_total=Decimal("63.99"))

    first.order.refresh_from_db()
    assert first.order.status == Order.Status.PENDING_PAYMENT
    assert Order.objects.count() == 1
    assert pay_with_test_card(Client(), first.payment.checkout_session_id).status_code == 302  # still open


def test_a_price_changed_while_earlier_payment_pages_closed_rolls_the_order_back(monkeypatch):
    variant = lamp(stock=1)
    cart = cart_of((variant, 1))
    check_out_cart(cart)
    replace = checkout_service.replace_unpaid_orders

    def replace_while_the_seller_reprices(*, cart):
        variant.price = Decimal("70.00")
        variant.save(update_fields=["price"])
        return replace(cart=cart)

    monkeypatch.setattr(checkout_service, "replace_unpaid_orders", replace_while_the_seller_reprices)

    with pytest.raises(TotalChanged) as raised:
        check_out_cart(cart, expected_total=Decimal("63.99"))

    assert raised.value.total == Decimal("70.00")
    assert list(Order.objects.values_list("status", flat=True)) == [Order.Status.CANCELLED]  # the replaced one
    assert not Reservation.objects.exists()
    assert Payment.objects.count() == 1
