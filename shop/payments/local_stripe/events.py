"""Events: stored with Stripe's shape, then delivered to our webhook URL by a Celery task after commit."""

from __future__ import annotations

import contextvars
import copy
import logging

import stripe
from django.conf import settings
from django.db import transaction

from . import store

logger = logging.getLogger(__name__)

# The API request being served, for the event's `request` field ({"id", "idempotency_key"}).
current_request: contextvars.ContextVar[dict | None] = contextvars.ContextVar("local_stripe_request", default=None)


def emit_event(event_type: str, data_object: dict, *, previous_attributes: dict | None = None) -> dict:
    """Store an `event_type` event about `data_object`; deliver it (signed, over HTTP) once the transaction commits."""
    request = current_request.get() or {"id": None, "idempotency_key": None}
    data: dict = {"object": store.public(copy.deepcopy(data_object))}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    url = settings.STRIPE_LOCAL_WEBHOOK_URL
    deliver = bool(url)
    event = store.create(
        {
            "id": store.new_id("evt_"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": store.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1 if deliver else 0,
            "request": dict(request),
            "type": event_type,
        }
    )
    if deliver:
        # robust: an endpoint that is down must not break the request that emitted the event.
        transaction.on_commit(lambda: _enqueue_delivery(event["id"], url), robust=True)
    return event


def _enqueue_delivery(event_id: str, url: str) -> None:
    from .tasks import deliver_event  # noqa: PLC0415  (its tasks expire sessions, which emit events)

    deliver_event.delay(event_id, url)
