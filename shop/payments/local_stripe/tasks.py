"""Webhook delivery as Stripe does it: signed JSON over HTTP, retried with exponential backoff on failure."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import stripe
from celery import shared_task
from django.conf import settings

from . import store
from .checkout import expire_due_sessions

logger = logging.getLogger(__name__)

DELIVERY_TIMEOUT_SECONDS = 10
MAX_DELIVERY_RETRIES = 8  # 2, 4, 8 ... 256 s between attempts (about 8.5 minutes in all)
RETRY_BASE_SECONDS = 2
RETRY_MAX_SECONDS = 3600


class WebhookDeliveryFailed(Exception):
    """The endpoint answered outside 2xx; the delivery is retried."""

    def __init__(self, status: int, url: str) -> None:
        super().__init__(f"webhook endpoint {url} answered {status}")
        self.status = status


# OSError covers URLError, refused connections and timeouts.
RETRYABLE = (WebhookDeliveryFailed, OSError)


def signed_delivery(event: dict, secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers a delivery of `event` carries (signed now, as each Stripe attempt is)."""
    payload = json.dumps(store.public(event), indent=2)
    signature = stripe.WebhookSignature.generate_signature_header(payload, secret or settings.STRIPE_WEBHOOK_SECRET)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": signature,
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) local-stand-in",
    }
    return payload.encode("utf-8"), headers


def retry_countdown(retries: int) -> int:
    """Seconds before the next attempt after `retries` retries: 2, 4, 8 ... (Stripe backs off exponentially too)."""
    return min(RETRY_BASE_SECONDS * 2**retries, RETRY_MAX_SECONDS)


def post_event(event_id: str, url: str) -> int:
    """One attempt: the endpoint's 2xx status, else WebhookDeliveryFailed (or OSError when unreachable)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"STRIPE_LOCAL_WEBHOOK_URL must be an http(s) URL, not {url!r}")
    event = store.load(event_id, "event")
    body, headers = signed_delivery(event)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310  (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if not 200 <= status < 300:
        raise WebhookDeliveryFailed(status, url)
    if event.get("pending_webhooks"):
        event["pending_webhooks"] = 0
        store.save(event)
    return status


@shared_task(bind=True, max_retries=MAX_DELIVERY_RETRIES, acks_late=True)
def deliver_event(self, event_id: str, url: str | None = None) -> int:
    """POST the stored event to `url` (STRIPE_LOCAL_WEBHOOK_URL when emitted), retrying; returns the status."""
    url = url if url is not None else settings.STRIPE_LOCAL_WEBHOOK_URL
    if not url:
        return 0
    if self.request.is_eager:
        # Run in-process (tests; `make run` without a broker): Celery's eager retry raises instead of retrying
        # when task_eager_propagates is on, and sleeping would hold up the caller. Attempts follow at once.
        for attempt in range(1, self.max_retries + 2):
            try:
                return post_event(event_id, url)
            except RETRYABLE as error:
                _log_failure(event_id, error, attempt)
                last_error = error
        raise last_error
    try:
        return post_event(event_id, url)
    except RETRYABLE as error:
        _log_failure(event_id, error, self.request.retries + 1)
        # After the last retry, `retry` raises `error` itself: the task fails (and is logged) for good.
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries)) from error


def _log_failure(event_id: str, error: Exception, attempt: int) -> None:
    logger.warning("webhook delivery of %s failed (attempt %s): %s", event_id, attempt, error)


@shared_task
def expire_due_sessions_task() -> int:
    """Expire open Checkout Sessions past their `expires_at` (each sends `checkout.session.expired`)."""

    return expire_due_sessions()
