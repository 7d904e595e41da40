"""Idempotent POSTs as Stripe does them: same key and parameters, the first answer again; other parameters, an error.

The key row is inserted before the work, inside the same transaction: a concurrent request with the
same key waits on the unique index until the first one commits, then replays its stored answer, so
two identical requests racing make one object. Errors are not stored (the transaction rolls back with
the key), so a request that failed validation may be retried with the same key, as on Stripe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.models import LocalStripeIdempotencyKey

from .errors import LocalStripeError

# Stripe prunes keys after 24 hours; a key reused later is a new request.
KEY_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    replayed: bool = False


def params_digest(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def run_idempotent(
    *, key: str, method: str, path: str, params: dict, handler: Callable[[], tuple[int, str]]
) -> StoredResponse:
    """Run `handler` once per key; later calls with the key get the stored status and body."""
    digest = params_digest(params)
    with transaction.atomic():
        LocalStripeIdempotencyKey.objects.filter(key=key, created_at__lt=timezone.now() - KEY_LIFETIME).delete()
        try:
            with transaction.atomic():
                record = LocalStripeIdempotencyKey.objects.create(
                    key=key, method=method, path=path, params_hash=digest, status=0, body=""
                )
        except IntegrityError:
            stored = LocalStripeIdempotencyKey.objects.get(key=key)
            if (stored.method, stored.path, stored.params_hash) != (method, path, digest):
                raise LocalStripeError(
                    "Keys for idempotent requests can only be used with the same parameters they were first used "
                    f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                    type="idempotency_error",
                ) from None
            return StoredResponse(stored.status, stored.body, replayed=True)
        status, body = handler()
        record.status = status
        record.body = body
        record.save(update_fields=["status", "body"])
        return StoredResponse(status, body)
