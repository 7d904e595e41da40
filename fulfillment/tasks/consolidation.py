"""Celery tasks: consolidations (queue `consolidation`, routed by `fulfillment.tasks.consolidation.*`).

Each calls one idempotent service: closing an already closed consolidation, or a master scan stored already,
changes nothing, so a task handed back after its worker was killed (late acks) simply runs again.
"""

import datetime as dt
import logging

from celery import shared_task
from django.db import OperationalError

from fulfillment.services.consolidation import (
    ConsolidationError,
    close_consolidation,
    consolidate_labelled_parcel,
    due_for_closing,
    finish_split_consolidations,
)
from fulfillment.services.master_scans import record_master_scan, split_consolidation, tender_consolidation

logger = logging.getLogger(__name__)
RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 8}


@shared_task(bind=True, **RETRY)
def close_consolidation_task(self, consolidation_id: int, reason: str = "cutoff") -> str | None:
    """Close one consolidation; the air waybill of the master (None when it was empty)."""
    try:
        return close_consolidation(consolidation_id=consolidation_id, reason=reason).awb
    except ConsolidationError as error:
        logger.info("Consolidation %s not closed: %s", consolidation_id, error.message)
        return None


@shared_task(bind=True, **RETRY)
def consolidate_labelled_parcel_task(self, shipment_id: int) -> int | None:
    """Put a labelled parcel abroad in its lane's consolidation (labelled before the lane existed); idempotent."""
    try:
        item = consolidate_labelled_parcel(shipment_id=shipment_id)
    except ConsolidationError as error:
        logger.info("Shipment %s not consolidated: %s", shipment_id, error.message)
        return None
    return item.consolidation_id if item is not None else None


@shared_task
def close_due_consolidations() -> int:
    """Close every consolidation whose cut-off has come (beat, every minute); split ones all delivered are done."""
    due = due_for_closing()
    for consolidation_id in due:
        close_consolidation_task.delay(consolidation_id)
    finish_split_consolidations()
    return len(due)


@shared_task(bind=True, **RETRY)
def tender_consolidation_task(self, consolidation_id: int) -> int:
    return tender_consolidation(consolidation_id=consolidation_id).pk


@shared_task(bind=True, **RETRY)
def record_master_scan_task(
    self,
    consolidation_id: int,
    kind: str,
    occurred_at: str,
    *,
    held_tracking_numbers: list[str] | None = None,
    customs_reason: str = "",
    source: str = "airline",
) -> int:
    """Record a master scan (ISO time) and fan it out; the same scan twice changes nothing."""
    return record_master_scan(
        consolidation_id=consolidation_id,
        kind=kind,
        occurred_at=dt.datetime.fromisoformat(occurred_at),
        held_tracking_numbers=held_tracking_numbers or (),
        customs_reason=customs_reason,
        source=source,
    ).pk


@shared_task(bind=True, **RETRY)
def split_consolidation_task(self, consolidation_id: int) -> int:
    return split_consolidation(consolidation_id=consolidation_id).pk
