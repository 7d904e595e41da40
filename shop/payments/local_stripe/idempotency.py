"""Idempotent POSTs as Stripe does them: same key and parameters, the first answer again; other parameters, an error.

The key row is inserted before the work, inside the same transaction: a concurrent request with the
same key waits on the unique index until the first one commits, then replays its stored answer, so
two identical requests racing make one object. A key older than Stripe keeps them is pruned when it
is met again. Errors are not stored (the transaction rolls back with
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


class _KeyTaken(Exception):
    """The key's row exists already (committed by an earlier or a concurrent request)."""


def run_idempotent(
    *, key: str, method: str, path: str, params: dict, handler: Callable[[], tuple[int, str]]
) -> StoredResponse:
    """Run `handler` once per key; later calls with the key get the stored status and body.

    The handler runs in the key's transaction (no savepoint of its own needed: any error rolls both back).
    """
    digest = params_digest(params)
    for _ in range(2):  # once more after pruning an expired key
        try:
            with transaction.atomic():
                try:
                    record = LocalStripeIdempotencyKey.objects.create(
                        key=key, method=method, path=path, params_hash=digest, status=0, body=""
                    )
                except IntegrityError as error:  # leaves the transaction: PostgreSQL refuses anything more in it
                    raise _KeyTaken from error
                status, body = handler()
                LocalStripeIdempotencyKey.objects.filter(pk=record.pk).update(status=status, body=body)
                return StoredResponse(status, body)
        except _KeyTaken:
            pass
        stored = LocalStripeIdempotencyKey.objects.get(key=key)
        if stored.created_at < timezone.now() - KEY_LIFETIME:
            LocalStripeIdempotencyKey.objects.filter(pk=stored.pk).delete()
            continue
        if (stored.method, stored.path, stored.params_hash) != (method, path, digest):
            raise LocalStripeError(
                "Keys for idempotent requests can only be used with the same parameters they were first used "
                f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                type="idempotency_error",
            )
        return StoredResponse(stored.status, stored.body, replayed=True)
    raise LocalStripeError(f"The idempotency key '{key}' is in use; retry the request.", status=409)
