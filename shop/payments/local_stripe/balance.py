"""Balance transactions (GET /v1/balance_transactions): every movement of the platform's Stripe balance.

Derived from the stored charges, refunds, transfers and transfer reversals, each with the id its
object already names (`balance_transaction`), as Stripe shows them: `charge` (+ amount, with the
processing fee), `refund` (- amount), `transfer` (- amount), `transfer_refund` (+ reversal amount).
The stand-in's processing fee imitates Stripe's standard card price (2.9 % + 30 minor units; 3.6 %
in zero-decimal currencies); it is the stand-in's, not a rule of ours.
"""

from __future__ import annotations

from fractions import Fraction

from django.db.models import Q

from shop.models import LocalStripeObject

from . import store
from .encoding import read_int, read_str
from .errors import invalid

TYPES = {"charge", "refund", "transfer", "transfer_refund"}
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())  # noqa: SIM905


def card_fee(amount: int, currency: str) -> int:
    """The stand-in's processing fee of a card charge, in minor units (half up)."""
    if currency.lower() in ZERO_DECIMAL:
        return _half_up(Fraction(amount) * Fraction(36, 1000))
    return _half_up(Fraction(amount) * Fraction(29, 1000)) + 30


def _half_up(value: Fraction) -> int:
    whole, rest = divmod(value.numerator, value.denominator)
    return whole + (1 if 2 * rest >= value.denominator else 0)


def _txn(*, txn_id: str, kind: str, amount: int, fee: int, currency: str, created: int, source: str, text: str):
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + 2 * 86400,
        "created": created,
        "currency": currency,
        "description": text,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": kind if kind != "transfer_refund" else "transfer_reversal",
        "source": source,
        "status": "available",
        "type": kind,
    }


def record_charge(charge: dict) -> None:
    """The balance transaction of a succeeded charge: + amount, with the processing fee."""
    _record(
        txn_id=charge["balance_transaction"],
        kind="charge",
        amount=charge["amount"],
        fee=card_fee(charge["amount"], charge["currency"]),
        currency=charge["currency"],
        created=charge["created"],
        source=charge["id"],
        text=charge.get("description") or "",
    )


def record_refund(refund: dict) -> None:
    _record(
        txn_id=refund["balance_transaction"],
        kind="refund",
        amount=-refund["amount"],
        fee=0,
        currency=refund["currency"],
        created=refund["created"],
        source=refund["id"],
        text="REFUND FOR CHARGE",
    )


def record_transfer(transfer: dict) -> None:
    _record(
        txn_id=transfer["balance_transaction"],
        kind="transfer",
        amount=-transfer["amount"],
        fee=0,
        currency=transfer["currency"],
        created=transfer["created"],
        source=transfer["id"],
        text=transfer.get("description") or "",
    )


def record_reversal(reversal: dict) -> None:
    _record(
        txn_id=reversal["balance_transaction"],
        kind="transfer_refund",
        amount=reversal["amount"],
        fee=0,
        currency=reversal["currency"],
        created=reversal["created"],
        source=reversal["id"],
        text=f"REVERSAL OF {reversal['transfer']}",
    )


def _record(**fields) -> None:
    # Stored as rows when the money moves, as Stripe keeps them: listing a day is then one query
    # on the day's rows, not a walk over every charge, refund and transfer ever made.
    store.create(_txn(**fields))


def all_balance_transactions() -> list[dict]:
    """Every balance transaction, newest first."""
    return list_balance_transactions({})


def list_balance_transactions(params: dict) -> list[dict]:
    """Filtered by `type`, `currency`, `source` and `created[gte|gt|lte|lt]`, newest first (all of them)."""
    return [row.data for row in _rows(params)]


def balance_transactions_page(params: dict) -> tuple[list[dict], dict]:
    """One page's worth: the rows after `starting_after` (keyset, in SQL) and one more, so that each
    page of a busy day costs the same; answers them with the params left for the list object to apply."""
    rows = _rows(params)
    after_id = read_str(params, "starting_after")
    if read_str(params, "ending_before"):
        return [row.data for row in rows], params  # rare: the list object pages from the whole list
    if after_id:
        after = store.load(after_id, "balance_transaction", label="balance_transaction", param="starting_after")
        rows = rows.filter(Q(data__created__lt=after["created"]) | Q(data__created=after["created"], pk__gt=after_id))
    limit = read_int(params, "limit", minimum=1) or 10
    left = {key: value for key, value in params.items() if key != "starting_after"}
    return [row.data for row in rows[: min(limit, 100) + 1]], left


def _rows(params: dict):
    kind = read_str(params, "type")
    if kind and kind not in TYPES:
        raise invalid(f"Invalid type: must be one of {', '.join(sorted(TYPES))}", param="type")
    currency = (read_str(params, "currency") or "").lower()
    source = read_str(params, "source")
    created = params.get("created") or {}
    if not isinstance(created, dict):
        created = {"eq": created}
    bounds = {op: read_int(created, op, path=f"created[{op}]") for op in ("gte", "gt", "lte", "lt", "eq")}
    lookups = {
        f"data__created__{op}" if op != "eq" else "data__created": at for op, at in bounds.items() if at is not None
    }
    if kind:
        lookups["data__type"] = kind
    if currency:
        lookups["data__currency"] = currency
    if source:
        lookups["data__source"] = source
    return LocalStripeObject.objects.filter(object="balance_transaction", **lookups).order_by("-data__created", "pk")


def retrieve_balance_transaction(txn_id: str) -> dict:
    return store.load(txn_id, "balance_transaction", label="balance_transaction")
