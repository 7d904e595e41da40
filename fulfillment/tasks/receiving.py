"""Celery tasks of inbound receipts (queue `inbound`): each calls the idempotent service, so a repeat is harmless.

A worker killed with SIGKILL mid-close leaves nothing half-done (the close is one transaction) and its
message is handed back to the queue (late acks, reject on worker lost); a message lost with the
broker is sent again by `resend_unfinished_closes`, which beat runs every few minutes.
"""

import datetime as dt
import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from fulfillment.selectors_inbound import closes_to_send_again
from fulfillment.services.receiving import ReceivingError, close_receipt

logger = logging.getLogger(__name__)
# A close waits in the queue at most this long before the sweep sends it again.
RESEND_AFTER = dt.timedelta(minutes=5)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=(OperationalError,), retry_backoff=True)
def close_receipt_task(shipment_id: int, by_id: int | None = None) -> str:
    """Close one receipt (stock rises, discrepancies kept); a closed one stays as it is."""
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    try:
        return close_receipt(shipment_id=shipment_id, by=by).status
    except ReceivingError as error:  # final: a cancelled or uncounted receipt waits for staff
        logger.warning("Receipt %s not closed: %s", shipment_id, error.message)
        return error.code


@shared_task
def resend_unfinished_closes() -> int:
    """Send again the closes staff asked for that no worker finished."""
    unfinished = closes_to_send_again(older_than=RESEND_AFTER)
    for shipment_id, by_id in unfinished:
        close_receipt_task.delay(shipment_id, by_id)
    return len(unfinished)
