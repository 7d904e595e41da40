"""Creators react to what the shop announces; each receiver only enqueues a task."""

from django.dispatch import receiver

from creators.tasks.commissions import apply_order_refunds_task, record_order_commissions_task
from shop import events


@receiver(events.order_paid, dispatch_uid="creators.record_order_commissions")
def record_commissions_of_paid_order(sender, order_id: int, **kwargs) -> None:
    record_order_commissions_task.delay(order_id)


@receiver(events.order_refunded, dispatch_uid="creators.apply_order_refunds")
def reverse_commissions_of_refunded_order(sender, order_id: int, **kwargs) -> None:
    apply_order_refunds_task.delay(order_id)
