from celery import shared_task
from django.db import transaction

from shop.checkout.emails import send_order_confirmation_email
from shop.models import Order, OrderEvent
from shop.services.orders import record_order_note

CONFIRMATION_NOTE = "Order confirmation emailed."
# Statuses in which a confirmation makes no sense (not paid, or already undone).
_NOT_CONFIRMED = {Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED, Order.Status.REFUNDED}


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_order_confirmation(self, order_id: int) -> bool:
    """Email the shopper that their order is paid, once per order (a note on its timeline marks it sent)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.status in _NOT_CONFIRMED:
            return False
        if OrderEvent.objects.filter(order=order, note=CONFIRMATION_NOTE).exists():
            return False
        # Claimed before sending, and no lock held while the mail server answers.
        claim = record_order_note(order=order, note=CONFIRMATION_NOTE)
    try:
        send_order_confirmation_email(order=order)
    except Exception:
        claim.delete()  # let the retry send it
        raise
    return True
