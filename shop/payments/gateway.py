"""The one door to Stripe: every call goes through the official SDK's `StripeClient` from here.

Objects come back as plain dicts, the same shape webhook events carry, so the payment services
read a retrieved Checkout Session and an event's snapshot alike. Every create sends an
idempotency key derived from our own ids. Stripe's errors (`stripe.StripeError` and its
subclasses) are raised as they are: the callers know which ones are worth a retry.

With `STRIPE_USE_LOCAL` the SDK talks to the local stand-in (shop/payments/local_stripe) through
its HTTP client; a live key is refused there.
"""

import json
import time
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

# The money helpers live in shop.currencies; named here too for the payment services.
from shop.currencies import from_minor_units, to_minor_units
from shop.models import OrderLine, Payment
from shop.payments.local_stripe.http_client import LocalStripeHTTPClient

# Stripe refuses a Checkout Session that expires sooner than 30 minutes (or later than 24 hours).
SESSION_MIN_LIFETIME = timedelta(minutes=30)
SESSION_MAX_LIFETIME = timedelta(hours=24)
# Room for the time the request takes to reach Stripe.
SESSION_EXPIRY_MARGIN = timedelta(minutes=2)
WEBHOOK_TOLERANCE_SECONDS = 300
LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")
LOCAL_API_KEY = "sk_test_local"


