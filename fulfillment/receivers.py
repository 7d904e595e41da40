"""Fulfillment reacts to what the shop announces; each receiver only enqueues a task."""

from django.dispatch import receiver

from fulfillment.tasks import allocate_order_task, deallocate_order_task
from shop import events


@receiver(events.order_paid, dispatch_uid="fulfillment.allocate_paid_order")
def allocate_paid_order(sender, order_id: int, **kwargs) -> None:
    allocate_order_task.delay(order_id)


@receiver(events.order_cancelled, dispatch_uid="fulfillment.deallocate_cancelled_order")
@receiver(events.order_refunded, dispatch_uid="fulfillment.deallocate_refunded_order")
def deallocate_unshipped_order(sender, order_id: int, **kwargs) -> None:
    deallocate_order_task.delay(order_id)
