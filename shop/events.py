"""Facts the shop announces. Sent with transaction.on_commit; receivers only enqueue tasks."""

from django.dispatch import Signal

# kwargs: order_id
order_paid = Signal()
# kwargs: order_id, refund_id
order_refunded = Signal()
# kwargs: order_id
order_cancelled = Signal()
