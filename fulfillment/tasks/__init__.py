import logging

from celery import shared_task

from fulfillment.selectors import stock_ledger_mismatches

logger = logging.getLogger(__name__)


@shared_task
def reconcile_stock() -> int:
    """Recompute every stock total from the movement ledger and report each mismatch."""
    mismatches = stock_ledger_mismatches()
    for mismatch in mismatches:
        logger.error("Stock ledger mismatch: %s", mismatch)
    return len(mismatches)


# Task modules by concern; imported so Celery's autodiscovery of `fulfillment.tasks` finds them.
from fulfillment.tasks import consolidation, fulfillment_orders, labels, receiving, tracking  # noqa: E402, F401
