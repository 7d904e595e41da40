"""The order confirmation email: subject with the number, the lines, the total and a link to the order page."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from shop.checkout.links import order_url
from shop.models import Order, OrderLine


def confirmation_message(*, order: Order, lines: list[OrderLine] | None = None) -> EmailMultiAlternatives:
    """The confirmation email for a paid order, as plain text with an HTML alternative (`lines`: its lines, when
    the caller has read them)."""
    lines = lines if lines is not None else list(order.lines.all())
    context = {"order": order, "lines": lines, "order_url": order_url(order)}
    subject = f"Your order {order.number} is confirmed"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/order_confirmation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string("emails/order_confirmation.html", context), "text/html")
    return message
