"""Celery tasks: backorders allocated as stock arrives, and the allocation reconciliation."""

import logging

from celery import shared_task
from django.db import OperationalError

from fulfillment.selectors import allocation_mismatches
from fulfillment.services.fulfillment_orders import allocate_backorders

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def allocate_backorders_task(self, variant_ids: list[int] | None = None) -> int:
    """Allocate open backorders of these variants (all when None) from free stock (queue `allocation`; idempotent)."""
    return len(allocate_backorders(variant_ids=variant_ids).backorder_ids)


@shared_task
def reconcile_allocations() -> int:
    """Recompute each stock row's allocated units from its unconsumed allocations and report each mismatch."""
    mismatches = allocation_mismatches()
    for mismatch in mismatches:
        logger.error("Allocation mismatch: %s", mismatch)
    return len(mismatches)
