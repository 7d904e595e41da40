"""A cart checked out again (back from the payment page, "Pay" once more): its earlier unpaid orders make way.

Without this, the earlier order would keep its stock reserved until it expires, and a shopper
buying the last unit would be told it is sold out because of their own first attempt.
"""

import logging

import stripe
from django.db.models import Sum

from fulfillment.models import Reservation
from shop.models import Cart, Order, Payment
from shop.payments import gateway
from shop.services.orders import cancel_unpaid_order
from shop.services.payments import fulfill_checkout

logger = logging.getLogger(__name__)


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
