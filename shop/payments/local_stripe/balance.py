"""Balance transactions (GET /v1/balance_transactions): every movement of the platform's Stripe balance.

Derived from the stored charges, refunds, transfers and transfer reversals, each with the id its
object already names (`balance_transaction`), as Stripe shows them: `charge` (+ amount, with the
processing fee), `refund` (- amount), `transfer` (- amount), `transfer_refund` (+ reversal amount).
The stand-in's processing fee imitates Stripe's standard card price (2.9 % + 30 minor units; 3.6 %
in zero-decimal currencies); it is the stand-in's, not a rule of ours.
"""

from __future__ import annotations

from fractions import Fraction

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


def _fee_detail(fee: int, currency: str) -> dict:
    return {
        "amount": fee,
        "application": None,
        "currency": currency,
        "description": "Stripe processing fees",
        "type": "stripe_fee",
    }


def all_balance_transactions() -> list[dict]:
    """Every balance transaction, newest first."""
    found = []
    for charge in store.find("charge"):
        if charge["status"] == "succeeded":
            found.append(
                _txn(
                    txn_id=charge["balance_transaction"],
                    kind="charge",
                    amount=charge["amount"],
                    fee=card_fee(charge["amount"], charge["currency"]),
                    currency=charge["currency"],
                    created=charge["created"],
                    source=charge["id"],
                    text=charge.get("description") or "",
                )
            )
    for refund in store.find("refund"):
        if refund["status"] in ("succeeded", "pending"):
            found.append(
                _txn(
                    txn_id=refund["balance_transaction"],
                    kind="refund",
                    amount=-refund["amount"],
                    fee=0,
                    currency=refund["currency"],
                    created=refund["created"],
                    source=refund["id"],
                    text="REFUND FOR CHARGE",
                )
            )
    for transfer in store.find("transfer"):
        found.append(
            _txn(
                txn_id=transfer["balance_transaction"],
                kind="transfer",
                amount=-transfer["amount"],
                fee=0,
                currency=transfer["currency"],
                created=transfer["created"],
                source=transfer["id"],
                text=transfer.get("description") or "",
            )
        )
        for reversal in transfer["reversals"]["data"]:
            found.append(
                _txn(
                    txn_id=reversal["balance_transaction"],
                    kind="transfer_refund",
                    amount=reversal["amount"],
                    fee=0,
                    currency=reversal["currency"],
                    created=reversal["created"],
                    source=reversal["id"],
                    text=f"REVERSAL OF {transfer['id']}",
                )
            )
    return sorted(found, key=lambda txn: (-txn["created"], txn["id"]))


def list_balance_transactions(params: dict) -> list[dict]:
    """Filtered by `type`, `currency`, `source` and `created[gte|gt|lte|lt]`, newest first."""
    kind = read_str(params, "type")
    if kind and kind not in TYPES:
        raise invalid(f"Invalid type: must be one of {', '.join(sorted(TYPES))}", param="type")
    currency = (read_str(params, "currency") or "").lower()
    source = read_str(params, "source")
    created = params.get("created") or {}
    if not isinstance(created, dict):
        created = {"eq": created}
    bounds = {op: read_int(created, op, path=f"created[{op}]") for op in ("gte", "gt", "lte", "lt", "eq")}
    items = []
    for txn in all_balance_transactions():
        at = txn["created"]
        if (kind and txn["type"] != kind) or (currency and txn["currency"] != currency):
            continue
        if source and txn["source"] != source:
            continue
        if not _within(at, bounds):
            continue
        items.append(txn)
    return items


def _within(at: int, bounds: dict[str, int | None]) -> bool:
    tests = {
        "gte": lambda bound: at >= bound,
        "gt": lambda bound: at > bound,
        "lte": lambda bound: at <= bound,
        "lt": lambda bound: at < bound,
        "eq": lambda bound: at == bound,
    }
    return all(bound is None or tests[op](bound) for op, bound in bounds.items())


def retrieve_balance_transaction(txn_id: str) -> dict:
    for txn in all_balance_transactions():
        if txn["id"] == txn_id:
            return txn
    return store.load(txn_id, "balance_transaction", label="balance_transaction")
