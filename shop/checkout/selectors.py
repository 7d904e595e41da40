"""Reads for the order pages and the orders API, shaped for what each shows."""

from django.db.models import Prefetch, QuerySet, Sum

from fulfillment.selectors import orders_being_picked
from shop.models import Order, OrderEvent, OrderLine, Payment, ProductImage


def orders_for_shopper(*, user) -> QuerySet[Order]:
    """The user's orders, newest first, each with its number of items (no per-order queries)."""
    return Order.objects.filter(user=user).annotate(item_count=Sum("lines__quantity")).order_by("-created_at", "-id")


def order_cards_for_shopper(*, user) -> QuerySet[Order]:
    """`orders_for_shopper` for the orders page: each order's lines with their product and its pictures
    (two more queries for a page, whatever the number of orders)."""
    return orders_for_shopper(user=user).prefetch_related(
        Prefetch(
            "lines",
            OrderLine.objects.select_related("variant__product")
            .prefetch_related(Prefetch("variant__product__images", ProductImage.objects.order_by("position", "id")))
            .order_by("id"),
        )
    )


def mark_cancellable(orders: list[Order]) -> list[Order]:
    """Set `cancellable` on each order: paid (or held) and not picked yet. One query for all of them."""
    candidates = [order.pk for order in orders if order.status in (Order.Status.PAID, Order.Status.ON_HOLD)]
    picked = orders_being_picked(order_ids=candidates) if candidates else set()
    for order in orders:
        order.cancellable = order.pk in candidates and order.pk not in picked
    return orders


def order_for_page(*, number: str) -> Order | None:
    """An order with its lines and its timeline loaded."""
    return (
        Order.objects.filter(number=number)
        .prefetch_related("lines", Prefetch("events", OrderEvent.objects.order_by("created_at", "id")))
        .first()
    )


def payment_state(order: Order) -> str:
    """Whether the order can be paid now: `payable`, `processing` (a payment is settling) or `closed`."""
    if order.status != Order.Status.PENDING_PAYMENT:
        return "closed"
    if order.payments.filter(status=Payment.Status.PROCESSING).exists():
        return "processing"
    return "payable"


def last_unpaid_order(*, cart) -> Order | None:
    """The cart's latest order if nothing was paid for it (waiting for payment, or cancelled unpaid), else None.

    What the shopper typed at the checkout last time, for a shopper back from the payment page.
    """
    latest = Order.objects.filter(cart=cart).order_by("-pk").first()
    unpaid = (Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED)
    if latest is None or latest.status not in unpaid or latest.amount_paid > 0:
        return None
    return latest
