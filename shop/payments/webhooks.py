"""Stripe's webhook endpoint: verify the signature on the raw body, store the event once, queue the work."""

import logging

from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace.transactions import one_statement
from shop.models import StripeEvent
from shop.payments import gateway
from shop.payments.tasks import process_stripe_event

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Answer 2xx as soon as the event is stored; a Celery task applies it.

    A missing, wrong or stale signature, a changed body or one that is not an event: 400, nothing stored.
    """
    payload = request.body
    try:
        event = gateway.construct_event(payload, request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as error:
        logger.warning("Stripe webhook refused (%s): %s", error.code, error.message)
        return JsonResponse({"code": error.code, "message": error.message}, status=400)
    try:  # one INSERT; a replay meets the unique event id
        with one_statement():
            stored, created = StripeEvent.objects.create(event_id=event["id"], type=event["type"], payload=event), True
    except IntegrityError:
        stored, created = StripeEvent.objects.get(event_id=event["id"]), False
    if stored.processed_at is None:
        transaction.on_commit(lambda: _enqueue(stored.pk), robust=True)  # committed: runs now
    return JsonResponse({"received": True, "duplicate": not created})


def _enqueue(event_pk: int) -> None:
    # A broker that is down loses nothing: the event is stored and the beat sweep queues it again.

    process_stripe_event.delay(event_pk)
