"""Reactions of the shop to facts announced elsewhere; each does one thing."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from shop import events
from shop.services.cart import merge_session_cart


@receiver(user_logged_in, dispatch_uid="shop.merge_cart_at_login")
def merge_cart_at_login(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        merge_session_cart(request=request, user=user)


@receiver(events.order_paid, dispatch_uid="shop.confirm_paid_order")
def confirm_paid_order(sender, order_id: int, **kwargs) -> None:
    from shop.checkout.tasks import send_order_confirmation

    send_order_confirmation.delay(order_id)
