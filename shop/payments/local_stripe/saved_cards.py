"""Checkout saving the card it was paid with, for a session made with `customer` and `setup_future_usage`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import store
from .customers import attach_new, card_payment_method
from .events import emit_event

if TYPE_CHECKING:
    from .checkout import PaidCard


def save_checkout_card(*, session: dict, intent: dict, card: PaidCard) -> dict:
    """Name the customer on the session's PaymentIntent; with `setup_future_usage`, attach the card to them.

    Inside pay_session's transaction; answers the intent as saved.
    """
    customer_id = session["customer"]
    intent["customer"] = customer_id
    usage = session["_payment_intent_data"].get("setup_future_usage")
    if usage and card.test_card:
        method = card_payment_method(
            test_card=card.test_card, exp_month=card.exp_month, exp_year=card.exp_year, name=card.name,
            email=card.email,
        )  # fmt: skip
        attach_new(method, customer_id=customer_id)
        intent["payment_method"] = method["id"]
        intent["setup_future_usage"] = usage
        charge = store.load(intent["latest_charge"], "charge")
        charge.update(payment_method=method["id"], customer=customer_id)
        store.save(charge)
        emit_event("payment_method.attached", method)
    return store.save(intent)
