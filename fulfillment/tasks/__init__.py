import logging

from celery import shared_task

from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.stock import recount_available

logger = logging.getLogger(__name__)


@shared_task
def reconcile_stock() -> int:
    """Recompute every stock total from the movement ledger and report each mismatch (answers how many).

    Then each variant's stored available count that differs from its stock and reservations is reported
    and set right (a write that bypassed the stock service, a warehouse switched on or off, rows deleted in
    bulk): listing pages read that count.
    """
    mismatches = stock_ledger_mismatches()
    for mismatch in mismatches:
        logger.error("Stock ledger mismatch: %s", mismatch)
    repaired = recount_available()
    if repaired:
        logger.error("Stored available counts of %s variants were wrong and have been recounted.", repaired)
    return len(mismatches)


# Task modules by concern; imported so Celery's autodiscovery of `fulfillment.tasks` finds them.
from fulfillment.tasks import consolidation, fulfillment_orders, labels, receiving, tracking  # noqa: E402, F401