class InvalidWebhook(Exception):
    """A webhook request that cannot be trusted or read; carries a code and a message for the 400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------- client


def get_client() -> stripe.StripeClient:
    """The SDK client for the configured Stripe (the local stand-in, or Stripe itself)."""
    return _client(bool(settings.STRIPE_USE_LOCAL), settings.STRIPE_SECRET_KEY or "")


@cache
def _client(use_local: bool, secret_key: str) -> stripe.StripeClient:
    if use_local:
        if secret_key.startswith(LIVE_KEY_PREFIXES):
            raise ImproperlyConfigured(
                "STRIPE_USE_LOCAL is set together with a live STRIPE_SECRET_KEY: the local Stripe stand-in "
                "never runs with live keys. Unset one of them."
            )

        return stripe.StripeClient(LOCAL_API_KEY, http_client=LocalStripeHTTPClient())
    if not secret_key:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set (or set STRIPE_USE_LOCAL to use the local stand-in).")
    return stripe.StripeClient(secret_key, max_network_retries=2)


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


# ---------------------------------------------------------------------------------- Checkout Sessions


def checkout_session_params(
    payment: Payment,
    *,
    now: datetime | None = None,
    customer_id: str | None = None,
    back_to: dict[str, str] | None = None,
    lines: list[OrderLine] | None = None,
) -> dict[str, Any]:
    """What we ask Stripe for: one line item per order line plus shipping, tax and import duties (each its own
    line, when not zero), in integer minor units. With the shopper's `customer_id`, the card they pay with is
    saved to their Customer for next time (buy now). `lines`: the order's lines in id order, when the caller
    holds them (else read)."""
    order = payment.order
    currency = payment.currency.lower()
    line_items: list[dict[str, Any]] = [
        {
            "quantity": line.quantity,
            "price_data": {
                "currency": currency,
                "unit_amount": to_minor_units(line.unit_price, payment.currency),
                "product_data": {
                    "name": _line_name(line),
                    "metadata": {"sku": line.sku, "order_line_id": str(line.pk)},
                },
            },
        }
        for line in (order.lines.all() if lines is None else lines)
    ]
    for name, amount in (
        (f"Shipping: {order.shipping_method_name}", order.shipping_total),
        ("Tax", order.tax_total),
        ("Import duties", order.duty_total),
    ):
        if amount > 0:
            line_items.append(
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": to_minor_units(amount, payment.currency),
                        "product_data": {"name": name},
                    },
                }
            )
    metadata = {"order_number": order.number, "payment_id": str(payment.pk)}
    params = {
        "mode": "payment",
        "line_items": line_items,
        "customer_email": order.email,
        "client_reference_id": order.number,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata, "transfer_group": order.number},
        # `back_to` (post and second of the video the shopper left) rides along to the success page.
        "success_url": f"{settings.SITE_URL}/checkout/success/?session_id={{CHECKOUT_SESSION_ID}}"
        + (f"&{urlencode(back_to)}" if back_to else ""),
        "cancel_url": f"{settings.SITE_URL}/checkout/cancelled/?order={order.number}",
        "expires_at": int(
            (payment.expires_at or session_expiry(reserved_until=order.reserved_until, now=now)).timestamp()
        ),
    }
    if customer_id:
        # Stripe takes the customer's email from the Customer (it refuses both), and keeps the card on it.
        del params["customer_email"]
        params["customer"] = customer_id
        params["payment_intent_data"]["setup_future_usage"] = "on_session"
    return params


def _line_name(line) -> str:
    return f"{line.product_title} ({line.variant_label})" if line.variant_label else line.product_title


def session_expiry(*, reserved_until: datetime | None, now: datetime | None = None) -> datetime:
    """The reservation's end, but never sooner than Stripe's minimum session life (nor past its maximum)."""
    now = now or timezone.now()
    earliest = now + SESSION_MIN_LIFETIME + SESSION_EXPIRY_MARGIN
    latest = now + SESSION_MAX_LIFETIME - SESSION_EXPIRY_MARGIN
    return min(max(reserved_until or earliest, earliest), latest)


def create_checkout_session(
    payment: Payment,
    *,
    customer_id: str | None = None,
    back_to: dict[str, str] | None = None,
    lines: list[OrderLine] | None = None,
) -> dict[str, Any]:
    """Create the Checkout Session of one payment attempt (idempotent per attempt)."""
    session = get_client().v1.checkout.sessions.create(
        params=checkout_session_params(payment, customer_id=customer_id, back_to=back_to, lines=lines),
        options={"idempotency_key": f"checkout-session:{payment.pk}"},
    )
    return _plain(session)


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.checkout.sessions.retrieve(session_id))


def expire_checkout_session(session_id: str) -> dict[str, Any]:
    """Expire a session so it can no longer be paid; answers the session as it now is.

    A session that is no longer open (completed, or already expired) cannot be expired: it is
    then retrieved and returned unchanged, so the caller can see whether it was paid.
    """
    client = get_client()
    try:
        return _plain(client.v1.checkout.sessions.expire(session_id))
    except stripe.InvalidRequestError:
        session = _plain(client.v1.checkout.sessions.retrieve(session_id))
        if session.get("status") == "open":
            raise
        return session


# ---------------------------------------------------------------------------------- refunds


def create_refund(
    *, payment_intent: str, amount_minor: int, idempotency_key: str, metadata: dict[str, str]
) -> dict[str, Any]:
    """Refund part or all of a PaymentIntent; the same key never refunds twice."""
    refund = get_client().v1.refunds.create(
        params={"payment_intent": payment_intent, "amount": amount_minor, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )
    return _plain(refund)


def retrieve_refund(refund_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.refunds.retrieve(refund_id))


# ---------------------------------------------------------------------------------- webhooks


def _signed_at(sig_header: str) -> int:
    """The `t=` timestamp of a Stripe-Signature header the SDK has verified (read as the SDK reads it)."""
    return int(next(value for key, _, value in (item.partition("=") for item in sig_header.split(",")) if key == "t"))


def construct_event(payload: bytes, sig_header: str | None) -> dict[str, Any]:
    """Verify a webhook body against its Stripe-Signature header; answer the event as a dict.

    Raises InvalidWebhook for a missing, wrong or stale (over 5 minutes old, or ahead) signature, a body that
    was changed after signing, or one that is not a JSON event.
    """
    if not sig_header:
        raise InvalidWebhook("missing_signature", "The Stripe-Signature header is missing.")
    try:
        # The SDK's own check (what stripe.Webhook.construct_event runs): HMAC-SHA256 of "t.body", then age.
        stripe.WebhookSignature.verify_header(
            payload, sig_header, settings.STRIPE_WEBHOOK_SECRET, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        # The SDK refuses only old timestamps; one from the future would make a captured request replayable later.
        if _signed_at(sig_header) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidWebhook("stale_signature", "The signature's timestamp is more than 5 minutes in the future.")
        event = json.loads(payload)
    except stripe.SignatureVerificationError as error:
        stale = "tolerance" in str(error)
        code = "stale_signature" if stale else "invalid_signature"
        message = (
            "The signature is older than the tolerance; replays are refused."
            if stale
            else "The Stripe-Signature does not match the body."
        )
        raise InvalidWebhook(code, message) from error
    except ValueError as error:  # not UTF-8, or not JSON
        raise InvalidWebhook("invalid_payload", "The body is not a JSON event.") from error
    if (
        not isinstance(event, dict)
        or not event.get("id")
        or not event.get("type")
        or not isinstance(event.get("data"), dict)
        or not isinstance(event["data"].get("object"), dict)
    ):
        raise InvalidWebhook("invalid_payload", "The body is not a Stripe event.")
    return event


# ---------------------------------------------------------------------------------- Connect (creator payouts)


def retrieve_payment_intent(payment_intent_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.payment_intents.retrieve(payment_intent_id))


def charge_of_payment_intent(payment_intent_id: str) -> str:
    """The id of the charge that paid a PaymentIntent (what a transfer's source_transaction names)."""
    charge = retrieve_payment_intent(payment_intent_id).get("latest_charge")
    return charge["id"] if isinstance(charge, dict) else (charge or "")


def create_connected_account(*, email: str, country: str, idempotency_key: str) -> dict[str, Any]:
    """An Express account that receives transfers once its owner has onboarded."""
    account = get_client().v1.accounts.create(
        params={
            "type": "express",
            "country": country,
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
        },
        options={"idempotency_key": idempotency_key},
    )
    return _plain(account)


def create_account_link(*, account_id: str, refresh_url: str, return_url: str) -> dict[str, Any]:
    """A single-use onboarding page on Stripe (or the stand-in) for a connected account."""
    link = get_client().v1.account_links.create(
        params={
            "account": account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return _plain(link)


def retrieve_account(account_id: str) -> dict[str, Any]:
    return _plain(get_client().v1.accounts.retrieve(account_id))


def create_transfer(
    *,
    amount_minor: int,
    currency: str,
    destination: str,
    source_transaction: str,
    transfer_group: str,
    idempotency_key: str,
    metadata: dict[str, str],
) -> dict[str, Any]:
    """Move part of a charge to a connected account (separate charges and transfers); same key, one transfer."""
    transfer = get_client().v1.transfers.create(
        params={
            "amount": amount_minor,
            "currency": currency.lower(),
            "destination": destination,
            "source_transaction": source_transaction,
            "transfer_group": transfer_group,
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )
    return _plain(transfer)


def create_transfer_reversal(
    *, transfer_id: str, amount_minor: int, idempotency_key: str, metadata: dict[str, str]
) -> dict[str, Any]:
    """Take back part of a transfer from the connected account (a refund after the seller was paid)."""
    reversal = get_client().v1.transfers.reversals.create(
        transfer_id,
        params={"amount": amount_minor, "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )
    return _plain(reversal)


def list_balance_transactions(
    *, created_gte: int, created_lt: int, type: str | None = None, expand: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Every balance transaction of the platform's account created in [gte, lt) (of a type), page after page."""
    found = []
    params: dict[str, Any] = {"created": {"gte": created_gte, "lt": created_lt}, "limit": 100}
    if type:
        params["type"] = type
    if expand:
        params["expand"] = list(expand)
    while True:
        page = get_client().v1.balance_transactions.list(params=params)
        found += [_plain(item) for item in page.data]
        if not page.has_more or not page.data:
            return found
        params = {**params, "starting_after": page.data[-1].id}


__all__ = [
    "InvalidWebhook",
    "charge_of_payment_intent",
    "checkout_session_params",
    "construct_event",
    "create_account_link",
    "create_checkout_session",
    "create_connected_account",
    "create_refund",
    "create_transfer",
    "create_transfer_reversal",
    "expire_checkout_session",
    "from_minor_units",
    "get_client",
    "list_balance_transactions",
    "retrieve_account",
    "retrieve_checkout_session",
    "retrieve_payment_intent",
    "retrieve_refund",
    "session_expiry",
    "to_minor_units",
]
