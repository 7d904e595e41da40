"""Orders: the status machine (one door for every change) and placing an order from a cart."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fulfillment.requests import ShipTo
from fulfillment.services.stock import InsufficientStock, LineClaim, release_reservations, reserve_stock
from shop import events
from shop.models import Cart, CartLine, Order, OrderEvent, OrderLine, Payment, Variant
from shop.order_timeline import describe
from shop.payments import gateway
from shop.services.import_charges import OrderCharges, charge_quoter, chargeable_lines
from shop.services.shipping import ShippingOption

S = Order.Status
K = OrderEvent.Kind
_SHIPPING = {S.PARTIALLY_FULFILLED, S.FULFILLED, S.PARTIALLY_DELIVERED, S.DELIVERED}
ORDER_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED, S.ON_HOLD},
    S.ON_HOLD: {S.PAID, S.CANCELLED, S.REFUNDED},
    S.PAID: _SHIPPING | {S.REFUNDED, S.CANCELLED, S.ON_HOLD},
    S.PARTIALLY_FULFILLED: {S.FULFILLED, S.PARTIALLY_DELIVERED, S.DELIVERED, S.PARTIALLY_RETURNED, S.REFUNDED},
    S.FULFILLED: {S.PARTIALLY_DELIVERED, S.DELIVERED, S.PARTIALLY_RETURNED, S.RETURNED, S.REFUNDED},
    S.PARTIALLY_DELIVERED: {S.DELIVERED, S.PARTIALLY_RETURNED, S.RETURNED, S.REFUNDED},
    S.DELIVERED: {S.PARTIALLY_RETURNED, S.RETURNED, S.REFUNDED},
    S.PARTIALLY_RETURNED: {S.RETURNED, S.REFUNDED},
    S.RETURNED: {S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}
# Letters and digits that cannot be mistaken for one another when read aloud or typed.
ORDER_NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class IllegalTransition(Exception):
    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"An order cannot go from {from_status} to {to_status}.")
        self.from_status = from_status
        self.to_status = to_status


class EmptyCart(Exception):
    pass


# The address a shopper gives is the one fulfillment ships to: one value type for both.
ShippingAddress = ShipTo


def set_order_status(
    *, order: Order, to: str, kind: str, params: dict | None = None, by=None, also_save: Sequence[str] = ()
) -> OrderEvent:
    """The one door for an order's status: move it if the machine allows, and record why (a typed event).

    `also_save`: fields the caller changed on `order`, written in the same UPDATE.
    """
    if to not in ORDER_TRANSITIONS[order.status]:
        raise IllegalTransition(order.status, to)
    event = OrderEvent.objects.create(
        order=order,
        kind=kind,
        params=params or {},
        from_status=order.status,
        to_status=to,
        by=by if _is_user(by) else None,
    )
    order.status = to
    fields = ["status", "updated_at", *also_save]
    if to == S.PAID and order.paid_at is None:
        order.paid_at = timezone.now()
        fields.append("paid_at")
    if to == S.ON_HOLD:
        order.hold_reason = describe(event)[:200]
        fields.append("hold_reason")
    order.save(update_fields=fields)
    return event


def record_order_event(
    *, order: Order, kind: str, params: dict | None = None, by=None, by_id: int | None = None
) -> OrderEvent:
    """Add a fact to the order's timeline without changing its status (`by_id` when only the id is known)."""
    return OrderEvent.objects.create(
        order=order, kind=kind, params=params or {}, by_id=by.pk if _is_user(by) else by_id
    )


def _is_user(by) -> bool:
    return by is not None and getattr(by, "is_authenticated", False)


def new_order_number() -> str:
    """MK- and two groups of four unambiguous characters, e.g. MK-7K3Q-9XPM."""
    raw = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(8))
    return f"MK-{raw[:4]}-{raw[4:]}"


@dataclass(frozen=True)
class LineToOrder:
    """What one order line is made from: a cart line, or the item a buy-now tap names."""

    variant: Variant  # with its product loaded
    quantity: int
    attribution_tag_id: int | None = None
    attribution_creator_id: int | None = None


def place_order(
    *,
    cart: Cart,
    email: str,
    address: ShippingAddress,
    shipping: ShippingOption,
    user=None,
    open_payment: bool = False,
) -> Order:
    """Create a pending_payment order from the cart and reserve its stock; all or nothing.

    Tax and import duty come from the landed-cost tables for the address, in the cart's currency, today: what
    is collected at sale (DDP, or a domestic sales tax) is added to the total and shared on the lines; what the
    carrier collects at the door (DAP) is kept as an estimate, never charged.

    Raises EmptyCart, CannotQuoteCharges (the tables cannot quote the address), or InsufficientStock naming
    the lines that are short (nothing is created).
    """
    lines = list(cart.lines.select_related("variant__product").order_by("pk"))
    if not lines:
        raise EmptyCart("The cart is empty.")
    return place_order_of_lines(
        lines=lines, cart=cart, email=email, address=address, shipping=shipping, user=user, open_payment=open_payment
    )


