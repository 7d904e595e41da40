"""PaymentIntents made by the API (not by Checkout): created, confirmed with a saved card, authenticated.

`POST /v1/payment_intents` (with `confirm=true`, `customer`, `payment_method`), `POST
/v1/payment_intents/{id}/confirm` and `/cancel`. What confirming does follows the card behind the
PaymentMethod, as in Stripe's test mode: 4242... succeeds; 4000 0025 0000 3155 needs authentication
on-session (`requires_action` with a `redirect_to_url` to the stand-in's authentication page); a
declining card answers 402 `card_error`, the PaymentIntent kept with `last_payment_error` (so the
decline is stored and its event sent, not rolled back: the handler returns the error).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from shop.currencies import ISO_4217_CODES

from . import balance, store
from .cards import card_outcome
from .customers import payment_method_for
from .encoding import check_known, read_bool, read_int, read_metadata, read_str
from .errors import LocalStripeError, invalid, missing_param
from .events import emit_event

# Cards whose issuer asks for authentication of every on-session payment.
AUTHENTICATION_CARDS = frozenset({"4000002500003155"})
CREATE_PARAMS = {
    "amount", "currency", "customer", "payment_method", "confirm", "off_session", "return_url", "metadata",
    "description", "receipt_email", "setup_future_usage", "transfer_group", "payment_method_types",
    "capture_method", "statement_descriptor_suffix", "automatic_payment_methods", "error_on_requires_action",
}  # fmt: skip
CONFIRM_PARAMS = {"payment_method", "off_session", "return_url", "setup_future_usage", "error_on_requires_action"}
CHARGE_CARD_FIELDS = ("brand", "country", "exp_month", "exp_year", "funding", "last4")
CANCELLATION_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


class CardDeclined(LocalStripeError):
    """A 402 `card_error` whose body names the PaymentIntent as it now is (Stripe's shape)."""

    def __init__(self, *, intent: dict, method: dict, code: str, decline_code: str, message: str) -> None:
        super().__init__(message, status=402, type="card_error", code=code, decline_code=decline_code or None)
        self.intent = intent
        self.method = method

    def body(self) -> dict:
        body = super().body()
        body["error"].update(
            payment_intent=store.public(self.intent),
            payment_method=store.public(self.method),
            charge=self.intent.get("latest_charge"),
        )
        return body


def authentication_url(intent_id: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("local_stripe:authenticate", args=[intent_id])


def create_payment_intent(params: dict) -> dict | LocalStripeError:
    """POST /v1/payment_intents"""
    check_known(params, CREATE_PARAMS)
    amount = read_int(params, "amount", required=True, minimum=1)
    if amount > 99_999_999:
        raise invalid("Amount must be no more than $999,999.99", param="amount", code="amount_too_large")
    currency = (read_str(params, "currency", required=True) or "").lower()
    if currency.upper() not in ISO_4217_CODES:
        raise invalid(f"Invalid currency: {currency}.", param="currency")
    customer_id = read_str(params, "customer")
    if customer_id:
        store.load(customer_id, "customer", label="customer", param="customer")
    setup_future_usage = read_str(params, "setup_future_usage", choices=("on_session", "off_session"))
    intent_id = store.new_id("pi_3")
    intent = store.create(
        {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": f"{intent_id}_secret_{store.new_id('', 25)}",
            "confirmation_method": "automatic",
            "created": store.now(),
            "currency": currency,
            "customer": customer_id,
            "description": read_str(params, "description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": read_metadata(params),
            "next_action": None,
            "payment_method": None,
            "payment_method_types": ["card"],
            "receipt_email": read_str(params, "receipt_email"),
            "setup_future_usage": setup_future_usage,
            "status": "requires_payment_method",
            "transfer_group": read_str(params, "transfer_group"),
        }
    )
    method_id = read_str(params, "payment_method")
    if method_id:
        intent["payment_method"] = _usable_method(method_id, customer_id)["id"]
        intent["status"] = "requires_confirmation"
    store.save(intent)
    emit_event("payment_intent.created", intent)
    if read_bool(params, "confirm"):
        return _confirm(intent, params)
    return intent


def confirm_payment_intent(intent_id: str, params: dict) -> dict | LocalStripeError:
    """POST /v1/payment_intents/{id}/confirm"""
    check_known(params, CONFIRM_PARAMS)
    intent = store.lock(intent_id, "payment_intent", label="payment_intent")
    if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
        raise invalid(
            f"You cannot confirm this PaymentIntent because it has a status of {intent['status']}.",
            param="intent",
            code="payment_intent_unexpected_state",
        )
    method_id = read_str(params, "payment_method")
    if method_id:
        intent["payment_method"] = _usable_method(method_id, intent["customer"])["id"]
    return _confirm(intent, params)


def cancel_payment_intent(intent_id: str, params: dict) -> dict:
    """POST /v1/payment_intents/{id}/cancel: any status but succeeded and canceled."""
    check_known(params, {"cancellation_reason"})
    reason = read_str(params, "cancellation_reason", choices=CANCELLATION_REASONS)
    intent = store.lock(intent_id, "payment_intent", label="payment_intent")
    if intent["status"] in ("succeeded", "canceled"):
        raise invalid(
            f"You cannot cancel this PaymentIntent because it has a status of {intent['status']}.",
            param="intent",
            code="payment_intent_unexpected_state",
        )
    intent.update(status="canceled", canceled_at=store.now(), cancellation_reason=reason, next_action=None)
    store.save(intent)
    emit_event("payment_intent.canceled", intent)
    return intent


def _usable_method(method_id: str, customer_id: str | None) -> dict:
    method = payment_method_for(method_id)
    if method["customer"] and method["customer"] != customer_id:
        # Stripe's answer for a PaymentMethod of another customer (or one sent without its customer).
        raise invalid(
            f"The provided PaymentMethod was previously used with a PaymentIntent without Customer attachment, "
            f"shared with a connected account without Customer attachment, or was detached from a Customer. "
            f"It may not be used again. To use a PaymentMethod multiple times, you must attach it to a Customer "
            f"first. ({method_id})",
            param="payment_method",
        )
    return method


def _confirm(intent: dict, params: dict) -> dict | LocalStripeError:
    if not intent["payment_method"]:
        raise missing_param("payment_method")
    method = store.load(intent["payment_method"], "payment_method")
    off_session = read_bool(params, "off_session") or False
    return_url = read_str(params, "return_url")
    if return_url is not None and not return_url.startswith(("http://", "https://")):
        raise invalid("Not a valid URL", param="return_url", code="url_invalid")
    card = method["_test_card"]
    if card in AUTHENTICATION_CARDS and not off_session:
        intent.update(
            status="requires_action",
            next_action={
                "type": "redirect_to_url",
                "redirect_to_url": {"return_url": return_url, "url": authentication_url(intent["id"])},
            },
            _return_url=return_url,
        )
        store.save(intent)
        emit_event("payment_intent.requires_action", intent)
        return intent
    if card in AUTHENTICATION_CARDS:  # off-session: the card was set up for later, no new authentication
        return succeed(intent)
    outcome = card_outcome(card)
    if not outcome.paid:
        return decline(intent, method, code=outcome.code, decline_code=outcome.decline_code, message=outcome.message)
    return succeed(intent)


def succeed(intent: dict) -> dict:
    """The card paid: a succeeded Charge, the intent succeeded, `payment_intent.succeeded` sent."""
    charge = _charge(intent, paid=True)
    balance.record_charge(charge)
    intent.update(
        status="succeeded",
        amount_received=intent["amount"],
        latest_charge=charge["id"],
        next_action=None,
        last_payment_error=None,
    )
    store.save(intent)
    emit_event("charge.succeeded", charge)
    emit_event("payment_intent.succeeded", intent)
    return intent


def decline(intent: dict, method: dict, *, code: str, decline_code: str, message: str) -> CardDeclined:
    """The card was refused: the intent waits for another method, `payment_intent.payment_failed` sent."""
    authentication_failed = code == "payment_intent_authentication_failure"  # no charge was attempted
    charge = None if authentication_failed else _charge(intent, paid=False, failure=(code, message))
    intent.update(
        status="requires_payment_method",
        next_action=None,
        latest_charge=charge["id"] if charge else intent["latest_charge"],
        last_payment_error={
            "type": "card_error",
            "code": code,
            "decline_code": decline_code or None,
            "message": message,
            "payment_method": store.public(method),
        },
    )
    store.save(intent)
    if charge:
        emit_event("charge.failed", charge)
    emit_event("payment_intent.payment_failed", intent)
    return CardDeclined(intent=intent, method=method, code=code, decline_code=decline_code, message=message)


def _charge(intent: dict, *, paid: bool, failure: tuple[str, str] | None = None) -> dict:
    method = store.load(intent["payment_method"], "payment_method")
    return store.create(
        {
            "id": store.new_id("ch_3"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "balance_transaction": store.new_id("txn_3") if paid else None,
            "billing_details": method["billing_details"],
            "captured": paid,
            "created": store.now(),
            "currency": intent["currency"],
            "customer": intent["customer"],
            "description": intent["description"],
            "disputed": False,
            "failure_code": failure[0] if failure else None,
            "failure_message": failure[1] if failure else None,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "outcome": {
                "network_status": "approved_by_network" if paid else "declined_by_network",
                "reason": None if paid else (failure[0] if failure else None),
                "risk_level": "normal",
                "seller_message": "Payment complete." if paid else "The bank did not return any further details.",
                "type": "authorized" if paid else "issuer_declined",
            },
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method": method["id"],
            "payment_method_details": {
                "card": {key: method["card"][key] for key in CHARGE_CARD_FIELDS},
                "type": "card",
            },
            "receipt_email": intent["receipt_email"],
            "refunded": False,
            "status": "succeeded" if paid else "failed",
            "transfer_group": intent["transfer_group"],
        }
    )


class NotAwaitingAuthentication(Exception):
    def __init__(self, intent: dict) -> None:
        super().__init__(intent["status"])
        self.intent = intent


def complete_authentication(*, intent_id: str, approve: bool) -> dict:
    """The shopper passed (or failed) the bank's check on the authentication page; answers the intent."""
    intent = store.lock(intent_id, "payment_intent", label="payment_intent")
    if intent["status"] != "requires_action":
        raise NotAwaitingAuthentication(intent)
    if approve:
        outcome = card_outcome(store.load(intent["payment_method"], "payment_method")["_test_card"])
        if outcome.paid or outcome.code == "authentication_required":
            return succeed(intent)
        method = store.load(intent["payment_method"], "payment_method")
        decline(intent, method, code=outcome.code, decline_code=outcome.decline_code, message=outcome.message)
        return intent
    method = store.load(intent["payment_method"], "payment_method")
    decline(
        intent,
        method,
        code="payment_intent_authentication_failure",
        decline_code="",
        message="We are unable to authenticate your payment method. Please choose a different payment method and "
        "try again.",
    )
    return intent


def return_redirect_url(intent: dict) -> str | None:
    """Where the authentication page sends the shopper back: return_url with Stripe's query parameters."""
    url = intent.get("_return_url")
    if not url:
        return None
    status = "succeeded" if intent["status"] == "succeeded" else "failed"
    separator = "&" if "?" in url else "?"
    return (
        f"{url}{separator}payment_intent={intent['id']}&payment_intent_client_secret={intent['client_secret']}"
        f"&redirect_status={status}"
    )
