"""Buy now: one item, a saved address and a saved card, paid in one tap; the page and the API call this.

The same pieces as checking out a cart: shipping quoted by `quote_shipping` over `shipping_items`, tax
and duty by `charge_quoter`, the total by `total_to_pay` and checked against what the shopper
confirmed (TotalChanged otherwise, nothing placed), the order placed and its stock reserved by
`place_order_of_lines`. The card is then charged with a PaymentIntent confirmed on-session; the order
becomes paid through `fulfill_payment_intent`, which the `payment_intent.succeeded` webhook also calls.

One tap is one idempotency key: a second request with it (a double tap, a retry) answers the first
one's order, never a second order or charge. A declined card cancels the order (its stock released);
a card that needs authentication answers the bank's page, and the order waits for its webhook.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from shop.cross_border import shipping_problems
from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Destination
from shop.models import BuyNowRequest, Order, Payment, Product, Variant
from shop.payments import gateway, saved_cards_gateway
from shop.services.checkout import CannotShip, ShippingNotOffered, TotalChanged, total_to_pay
from shop.services.import_charges import OrderCharges, charge_quoter, chargeable_lines, refusal
from shop.services.orders import LineToOrder, ShippingAddress, place_order_of_lines
from shop.services.payments import close_payment, fulfill_payment_intent
from shop.services.saved_details import known_customer_id, saved_card
from shop.services.shipping import ShippingOption, quote_shipping, shipping_items

logger = logging.getLogger(__name__)

MAX_QUANTITY = 99


class NotBuyable(Exception):
    """The variant is not for sale, or the quantity is out of range."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PaymentUnavailable(Exception):
    """Stripe did not answer: the order was cancelled, nothing charged; try again (with a new key)."""


@dataclass(frozen=True)
class BuyNowQuote:
    """What the confirm step shows, and exactly what one tap charges."""

    variant: Variant
    quantity: int
    address: ShippingAddress
    shipping: ShippingOption
    subtotal: Decimal
    charges: OrderCharges
    total: Decimal
    currency: str


@dataclass(frozen=True)
class BuyNowResult:
    """The order a tap placed and where its payment stands: paid, authentication needed, declined, processing."""

    order: Order
    status: str  # "paid" | "requires_action" | "declined" | "processing"
    authentication_url: str = ""
    message: str = ""


def quote_buy_now(
    *, variant: Variant, quantity: int, address: ShippingAddress, shipping_code: str | None = None
) -> BuyNowQuote:
    """The price of `quantity` of `variant` to `address` by `shipping_code` (the cheapest when None), as checkout
    would charge it. Raises NotBuyable, ShippingNotOffered, CannotShip, CannotQuoteCharges."""
    _check_buyable(variant, quantity)
    currency = variant.currency
    subtotal = variant.price * quantity
    try:
        options = quote_shipping(
            items=shipping_items([(variant, quantity)]),
            country=address.country,
            postal_code=address.postal_code,
            subtotal=subtotal,
            currency=currency,
        )
    except MissingExchangeRate as error:
        raise refusal(error, destination=Destination(address.country, address.region), currency=currency) from error
    shipping = next((o for o in options if shipping_code in (None, o.code)), None)
    if shipping is None:
        raise ShippingNotOffered(code=shipping_code or "any method", country=address.country)
    problems = shipping_problems(variants=[variant], destination=address.country, shipping_method=shipping.code)
    if problems:
        raise CannotShip(problems=problems, country=address.country)
    charges = charge_quoter(
        country=address.country,
        region=address.region,
        currency=currency,
        lines=chargeable_lines([(variant, quantity, variant.price)]),
    ).for_shipping(shipping.amount)
    return BuyNowQuote(
        variant=variant,
        quantity=quantity,
        address=address,
        shipping=shipping,
        subtotal=subtotal,
        charges=charges,
        total=total_to_pay(subtotal=subtotal, shipping=shipping, charges=charges),
        currency=currency,
    )


def buy_now(
    *,
    user: AbstractBaseUser,
    variant: Variant,
    quantity: int,
    address: ShippingAddress,
    payment_method_id: str,
    idempotency_key: str,
    expected_total: Decimal | None,
    return_url: str,
    shipping_code: str | None = None,
    attribution_tag_id: int | None = None,
    attribution_creator_id: int | None = None,
) -> BuyNowResult:
    """Place the order and charge the saved card, once per `idempotency_key`.

    Raises, with nothing placed or charged: CardNotFound (not one of the shopper's cards), NotBuyable,
    ShippingNotOffered, CannotShip, CannotQuoteCharges, TotalChanged, InsufficientStock; PaymentUnavailable
    when Stripe did not answer (the order is then cancelled).
    """
    earlier = _earlier(user, idempotency_key)
    if earlier is not None:
        return earlier
    saved_card(user=user, payment_method_id=payment_method_id)  # the shopper's own card, or CardNotFound
    customer_id = known_customer_id(user)
    quote = quote_buy_now(variant=variant, quantity=quantity, address=address, shipping_code=shipping_code)
    _check_total(expected_total, quote.total, quote.currency)
    try:
        with transaction.atomic():
            request = BuyNowRequest.objects.create(user=user, key=idempotency_key)
            order = place_order_of_lines(
                lines=[LineToOrder(variant, quantity, attribution_tag_id, attribution_creator_id)],
                email=user.email,
                address=address,
                shipping=quote.shipping,
                user=user,
            )
            _check_total(expected_total, order.total, order.currency)  # a price changed in between
            payment = Payment.objects.create(
                order=order, attempt=1, amount=order.total, currency=order.currency, expires_at=order.reserved_until
            )
            request.order, request.payment = order, payment
            request.save(update_fields=["order", "payment"])
    except IntegrityError:
        earlier = _earlier(user, idempotency_key)  # the same tap, a moment earlier (it committed first)
        if earlier is None:
            raise
        return earlier
    return _charge(
        request=request,
        order=order,
        payment=payment,
        customer_id=customer_id,
        payment_method_id=payment_method_id,
        return_url=return_url,
    )


