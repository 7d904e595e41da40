"""PaymentIntents, Charges and Refunds (a paid session makes a succeeded PaymentIntent and its Charge)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from . import balance, store
from .encoding import check_known, read_int, read_metadata, read_str
from .errors import invalid, missing_param
from .events import emit_event
from .formatting import format_amount

if TYPE_CHECKING:
    from .checkout import PaidCard

REFUND_PARAMS = {"payment_intent", "charge", "amount", "metadata", "reason", "instructions_email", "origin"}
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def create_paid_intent(*, session: dict, card: PaidCard) -> dict:
    """A succeeded PaymentIntent and its Charge for the session's total (inside the caller's transaction)."""
    created = store.now()
    intent_data = session["_payment_intent_data"]
    intent_id = store.new_id("pi_3")
    charge_id = store.new_id("ch_3")
    payment_method_id = store.new_id("pm_1")
    card_details = {
        "brand": card.brand,
        "country": "US",
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "funding": card.funding,
        "last4": card.last4,
    }
    charge = store.create(
        {
            "id": charge_id,
            "object": "charge",
            "amount": session["amount_total"],
            "amount_captured": session["amount_total"],
            "amount_refunded": 0,
            "balance_transaction": store.new_id("txn_3"),
            "billing_details": {"address": None, "email": card.email, "name": card.name, "phone": None},
            "captured": True,
            "created": created,
            "currency": session["currency"],
            "description": intent_data["description"],
            "disputed": False,
            "failure_code": None,
            "failure_message": None,
            "livemode": False,
            "metadata": dict(intent_data["metadata"]),
            "outcome": {
                "network_status": "approved_by_network",
                "reason": None,
                "risk_level": "normal",
                "seller_message": "Payment complete.",
                "type": "authorized",
            },
            "paid": True,
            "payment_intent": intent_id,
            "payment_method": payment_method_id,
            "payment_method_details": {"card": card_details, "type": "card"},
            "receipt_email": intent_data["receipt_email"],
            "refunded": False,
            "status": "succeeded",
            "transfer_group": intent_data["transfer_group"],
        }
    )
    balance.record_charge(charge)
    return store.create(
        {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": session["amount_total"],
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": f"{intent_id}_secret_{store.new_id('', 25)}",
            "confirmation_method": "automatic",
            "created": created,
            "currency": session["currency"],
            "customer": None,
            "description": intent_data["description"],
            "last_payment_error": None,
            "latest_charge": charge_id,
            "livemode": False,
            "metadata": dict(intent_data["metadata"]),
            "payment_method": payment_method_id,
            "payment_method_types": ["card"],
            "receipt_email": intent_data["receipt_email"],
            "status": "succeeded",
            "transfer_group": intent_data["transfer_group"],
        }
    )


def retrieve_payment_intent(intent_id: str) -> dict:
    return store.load(intent_id, "payment_intent", label="payment_intent")


def retrieve_charge(charge_id: str) -> dict:
    return store.load(charge_id, "charge", label="charge")


def retrieve_refund(refund_id: str) -> dict:
    return store.load(refund_id, "refund", label="refund")


def create_refund(params: dict) -> dict:
    """POST /v1/refunds: all or part of what remains of a charge; never more."""
    check_known(params, REFUND_PARAMS)
    intent_id = read_str(params, "payment_intent")
    charge_id = read_str(params, "charge")
    if not intent_id and not charge_id:
        raise missing_param("charge")
    reason = read_str(params, "reason", choices=REFUND_REASONS)
    requested = read_int(params, "amount", minimum=1)
    metadata = read_metadata(params)
    with transaction.atomic():
        if intent_id:
            intent = store.load(intent_id, "payment_intent", label="payment_intent", param="payment_intent")
            if intent["status"] != "succeeded" or not intent["latest_charge"]:
                raise invalid(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                    param="payment_intent",
                    code="charge_not_refundable",
                )
            if charge_id and charge_id != intent["latest_charge"]:
                raise invalid("The charge does not belong to this PaymentIntent.", param="charge")
            charge_id = intent["latest_charge"]
        charge = store.lock(charge_id, "charge", label="charge", param="charge")
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise invalid(
                f"Charge {charge_id} has already been refunded.", param="charge", code="charge_already_refunded"
            )
        amount = remaining if requested is None else requested
        if amount > remaining:
            raise invalid(
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded amount on charge "
                f"({_money(remaining, charge['currency'])})",
                param="amount",
                code="amount_too_large",
            )
        refund = store.create(
            {
                "id": store.new_id("re_3"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": store.new_id("txn_3"),
                "charge": charge_id,
                "created": store.now(),
                "currency": charge["currency"],
                "destination_details": {
                    "card": {"type": "refund", "refund": {"reference_status": "pending"}},
                    "type": "card",
                },
                "metadata": metadata,
                "payment_intent": charge["payment_intent"],
                "reason": reason,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            }
        )
        balance.record_refund(refund)
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        store.save(charge)
        emit_event("refund.created", refund)
        emit_event("charge.refunded", charge, previous_attributes=previous)
        emit_event("refund.updated", refund, previous_attributes={"status": "pending"})
    return refund


def _money(amount: int, currency: str) -> str:

    return format_amount(amount, currency)
