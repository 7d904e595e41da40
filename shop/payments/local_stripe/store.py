"""Stripe-shaped objects in the database: ids, timestamps, load, lock, save, render.

Keys starting with "_" in an object's data are the stand-in's own bookkeeping (line items of a
session, transfers made from a charge...); `public()` leaves them out of every API answer.
"""

from __future__ import annotations

import secrets
import string

from django.utils import timezone

from shop.models import LocalStripeObject

from .errors import resource_missing

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id: `cs_test_a1B2...`, `pi_3Q...`, `acct_1P...`."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    """Unix seconds, as Stripe's `created` and `expires_at`."""
    return int(timezone.now().timestamp())


def create(data: dict) -> dict:
    LocalStripeObject.objects.create(id=data["id"], object=data["object"], data=data)
    return data


def load(object_id: str, kind: str | None = None, *, label: str | None = None, param: str = "id") -> dict:
    """The object's data; 404 `resource_missing` (Stripe's answer) when there is none of that kind."""
    row = _query(object_id, kind).first()
    if row is None:
        raise resource_missing(object_id, kind=label or kind or "object", param=param)
    return row.data


def lock(object_id: str, kind: str | None = None, *, label: str | None = None, param: str = "id") -> dict:
    """Like `load`, with the row locked until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    row = _query(object_id, kind).select_for_update().first()
    if row is None:
        raise resource_missing(object_id, kind=label or kind or "object", param=param)
    return row.data


def save(data: dict) -> dict:
    LocalStripeObject.objects.filter(pk=data["id"]).update(data=data, updated_at=timezone.now())
    return data


def find(kind: str, **lookups) -> list[dict]:
    """Objects of a kind whose data match `lookups` (JSON field lookups, e.g. source_transaction="ch_...")."""
    filters = {f"data__{key}": value for key, value in lookups.items()}
    return [row.data for row in LocalStripeObject.objects.filter(object=kind, **filters).order_by("-created_at", "-pk")]


def public(data):
    """The object as the API shows it: without the stand-in's own `_` keys (at any depth)."""
    if isinstance(data, dict):
        return {key: public(value) for key, value in data.items() if not key.startswith("_")}
    if isinstance(data, list):
        return [public(item) for item in data]
    return data


def _query(object_id: str, kind: str | None):
    rows = LocalStripeObject.objects.filter(pk=object_id)
    return rows.filter(object=kind) if kind else rows
