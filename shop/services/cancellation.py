"""A shopper cancels their own order before any warehouse has started picking it.

One transaction holds the order's lock, asks fulfillment's one door (`cancel_before_picking`, which locks
its copy of the order and its fulfillment orders) to stop it, gives back the stock, moves the order to
`cancelled` and writes the full refund, sent to Stripe after commit. The refund's fact (`shop.order_refunded`)
makes the creators app reverse its commissions, as for any refund. Asking twice refunds once: the second call
finds the order cancelled and answers its refund.
"""

from dataclasses import dataclass

from django.db import transaction

from fulfillment.services.allocation import PickingStarted, cancel_before_picking
from fulfillment.services.stock import release_reservations
from shop import events
from shop.models import Order, OrderEvent, Refund
from shop.services.orders import set_order_status
from shop.services.payments import CancelNotAllowed, cancel_order, open_full_refund

S = Order.Status
# What a shopper may cancel (pending payment goes through the payment's own cancellation).
CANCELLABLE = {S.PENDING_PAYMENT, S.PAID, S.ON_HOLD}


@dataclass(frozen=True)
class Cancelled:
    order: Order
    refund: Refund | None
    already: bool  # it was cancelled before this request: nothing changed


def refund_key(order: Order) -> str:
    return f"cancel:{order.pk}"


def can_cancel(order: Order) -> bool:
    """Whether the order page offers the cancel button (the service decides under lock)."""
    return order.status in CANCELLABLE


def cancel_by_shopper(*, order: Order, by=None) -> Cancelled:
    """Cancel the order if no picking has started; a paid one is refunded in full, once.

    Raises CancelNotAllowed (`picking_started`, `not_cancellable`, `paid_meanwhile`) and changes nothing then.
    """
    if order.status == S.PENDING_PAYMENT:
        cancel_order(order=order, by=by, reason="Cancelled by the shopper before payment.")
        return Cancelled(order=Order.objects.get(pk=order.pk), refund=None, already=False)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == S.CANCELLED:
            return Cancelled(
                order=order, refund=Refund.objects.filter(idempotency_key=refund_key(order)).first(), already=True
            )
        if order.status not in CANCELLABLE:
            raise CancelNotAllowed(
                "not_cancellable",
                f"Order {order.number} is {order.get_status_display().lower()}: it can no longer be cancelled.",
            )
        try:
            cancel_before_picking(order_id=order.pk, number=order.number, reference=f"order {order.number} cancelled")
        except PickingStarted as error:
            raise CancelNotAllowed(error.code, error.message) from error
        release_reservations(order_line_ids=list(order.lines.values_list("pk", flat=True)))
        set_order_status(
            order=order,
            to=S.CANCELLED,
            kind=OrderEvent.Kind.CANCELLED,
            params={"reason": "Cancelled by the shopper before picking."},
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        events.order_cancelled.publish(order_id=order.pk, number=order.number)
        refund = open_full_refund(
            order=order, reason="Order cancelled by the shopper before picking", key=refund_key(order), by=by
        )
    return Cancelled(order=order, refund=refund, already=False)
