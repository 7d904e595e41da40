"""Stripe calls for saved cards: Customers, their card PaymentMethods, PaymentIntents confirmed with one.

Beside gateway.py (same client, same rules: plain dicts back, an idempotency key on every create,
Stripe's errors raised as they are).
"""

from typing import Any

from shop.payments.gateway import get_client


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def create_customer(*, email: str, name: str, user_id: int) -> dict[str, Any]:
    """The shopper's Customer; the key is derived from the user, so a retry never makes a second one."""
    customer = get_client().v1.customers.create(
        params={"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
        options={"idempotency_key": f"customer:user:{user_id}"},
    )
    return _plain(customer)


def list_cards(*, customer_id: str) -> list[dict[str, Any]]:
    """The card PaymentMethods attached to the customer, newest first (up to 100)."""
    methods = get_client().v1.payment_methods.list(params={"customer": customer_id, "type": "card", "limit": 100})
    return [_plain(method) for method in methods.data]


def default_card_id(*, customer_id: str) -> str | None:
    """The card the customer chose as default (Stripe's `invoice_settings.default_payment_method`)."""
    customer = _plain(get_client().v1.customers.retrieve(customer_id))
    default = (customer.get("invoice_settings") or {}).get("default_payment_method")
    return default if isinstance(default, str) or default is None else default["id"]


def set_default_card(*, customer_id: str, payment_method_id: str) -> dict[str, Any]:
    return _plain(
        get_client().v1.customers.update(
            customer_id, params={"invoice_settings": {"default_payment_method": payment_method_id}}
        )
    )


def retrieve_payment_method(payment_method_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.payment_methods.retrieve(payment_method_id))


def detach_payment_method(payment_method_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.payment_methods.detach(payment_method_id))


def confirm_saved_card_payment(
    *,
    amount_minor: int,
    currency: str,
    customer_id: str,
    payment_method_id: str,
    return_url: str,
    metadata: dict[str, str],
    transfer_group: str,
    idempotency_key: str,
) -> dict[str, Any]:
    """Create and confirm a PaymentIntent with a saved card, the shopper present (on-session).

    Answers the intent (`succeeded`, or `requires_action` with `next_action.redirect_to_url`); a declined
    card raises stripe.CardError whose `error.payment_intent` is the intent as it is.
    """
    intent = get_client().v1.payment_intents.create(
        params={
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer_id,
            "payment_method": payment_method_id,
            "confirm": True,
            "return_url": return_url,
            "metadata": metadata,
            "transfer_group": transfer_group,
            "payment_method_types": ["card"],
        },
        options={"idempotency_key": idempotency_key},
    )
    return _plain(intent)


def cancel_payment_intent(payment_intent_id: str) -> dict[str, Any]:
    """Cancel an unpaid PaymentIntent (one waiting for the bank's page); Stripe refuses once it succeeded."""
    return _plain(
        get_client().v1.payment_intents.cancel(payment_intent_id, params={"cancellation_reason": "abandoned"})
    )


def retrieve_payment_intent(payment_intent_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.payment_intents.retrieve(payment_intent_id))