def _charge(
    *,
    request: BuyNowRequest,
    order: Order,
    payment: Payment,
    customer_id: str,
    payment_method_id: str,
    return_url: str,
) -> BuyNowResult:
    """Confirm the PaymentIntent (no lock held, no transaction open) and record what Stripe answered."""
    # Back from the bank's page to the order when the caller names no page of its own.
    return_url = return_url or settings.SITE_URL.rstrip("/") + order.get_absolute_url()
    try:
        intent = saved_cards_gateway.confirm_saved_card_payment(
            amount_minor=gateway.to_minor_units(order.total, order.currency),
            currency=order.currency,
            customer_id=customer_id,
            payment_method_id=payment_method_id,
            return_url=return_url,
            metadata={"order_number": order.number, "payment_id": str(payment.pk), "buy_now": "1"},
            transfer_group=order.number,
            idempotency_key=f"buy-now:{payment.pk}",
        )
    except stripe.CardError as error:
        declined = getattr(error, "error", None)
        intent = getattr(declined, "payment_intent", None) or {}
        message = getattr(error, "user_message", None) or "Your card was declined."
        Payment.objects.filter(pk=payment.pk).update(payment_intent_id=_id(intent))
        close_payment(payment=payment, status=Payment.Status.FAILED, note=f"{message} The order is cancelled.")
        BuyNowRequest.objects.filter(pk=request.pk).update(declined_message=message[:500])
        return _result(BuyNowRequest.objects.select_related("order").get(pk=request.pk))
    except stripe.StripeError as error:
        logger.warning("Buy-now payment of order %s failed to start: %s", order.number, error)
        close_payment(payment=payment, status=Payment.Status.FAILED, note="The payment could not be started.")
        raise PaymentUnavailable("The payment could not be made just now; nothing was charged.") from error
    Payment.objects.filter(pk=payment.pk).update(payment_intent_id=intent["id"])
    if intent.get("status") == "succeeded":
        fulfill_payment_intent(intent=intent)
    elif intent.get("status") == "requires_action":
        url = ((intent.get("next_action") or {}).get("redirect_to_url") or {}).get("url") or ""
        BuyNowRequest.objects.filter(pk=request.pk).update(authentication_url=url)
    return _result(BuyNowRequest.objects.select_related("order").get(pk=request.pk))


def settle_after_authentication(*, user: AbstractBaseUser, payment_intent_id: str) -> BuyNowResult | None:
    """Back from the bank's page: record what the PaymentIntent became (paid, or declined and the order cancelled)
    without waiting for its webhook, which finds it done. None when no buy-now of this shopper made that intent."""
    request = (
        BuyNowRequest.objects.filter(user=user, payment__payment_intent_id=payment_intent_id)
        .exclude(payment__payment_intent_id="")
        .select_related("order", "payment")
        .first()
    )
    if request is None:
        return None
    intent = gateway.retrieve_payment_intent(payment_intent_id)
    if intent.get("status") == "succeeded":
        fulfill_payment_intent(intent=intent)
    elif intent.get("status") in ("requires_payment_method", "canceled"):
        error = intent.get("last_payment_error") or {}
        message = error.get("message") or "The payment was not authenticated."
        close_payment(payment=request.payment, status=Payment.Status.FAILED, note=f"{message} The order is cancelled.")
        BuyNowRequest.objects.filter(pk=request.pk).update(declined_message=message[:500])
    return _result(BuyNowRequest.objects.select_related("order").get(pk=request.pk))


def _earlier(user: AbstractBaseUser, key: str) -> BuyNowResult | None:
    request = BuyNowRequest.objects.filter(user=user, key=key).select_related("order").first()
    if request is None or request.order is None:
        return None
    return _result(request)


def _result(request: BuyNowRequest) -> BuyNowResult:
    order = request.order
    payment = Payment.objects.filter(pk=request.payment_id).first()
    if order.status == Order.Status.PENDING_PAYMENT and request.authentication_url:
        return BuyNowResult(order=order, status="requires_action", authentication_url=request.authentication_url)
    if order.status == Order.Status.CANCELLED or (payment is not None and payment.status == Payment.Status.FAILED):
        message = request.declined_message or "The payment did not go through; nothing was charged."
        return BuyNowResult(order=order, status="declined", message=message)
    if order.status == Order.Status.PENDING_PAYMENT:
        return BuyNowResult(order=order, status="processing")
    return BuyNowResult(order=order, status="paid")


def _check_buyable(variant: Variant, quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise NotBuyable("invalid_quantity", f"The quantity must be between 1 and {MAX_QUANTITY}.")
    if not variant.is_active or variant.product.status != Product.Status.ACTIVE:
        raise NotBuyable("not_for_sale", f"{variant} is not for sale.")


def _check_total(expected: Decimal | None, total: Decimal, currency: str) -> None:
    if expected is not None and total != expected:
        raise TotalChanged(expected=expected, total=total, currency=currency)


def _id(value) -> str:
    if isinstance(value, dict):
        return value.get("id") or ""
    return getattr(value, "id", "") or ""


__all__ = [
    "BuyNowQuote",
    "BuyNowResult",
    "NotBuyable",
    "PaymentUnavailable",
    "buy_now",
    "quote_buy_now",
    "settle_after_authentication",
]