def place_order_of_lines(
    *,
    lines: Sequence[LineToOrder | CartLine],
    email: str,
    address: ShippingAddress,
    shipping: ShippingOption,
    user=None,
    cart: Cart | None = None,
    charges: OrderCharges | None = None,
    open_payment: bool = False,
) -> Order:
    """`place_order` for lines given as they are (buy now: one item, no cart); same pricing, same reservation.

    `charges`: the tax and duty of exactly these lines to this address with this shipping, when the caller
    has just quoted them (checkout): the tables are not read a second time. `open_payment`: the order's first
    payment attempt is written in the same transaction (`order.first_payment`; checkout opens its page after).
    """
    if not lines:
        raise EmptyCart("Nothing to order.")
    currency = lines[0].variant.currency
    subtotal = sum((line.variant.price * line.quantity for line in lines), Decimal("0"))
    if charges is None:
        charges = charge_quoter(
            country=address.country,
            region=address.region,
            currency=currency,
            lines=chargeable_lines([(line.variant, line.quantity, line.variant.price) for line in lines]),
        ).for_shipping(shipping.amount)
    reserved_until = timezone.now() + timedelta(minutes=settings.RESERVATION_MINUTES)
    for _ in range(5):  # a number collision is astronomically rare; retry rather than fail
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=new_order_number(),
                    cart=cart,
                    user=user if _is_user(user) else None,
                    email=email,
                    currency=currency,
                    subtotal=subtotal,
                    shipping_total=shipping.amount,
                    tax_total=charges.tax_total,
                    duty_total=charges.duty_total,
                    incoterm=charges.incoterm,
                    import_charges_due_at_door=charges.due_at_door,
                    landed_cost_rules=list(charges.explanations),
                    total=subtotal + shipping.amount + charges.at_sale,
                    shipping_method=shipping.code,
                    shipping_method_name=shipping.name,
                    shipping_days_max=shipping.days_max,
                    promised_from=shipping.arrives_from,
                    promised_to=shipping.arrives_to,
                    ship_name=address.name,
                    ship_line1=address.line1,
                    ship_line2=address.line2,
                    ship_city=address.city,
                    ship_region=address.region,
                    ship_postal_code=address.postal_code,
                    ship_country=address.country,
                    ship_phone=address.phone,
                    reserved_until=reserved_until,
                )
                order_lines = OrderLine.objects.bulk_create(
                    [
                        OrderLine(
                            order=order,
                            variant=line.variant,
                            product_title=line.variant.product.title,
                            variant_label=line.variant.label,
                            sku=line.variant.sku,
                            quantity=line.quantity,
                            unit_price=line.variant.price,
                            currency=line.variant.currency,
                            line_total=line.variant.price * line.quantity,
                            tax_amount=charges.line_taxes[index],
                            duty_amount=charges.line_duties[index],
                            affiliate_commission_rate=line.variant.product.affiliate_commission_rate,
                            attribution_tag_id=line.attribution_tag_id,
                            attribution_creator_id=line.attribution_creator_id,
                        )
                        for index, line in enumerate(lines)
                    ]
                )
                reserve_stock(claims=claims_of(order_lines), until=reserved_until)
                OrderEvent.objects.create(order=order, kind=K.PLACED, to_status=S.PENDING_PAYMENT)
                order.placed_lines = order_lines  # as written, in id order: the payment page needs no read back
                if open_payment:
                    order.first_payment = new_payment_attempt(order=order, attempt=1, now=timezone.now())
                return order
        except IntegrityError as error:
            if "number" not in str(error).lower():
                raise
    raise RuntimeError("Could not find a free order number.")


def new_payment_attempt(*, order: Order, attempt: int, now: datetime) -> Payment:
    """A payment attempt of an order awaiting payment, written with no Checkout Session yet (the caller holds the
    order: just placed, or locked)."""
    payment = Payment.objects.create(
        order=order,
        attempt=attempt,
        amount=order.total,
        currency=order.currency,
        # Fixed once: a retried create must send the same parameters under its idempotency key.
        expires_at=gateway.session_expiry(reserved_until=order.reserved_until, now=now),
    )
    payment.order = order
    return payment


def claims_of(order_lines: list[OrderLine]) -> list[LineClaim]:
    return [
        LineClaim(order_line_id=line.pk, variant_id=line.variant_id, quantity=line.quantity) for line in order_lines
    ]


def cancel_unpaid_order(*, order: Order, by=None, note: str = "") -> bool:
    """Cancel an order still awaiting payment and give its stock back; False if it had moved on."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != S.PENDING_PAYMENT:
            return False
        release_reservations(order_line_ids=list(order.lines.values_list("pk", flat=True)))
        set_order_status(
            order=order, to=S.CANCELLED, kind=K.CANCELLED, params={"reason": note or "Cancelled before payment."}, by=by
        )
        events.order_cancelled.publish(order_id=order.pk, number=order.number)
    return True


__all__ = [
    "ORDER_TRANSITIONS",
    "EmptyCart",
    "IllegalTransition",
    "InsufficientStock",
    "LineToOrder",
    "ShippingAddress",
    "cancel_unpaid_order",
    "claims_of",
    "new_order_number",
    "place_order",
    "place_order_of_lines",
    "record_order_event",
    "set_order_status",
]
