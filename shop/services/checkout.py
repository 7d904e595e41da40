"""Checking a cart out: one sequence for the checkout page and the API, from the cart to the payment page.

`check_out` quotes the cart, checks the total the shopper was shown, replaces the cart's earlier
unpaid orders, places the order and opens its payment page. The page and the API only parse their
input and render what it answers or raises.

A cart checked out again (back from the payment page, "Pay" once more): its earlier unpaid orders make
way. Without this, the earlier order would keep its stock reserved until it expires, and a shopper
buying the last unit would be told it is sold out because of their own first attempt.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Sum

from fulfillment.delivery_quotes import QuoteItem, shipping_stock
from fulfillment.models import Reservation
from fulfillment.selectors import stock_countries_of
from shop.cross_border import ShippingProblem, shipping_problems
from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Destination
from shop.models import Cart, CartLine, Order, Payment, Variant
from shop.payments import gateway
from shop.services.import_charges import (
    ChargeQuoter,
    OrderCharges,
    charge_quoter,
    chargeable_lines,
    refusal,
)
from shop.services.orders import EmptyCart, ShippingAddress, cancel_unpaid_order, place_order, place_order_of_lines
from shop.services.payments import PaymentNotStartable, fulfill_checkout, open_payment_page
from shop.services.shipping import ShippingOption, shipping_items, shipping_option

logger = logging.getLogger(__name__)


class MixedCurrencies(Exception):
    """The cart holds items priced in different currencies: one order is paid in one currency."""


class ShippingNotOffered(Exception):
    def __init__(self, *, code: str, country: str) -> None:
        super().__init__(f"“{code}” is not offered to {country}.")
        self.code = code
        self.country = country


class CannotShip(Exception):
    """Some items cannot go to the country by the chosen method (customs data missing, restricted item)."""

    def __init__(self, *, problems: list[ShippingProblem], country: str) -> None:
        super().__init__(" ".join(problem.message for problem in problems))
        self.problems = problems
        self.country = country


class TotalChanged(Exception):
    """The total to pay is not the one the shopper confirmed: nothing was placed or charged."""

    def __init__(self, *, expected: Decimal, total: Decimal, currency: str) -> None:
        super().__init__(f"The total is {total} {currency}, not {expected}.")
        self.expected = expected
        self.total = total
        self.currency = currency


class EarlierOrderPaid(Exception):
    """An earlier order of the cart was paid (or is settling) meanwhile: nothing more was placed."""

    def __init__(self, *, order: Order) -> None:
        super().__init__(f"Order {order.number} was paid meanwhile.")
        self.order = order


@dataclass(frozen=True)
class CheckoutResult:
    """The order placed, and its payment page; or why the page could not be opened (the order stays, unpaid)."""

    order: Order
    payment: Payment | None
    payment_error: PaymentNotStartable | None = None


def total_to_pay(*, subtotal: Decimal, shipping: ShippingOption | None, charges: OrderCharges | None = None) -> Decimal:
    """What an order of `subtotal` shipped by `shipping` costs, as place_order records it (with the tax and
    duty charged at sale)."""
    return subtotal + (shipping.amount if shipping else Decimal("0.00")) + (charges.at_sale if charges else 0)


def cart_charge_quoter(*, cart: Cart, country: str, region: str) -> ChargeQuoter:
    """Tax and duty of the cart to a destination, for any shipping amount; one query (the lines) while the tables are
    cached.

    Raises EmptyCart, MixedCurrencies, CannotQuoteCharges.
    """
    return _charge_quoter_of(
        list(CartLine.objects.filter(cart=cart).select_related("variant__product").order_by("pk")),
        country=country,
        region=region,
    )


def _charge_quoter_of(lines: list[CartLine], *, country: str, region: str) -> ChargeQuoter:
    if not lines:
        raise EmptyCart("The cart is empty.")
    currencies = {line.variant.currency for line in lines}
    if len(currencies) > 1:
        raise MixedCurrencies("The cart holds items priced in different currencies.")
    return charge_quoter(
        country=country,
        region=region,
        currency=currencies.pop(),
        lines=chargeable_lines([(line.variant, line.quantity, line.variant.price) for line in lines]),
    )


def check_out(
    *,
    cart: Cart,
    email: str,
    address: ShippingAddress,
    shipping_code: str,
    expected_total: Decimal | None,
    user: AbstractBaseUser | None = None,
    back_to: dict[str, str] | None = None,
) -> CheckoutResult:
    """Place the cart's order and open its payment page, charging exactly `expected_total` when it is given.

    Raises, with nothing placed or charged: EmptyCart, MixedCurrencies, ShippingNotOffered, CannotShip
    (an item lacks the customs data to cross the border, or the method's carriers refuse it),
    CannotQuoteCharges (the tax and duty tables cannot quote the address or the cart's currency),
    TotalChanged (the method, the country or a price moved the total away from `expected_total`),
    EarlierOrderPaid, InsufficientStock.
    """
    lines = _cart_lines(cart)
    currency, subtotal, items = _priced_cart(lines)
    # Read once for the shipping quote and the restrictions (which countries each item ships from).
    stocks = shipping_stock(variant_ids=[line.variant_id for line in lines])
    try:
        shipping = shipping_option(
            items=items,
            country=address.country,
            postal_code=address.postal_code,
            subtotal=subtotal,
            currency=currency,
            code=shipping_code,
            stocks=stocks,
        )
    except MissingExchangeRate as error:  # shipping cannot be priced in the cart's currency
        raise refusal(error, destination=Destination(address.country, address.region), currency=currency) from error
    if shipping is None:
        raise ShippingNotOffered(code=shipping_code, country=address.country)
    # Before anything is written or cancelled: a refusal here leaves the cart and its earlier orders as they were.
    problems = shipping_problems(
        variants=[line.variant for line in lines],
        destination=address.country,
        shipping_method=shipping.code,
        held=stock_countries_of(stocks),
    )
    if problems:
        raise CannotShip(problems=problems, country=address.country)
    charges = _charge_quoter_of(lines, country=address.country, region=address.region).for_shipping(shipping.amount)
    _check_total(expected_total, total_to_pay(subtotal=subtotal, shipping=shipping, charges=charges), currency)

    replaced = lines[0].cart_has_unpaid_order
    earlier = replace_unpaid_orders(cart=cart) if replaced else None
    if earlier is not None:
        raise EarlierOrderPaid(order=earlier)
    # The order, its reserved stock and its first payment attempt in one transaction, or nothing.
    if replaced:  # time passed closing payment pages: prices and the cart are read again
        with transaction.atomic():
            order = place_order(
                cart=cart, email=email, address=address, shipping=shipping, user=user, open_payment=True
            )
            # A price may have changed while earlier payment pages were closed: the order is rolled back.
            _check_total(expected_total, order.total, order.currency)
    else:  # nothing happened since the lines were read and quoted: place what was quoted, whose total was checked
        order = place_order_of_lines(
            lines=lines,
            cart=cart,
            email=email,
            address=address,
            shipping=shipping,
            user=user,
            charges=charges,
            open_payment=True,
        )

    try:  # charges order.total; no transaction held
        payment = open_payment_page(payment=order.first_payment, back_to=back_to, lines=order.placed_lines)
    except PaymentNotStartable as error:
        return CheckoutResult(order=order, payment=None, payment_error=error)
    return CheckoutResult(order=order, payment=payment)


def _cart_lines(cart: Cart) -> list[CartLine]:
    """The cart's lines with what pricing, shipping checks and the order need (seller's customs profile too), and
    whether the cart has orders awaiting payment (`cart_has_unpaid_order`)."""
    unpaid = Order.objects.filter(cart=OuterRef("cart_id"), status=Order.Status.PENDING_PAYMENT)
    return list(
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product__seller__customs_profile")
        .annotate(cart_has_unpaid_order=Exists(unpaid))
        .order_by("pk")
    )


def _priced_cart(lines: list[CartLine]) -> tuple[str, Decimal, list[QuoteItem]]:
    """The cart's currency, subtotal at today's prices (as place_order reads them) and what shipping weighs."""
    if not lines:
        raise EmptyCart("The cart is empty.")
    currencies = {line.variant.currency for line in lines}
    if len(currencies) > 1:
        raise MixedCurrencies("The cart holds items priced in different currencies.")
    subtotal = sum((line.variant.price * line.quantity for line in lines), Decimal("0"))
    return currencies.pop(), subtotal, shipping_items((line.variant, line.quantity) for line in lines)


def cart_shipping_problems(*, cart: Cart, country: str, shipping_code: str) -> list[ShippingProblem]:
    """Why items of the cart cannot be shipped to `country` by `shipping_code` (empty: all can); three queries."""
    variants = list(
        Variant.objects.filter(cart_lines__cart=cart)
        .select_related("product__seller__customs_profile")
        .order_by("cart_lines__pk")
    )
    return shipping_problems(variants=variants, destination=country, shipping_method=shipping_code)


def _check_total(expected: Decimal | None, total: Decimal, currency: str) -> None:
    if expected is not None and total != expected:
        raise TotalChanged(expected=expected, total=total, currency=currency)


def replace_unpaid_orders(*, cart: Cart) -> Order | None:
    """Cancel the cart's orders still awaiting payment, their payment pages closed first; no lock is held.

    Answers an earlier order whose payment went through (or is settling) meanwhile: then nothing new
    should be placed. An order whose payment page cannot be closed (Stripe unreachable) is left to
    expire on its own.
    """
    unpaid = Order.objects.filter(cart=cart, status=Order.Status.PENDING_PAYMENT).order_by("pk")
    for order in unpaid:
        if order.payments.filter(status=Payment.Status.PROCESSING).exists():
            return order
        try:
            completed = _close_payment_pages(order)
        except stripe.StripeError as error:
            logger.warning("Could not close the payment pages of order %s: %s", order.number, error)
            continue
        if completed is not None:
            return completed
        cancel_unpaid_order(order=order, note="Replaced by a new checkout of the same cart.")
    return None


def _close_payment_pages(order: Order) -> Order | None:
    """Expire the order's open Checkout Sessions; answers the order if one was completed after all."""
    open_sessions = order.payments.filter(status=Payment.Status.OPEN, checkout_session_id__isnull=False)
    for session_id in open_sessions.values_list("checkout_session_id", flat=True):
        session = gateway.expire_checkout_session(session_id)
        if session.get("status") == "complete":  # paid, or settling: record it, and keep the order
            return fulfill_checkout(session_id=session_id, session=session)
    return None


def held_for_unpaid_orders(*, cart: Cart) -> dict[int, int]:
    """Units per variant still reserved for the cart's unpaid orders: free again once they are replaced."""
    rows = (
        Reservation.objects.active()
        .filter(order_line__order__cart=cart, order_line__order__status=Order.Status.PENDING_PAYMENT)
        .values("order_line__variant_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line__variant_id", "units")
    )
    return dict(rows)
