"""The shopper's emails about an order: each sent once per order, kind and subject (a SentEmail row says so).

The mark and the sending share one transaction: a mail server that fails rolls the mark back and the
handler runs again; a crash after sending and before commit may send twice (at least once, never lost).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from fulfillment.selectors import shipment_for_email
from marketplace.db import insert_new
from shop.checkout.emails import confirmation_message
from shop.checkout.links import order_url
from shop.models import Order, OrderEvent, OrderLine, Refund, ReturnRequest, SentEmail
from shop.return_emails import return_message
from shop.services.orders import record_order_event
from shop.services.payments import AUTOMATIC_REFUND

E = SentEmail.Kind
# Statuses in which a confirmation makes no sense (not paid, or already undone).
NOT_CONFIRMED = {Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED, Order.Status.REFUNDED}


def send_order_email(
    *,
    order_id: int,
    kind: str,
    shipment_id: int | None = None,
    refund_id: int | None = None,
    return_id: int | None = None,
    savepoint: bool = True,
) -> bool:
    """Send one of the order's emails unless it went before; False when it had (or makes no sense now).

    `savepoint=False`: the caller's transaction rolls back whole on any error (an outbox handler's), so the
    send needs no savepoint of its own to mark nothing when it fails.
    """
    about = shipment_id or refund_id or return_id
    # A failed send marks nothing, even for a caller that carries on (the savepoint).
    with transaction.atomic(savepoint=savepoint):
        lines = None
        if kind == E.CONFIRMATION:  # the lines it lists, with their order, in one query
            lines = list(OrderLine.objects.filter(order_id=order_id).select_related("order").order_by("pk"))
        order = lines[0].order if lines else Order.objects.get(pk=order_id)
        if kind == E.CONFIRMATION and order.status in NOT_CONFIRMED:
            return False
        # Sent before, or by a concurrent send that commits first (the INSERT waits for it): nothing is sent.
        if not _mark_sent(order_id=order.pk, kind=kind, subject_key=str(about or "")):
            return False
        if kind == E.CONFIRMATION:
            message = confirmation_message(order=order, lines=lines)
        elif kind == E.AUTOMATIC_REFUND:
            message = _refund_message(order, Refund.objects.get(pk=refund_id, order=order))
        elif return_id is not None:
            message = return_message(order=order, kind=kind, ret=ReturnRequest.objects.get(pk=return_id, order=order))
        else:
            message = _shipment_message(order, kind, shipment_id)
        record_order_event(
            order=order,
            kind=OrderEvent.Kind.EMAIL_SENT,
            params={"email": kind, "about": about, "email_label": _label(kind, about)},
        )
        message.send(fail_silently=False)
    return True


def _mark_sent(*, order_id: int, kind: str, subject_key: str) -> bool:
    """Write the email's mark unless it is there: True when this call wrote it (one statement, the unique
    constraint `one_email_per_order_kind_subject` deciding)."""
    return bool(insert_new([SentEmail(order_id=order_id, kind=kind, subject_key=subject_key)], returning=["id"]))


def _label(kind: str, about: int | None) -> str:
    return {
        E.CONFIRMATION: "Order confirmation",
        E.SHIPMENT_SHIPPED: f"Shipment {about} is on its way",
        E.SHIPMENT_DELIVERED: f"Shipment {about} was delivered",
        E.AUTOMATIC_REFUND: "Automatic refund",
    }.get(kind) or E(kind).label


def _refund_message(order: Order, refund: Refund) -> EmailMultiAlternatives:
    """The shop refunded a payment on its own (paid twice, or after the stock was gone): say why."""
    why = refund.reason.removeprefix(AUTOMATIC_REFUND)
    return EmailMultiAlternatives(
        subject=f"Your payment for order {order.number} has been refunded",
        body=(
            f"Hello,\n\nWe received your payment of {refund.amount} {refund.currency} for order {order.number}, "
            f"but {why}, so we have refunded it in full. You have not been charged. The refund reaches your "
            "account within 5 to 10 business days, depending on your bank.\n\nWe are sorry for the trouble.\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )


def _shipment_message(order: Order, kind: str, shipment_id: int | None) -> EmailMultiAlternatives:
    """The shipped / delivered email of a shipment: plain text with an HTML alternative, links to the order page."""
    shipment = shipment_for_email(shipment_id=shipment_id)
    template = "shipped" if kind == E.SHIPMENT_SHIPPED else "delivered"
    context = {
        "order": order,
        "shipment": shipment,
        "carrier_name": shipment.carrier_name,
        "service_name": shipment.service_name,
        "order_url": order_url(order),
        "tracking_url": settings.SITE_URL.rstrip("/")
        + reverse("fulfillment:track", kwargs={"tracking_number": shipment.tracking_number}),
    }
    subject = {
        E.SHIPMENT_SHIPPED: f"A shipment of your order {order.number} is on its way",
        E.SHIPMENT_DELIVERED: f"A shipment of your order {order.number} was delivered",
    }[kind]
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/shipment_{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string(f"emails/shipment_{template}.html", context), "text/html")
    return message
