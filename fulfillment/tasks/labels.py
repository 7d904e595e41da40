"""Celery tasks: labels (queue `labels`, routed by the pattern `fulfillment.tasks.labels.*`)."""

import logging

from celery import shared_task

from fulfillment.models import Shipment
from fulfillment.services.labels import TRANSIENT_ERRORS, LabelError, buy_label

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,  # the carrier or the database was briefly unavailable
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def buy_label_task(self, shipment_id: int) -> str | None:
    """Buy the label of a packed shipment; a shipment that has one keeps it (idempotent)."""
    try:
        return buy_label(shipment_id=shipment_id).tracking_number
    except LabelError as error:  # final: retrying would not change the answer
        logger.warning("No label for shipment %s: %s", shipment_id, error.message)
        return None


@shared_task
def buy_labels_for_packed_shipments(limit: int = 500) -> int:
    """Queue a label purchase for every packed shipment never labelled (a sweep; each purchase is idempotent).

    A shipment whose label staff voided is left to staff: they voided it for a reason (repacking, another carrier).
    """

    ids = list(
        Shipment.objects.filter(status=Shipment.Status.PACKED)
        .filter(labels__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for shipment_id in ids:
        buy_label_task.delay(shipment_id)
    return len(ids)
