import logging

from celery import shared_task
from django.db import OperationalError

from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.allocation import allocate_order, deallocate_order

logger = logging.getLogger(__name__)


@shared_task
def reconcile_stock() -> int:
    """Recompute every stock total from the movement ledger and report each mismatch."""
    mismatches = stock_ledger_mismatches()
    for mismatch in mismatches:
        logger.error("Stock ledger mismatch: %s", mismatch)
    return len(mismatches)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),  # a lock timeout or deadlock: try again shortly
    retry_backoff=True,
    max_retries=8,
)
def allocate_order_task(self, order_id: int) -> int:
    """Turn a paid order's reservations into allocations (queue `allocation`; idempotent)."""
    return len(allocate_order(order_id=order_id))


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def deallocate_order_task(self, order_id: int) -> int:
    """Give back the stock of a cancelled or fully refunded order that has not shipped."""
    return deallocate_order(order_id=order_id)


# Task modules by concern; imported so Celery's autodiscovery of `fulfillment.tasks` finds them.
from fulfillment.tasks import fulfillment_orders, labels, tracking  # noqa: E402, F401
