"""Celery tasks of payments: thin wrappers that call shop.services.payments."""

import logging
from datetime import timedelta

import stripe
from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from shop.models import Payment, StripeEvent
from shop.services import payments

logger = logging.getLogger(__name__)

# Worth another try later: the database or Stripe was briefly away, a lock wait timed out, a deadlock.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    stripe.APIConnectionError,
    stripe.RateLimitError,
    stripe.APIError,
)
# An event unprocessed this long after it arrived is queued again (its task was lost or failed).
UNPROCESSED_AFTER = timedelta(minutes=2)
# After this many failed attempts an event waits for staff (admin: "Process again").
MAX_EVENT_ATTEMPTS = 20
SWEEP_BATCH = 500


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def process_stripe_event(self, event_pk: int) -> bool:
    """Apply one stored Stripe event, once (its effect and the processed mark commit together)."""
    try:
        return payments.process_event(event_pk=event_pk)
    except Exception as error:
        payments.record_event_failure(event_pk=event_pk, error=error)
        logger.warning("Stripe event %s failed (attempt %s): %r", event_pk, self.request.retries + 1, error)
        raise


@shared_task
def retry_unprocessed_events() -> int:
    """Beat, every minute: queue again the events no worker finished (a killed worker loses no payment)."""
    ids = list(
        StripeEvent.objects.filter(
            processed_at__isnull=True,
            received_at__lt=timezone.now() - UNPROCESSED_AFTER,
            attempts__lt=MAX_EVENT_ATTEMPTS,
        )
        # One waiting for its payment is queued when the payment is recorded; this catches a race.
        .filter(Q(waiting_for="") | Q(waiting_for__in=Payment.objects.values("payment_intent_id")))
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for event_pk in ids:
        process_stripe_event.delay(event_pk)
    return len(ids)


@shared_task(acks_late=True)
def expire_stale_checkouts() -> int:
    """Beat, every minute: cancel orders whose reservation ran out unpaid (their sessions expired first)."""
    return payments.expire_stale_checkouts()


@shared_task
def retry_pending_refunds() -> int:
    """Beat, every five minutes: send again refunds Stripe never answered; ask about pending ones."""
    return payments.retry_pending_refunds()
