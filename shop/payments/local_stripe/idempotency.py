"""Idempotent POSTs as Stripe does them: same key and parameters, the first answer again; other parameters, an error.

The key row is inserted with its answer after the work, inside the same transaction (one write): a
request whose key was taken meanwhile, by an earlier or a concurrent request (it waits on the unique
index until that one commits), rolls its own work back and replays the stored answer, so two identical
requests racing make one object. A request whose work fails looks for the key before answering the
error, so a replay still answers what the first request did. A key older than Stripe keeps them is
pruned when it is met again. Errors are not stored (the transaction rolls back), so a request that
failed validation may be retried with the same key, as on Stripe.
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
                status, body = handler()
                try:
                    LocalStripeIdempotencyKey.objects.create(
                        key=key, method=method, path=path, params_hash=digest, status=status, body=body
                    )
                except IntegrityError as error:  # leaves the transaction: PostgreSQL refuses anything more in it
                    raise _KeyTaken from error
                return StoredResponse(status, body)
        except _KeyTaken:
            pass
        except Exception:  # the work failed (rolled back): a key used before answers as it did then
            if not LocalStripeIdempotencyKey.objects.filter(key=key).exists():
                raise
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
