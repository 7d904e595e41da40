"""Carriers' tracking webhook: POST /carriers/webhook/<carrier_code>/, HMAC-signed like Stripe's.

Header `Carrier-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, with the
carrier's secret from settings.CARRIER_WEBHOOK_SECRETS. A signature older (or newer) than five
minutes is refused, so a captured request cannot be replayed later.

Body: one event or a list of events, each
`{"tracking_number", "status", "occurred_at" (ISO 8601 with offset), "location"?, "description"?, "stage"?,
"customs_reason"?}` (a customs_held event's reason: documents_missing, value_queried, restricted_item,
duties_unpaid).
Answers:
- 400 `{"code": "invalid_signature"}`: missing, wrong or stale signature; nothing stored.
- 400 `{"code": "invalid", "fields": {"events[0].status": [...]}}`: a malformed body; nothing stored
  (every event is checked before any is stored).
- 404 `{"code": "unknown_carrier"}`: no secret is configured for this carrier code.
- 200 `{"received", "stored", "duplicates", "ignored": [tracking numbers]}`. A tracking number we do not
  know (or that belongs to another carrier) is accepted and ignored rather than refused: carriers
  retry every non-2xx answer, and a voided label's late scans would be retried forever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from fulfillment.models import Shipment, TrackingEvent, TrackingLeg
from fulfillment.services.tracking import InvalidTrackingEvent, UnknownTrackingNumber, ingest_tracking_event

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Carrier-Signature"
TOLERANCE_SECONDS = 300
MAX_EVENTS = 500


class InvalidSignature(Exception):
    pass


def sign(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The Carrier-Signature header value for a body (carriers compute the same; tests use it)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(payload: bytes, header: str | None, secret: str, *, now: float | None = None) -> None:
    """Raise InvalidSignature unless the header signs this exact body, recently, with the secret."""
    if not header:
        raise InvalidSignature("The Carrier-Signature header is missing.")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError) as error:
        raise InvalidSignature("The signature has no timestamp.") from error
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("The signature's timestamp is more than five minutes away.")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in parts.get("v1", [])):
        raise InvalidSignature("The signature does not match the body.")


def _error(code: str, message: str, *, status: int = 400, fields: dict | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": fields or {}}, status=status)


_TEXT_FIELDS = {"tracking_number": True, "status": True, "occurred_at": True, "location": False, "description": False}


def parse_events(body: object) -> tuple[list[dict], dict[str, list[str]]]:
    """Checked events from a decoded body, and the problems per field (`events[i].name`)."""
    items = body if isinstance(body, list) else [body]
    prefix = (lambda i: f"events[{i}].") if isinstance(body, list) else (lambda i: "")
    if not items:
        return [], {"events": ["At least one event is required."]}
    if len(items) > MAX_EVENTS:
        return [], {"events": [f"At most {MAX_EVENTS} events per request."]}
    events, errors = [], {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors[f"{prefix(i)}".rstrip(".") or "body"] = ["An event must be a JSON object."]
            continue
        event = {}
        for name, required in (*_TEXT_FIELDS.items(), ("stage", False), ("customs_reason", False)):
            value = item.get(name, "")
            if not isinstance(value, str) or (required and not value.strip()):
                errors[f"{prefix(i)}{name}"] = ["Required, as text." if required else "Must be text."]
                continue
            event[name] = value.strip()
        for name, problem in _problems(event).items():
            errors[f"{prefix(i)}{name}"] = [problem]
        events.append(event)
    return events, errors


def _problems(event: dict) -> dict[str, str]:
    """What is wrong with the values of one event (its text fields are present); sets occurred_at to a datetime."""
    problems = {}
    if "occurred_at" in event:
        when = parse_datetime(event["occurred_at"])
        if when is None or when.tzinfo is None:
            problems["occurred_at"] = "An ISO 8601 date and time with its offset is required."
        else:
            event["occurred_at"] = when.astimezone(dt.UTC)
    if "status" in event and event["status"] not in TrackingEvent.Status.values:
        problems["status"] = f"Unknown status; one of: {', '.join(TrackingEvent.Status.values)}."
    if event.get("stage") and event["stage"] not in TrackingLeg.Kind.values:
        problems["stage"] = f"Unknown stage; one of: {', '.join(TrackingLeg.Kind.values)}."
    if event.get("customs_reason") and event["customs_reason"] not in TrackingEvent.CustomsReason.values:
        reasons = ", ".join(value for value in TrackingEvent.CustomsReason.values if value)
        problems["customs_reason"] = f"Unknown customs reason; one of: {reasons}."
    for name, limit in (("tracking_number", 40), ("location", 120), ("description", 240)):
        if len(event.get(name, "")) > limit:
            problems[name] = f"At most {limit} characters."
    return problems


@csrf_exempt
@require_POST
def carrier_webhook(request: HttpRequest, carrier_code: str) -> JsonResponse:
    """Verify the signature on the raw body, check every event, then ingest each once."""
    secret = getattr(settings, "CARRIER_WEBHOOK_SECRETS", {}).get(carrier_code)
    if not secret:
        return _error("unknown_carrier", f"No webhook is configured for carrier {carrier_code!r}.", status=404)
    payload = request.body
    try:
        verify(payload, request.headers.get(SIGNATURE_HEADER), secret)
    except InvalidSignature as error:
        logger.warning("Carrier webhook %s refused: %s", carrier_code, error)
        return _error("invalid_signature", str(error))
    try:
        body = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return _error("invalid", "The body is not JSON.", fields={"body": ["Not valid JSON."]})
    events, errors = parse_events(body)
    if errors:
        return _error("invalid", "Some events cannot be read.", fields=errors)
    numbers = {e["tracking_number"] for e in events}
    ours = set(
        Shipment.objects.filter(carrier=carrier_code, tracking_number__in=numbers).values_list(
            "tracking_number", flat=True
        )
    ) | set(
        Shipment.objects.filter(carrier=carrier_code, parcels__tracking_number__in=numbers).values_list(
            "parcels__tracking_number", flat=True
        )
    )
    stored = duplicates = 0
    ignored = []
    for event in events:
        if event["tracking_number"] not in ours:
            ignored.append(event["tracking_number"])
            continue
        try:
            result = ingest_tracking_event(**event, source=TrackingEvent.Source.CARRIER)
        except UnknownTrackingNumber:
            ignored.append(event["tracking_number"])
            continue
        except InvalidTrackingEvent as error:  # every field was checked above: not expected
            logger.error("Carrier webhook %s: event refused after the checks: %s", carrier_code, error)
            ignored.append(event["tracking_number"])
            continue
        duplicates += result.duplicate
        stored += not result.duplicate
    return JsonResponse({"received": len(events), "stored": stored, "duplicates": duplicates, "ignored": ignored})
