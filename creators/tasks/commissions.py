"""Celery tasks: attribution, commissions and payouts (thin wrappers around creators.services)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from creators.services import commissions

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY = {"autoretry_for": TRANSIENT_ERRORS, "retry_backoff": 5, "retry_backoff_max": 600, "max_retries": 8}


@shared_task(acks_late=True, **RETRY)
def release_payable_commissions() -> int:
    """Beat: pending commissions whose return window closed become payable."""
    return commissions.release_payable_commissions()
