"""Checkout Sessions: create, retrieve, expire, line items, and paying one on the hosted page."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from shop.currencies import ISO_4217_CODES
from shop.models import LocalStripeObject

from . import store
from .encoding import check_known, read_int, read_metadata, read_str
from .errors import invalid, missing_param
from .events import emit_event
from .payments import create_paid_intent
from .saved_cards import save_checkout_card

MIN_LIFETIME_SECONDS = 30 * 60
MAX_LIFETIME_SECONDS = 24 * 60 * 60
# A request built at "now + 30 min" arrives a moment later: allow that much.
LIFETIME_GRACE_SECONDS = 10

SESSION_PARAMS = {
    "mode", "line_items", "customer_email", "metadata", "success_url", "cancel_url", "expires_at",
    "payment_intent_data", "client_reference_id", "currency", "locale", "payment_method_types", "submit_type",
    "customer",
}  # fmt: skip
# Real Stripe parameters the stand-in accepts and ignores (they change nothing it models).
IGNORED_SESSION_PARAMS = frozenset(
    {
        "allow_promotion_codes", "automatic_tax", "billing_address_collection", "consent_collection",
        "custom_fields", "custom_text", "customer_creation", "invoice_creation",
        "payment_method_collection", "payment_method_options", "phone_number_collection", "shipping_address_collection",
        "shipping_options", "tax_id_collection", "ui_mode", "after_expiration", "discounts", "origin_context",
    }
)  # fmt: skip
PAYMENT_INTENT_DATA_PARAMS = {
    "transfer_group", "metadata", "description", "receipt_email", "statement_descriptor",
    "statement_descriptor_suffix", "capture_method", "application_fee_amount", "on_behalf_of", "transfer_data",
    "setup_future_usage",
}  # fmt: skip
LINE_ITEM_PARAMS = {"price_data", "quantity", "price", "adjustable_quantity", "tax_rates", "dynamic_tax_rates"}
PRICE_DATA_PARAMS = {"currency", "unit_amount", "product_data", "product", "tax_behavior", "unit_amount_decimal"}
PRODUCT_DATA_PARAMS = {"name", "description", "images", "metadata", "tax_code"}


def hosted_page_url(session_id: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("local_stripe:checkout", args=[session_id])


def create_session(params: dict) -> dict:
    """POST /v1/checkout/sessions (mode=payment with price_data line items)."""
    check_known(params, SESSION_PARAMS, ignored=IGNORED_SESSION_PARAMS)
    mode = read_str(params, "mode", required=True)
    if mode != "payment":
        raise invalid(f"The stand-in supports mode=payment only, not {mode}.", param="mode")
    success_url = read_str(params, "success_url")
    if success_url is None:
        raise missing_param("success_url")
    cancel_url = read_str(params, "cancel_url")
    for name, url in (("success_url", success_url), ("cancel_url", cancel_url)):
        if url is not None and not url.startswith(("http://", "https://")):
            raise invalid("Not a valid URL", param=name, code="url_invalid")
    created = store.now()
    expires_at = read_int(params, "expires_at")
    if expires_at is None:
        expires_at = created + MAX_LIFETIME_SECONDS
    elif expires_at < created + MIN_LIFETIME_SECONDS - LIFETIME_GRACE_SECONDS:
        raise invalid(
            "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            param="expires_at",
        )
    elif expires_at > created + MAX_LIFETIME_SECONDS + LIFETIME_GRACE_SECONDS:
        raise invalid(
            "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    line_items = _line_items(params.get("line_items"))
    currency = line_items[0]["currency"]
    if params.get("currency") not in (None, "") and params["currency"].lower() != currency:
        raise invalid("The currency must match the currency of the line items.", param="currency")
    customer_email = read_str(params, "customer_email")
    if customer_email is not None and "@" not in customer_email:
        raise invalid(f"Invalid email address: {customer_email}", param="customer_email", code="email_invalid")
    customer = read_str(params, "customer")
    if customer is not None:
        if customer_email is not None:
            raise invalid("You may only specify one of these parameters: customer, customer_email.", param="customer")
        customer_email = store.load(customer, "customer", label="customer", param="customer")["email"]
    intent_data = params.get("payment_intent_data") or {}
    if not isinstance(intent_data, dict):
        raise invalid("Invalid hash", param="payment_intent_data")
    check_known(intent_data, PAYMENT_INTENT_DATA_PARAMS, prefix="payment_intent_data")
    subtotal = sum(item["amount_subtotal"] for item in line_items)
    session_id = store.new_id("cs_test_", 58)
    return store.create(
        {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": subtotal,
            "amount_total": subtotal,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": cancel_url,
            "client_reference_id": read_str(params, "client_reference_id"),
            "created": created,
            "currency": currency,
            "customer": customer,
            "customer_details": None,
            "customer_email": customer_email,
            "expires_at": expires_at,
            "livemode": False,
            "locale": read_str(params, "locale"),
            "metadata": read_metadata(params),
            "mode": mode,
            "payment_intent": None,
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "submit_type": read_str(params, "submit_type"),
            "success_url": success_url,
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": hosted_page_url(session_id),
            "_line_items": line_items,
            "_payment_intent_data": {
                "metadata": read_metadata(intent_data, path="payment_intent_data[metadata]"),
                "transfer_group": read_str(intent_data, "transfer_group"),
                "description": read_str(intent_data, "description"),
                "receipt_email": read_str(intent_data, "receipt_email"),
                "setup_future_usage": read_str(
                    intent_data,
                    "setup_future_usage",
                    path="payment_intent_data[setup_future_usage]",
                    choices=("on_session", "off_session"),
                ),
            },
        }
    )


def _line_items(raw) -> list[dict]:
    if not raw:
        raise missing_param("line_items")
    if not isinstance(raw, list):
        raise invalid("Invalid array", param="line_items")
    if len(raw) > 100:
        raise invalid("A Checkout Session can have at most 100 line items.", param="line_items")
    items = []
    for index, item in enumerate(raw):
        path = f"line_items[{index}]"
        if not isinstance(item, dict):
            raise invalid("Invalid hash", param=path)
        check_known(item, LINE_ITEM_PARAMS, prefix=path)
        if item.get("price"):
            raise invalid("The stand-in has no Prices: use price_data.", param=f"{path}[price]")
        price_data = item.get("price_data")
        if not isinstance(price_data, dict):
            raise missing_param(f"{path}[price_data]")
        check_known(price_data, PRICE_DATA_PARAMS, prefix=f"{path}[price_data]")
        currency = read_str(price_data, "currency", required=True, path=f"{path}[price_data][currency]").lower()
        if currency.upper() not in ISO_4217_CODES:
            raise invalid(f"Invalid currency: {currency}.", param=f"{path}[price_data][currency]")
        if items and currency != items[0]["currency"]:
            raise invalid("All line items must use the same currency.", param=f"{path}[price_data][currency]")
        unit_amount = read_int(
            price_data, "unit_amount", required=True, minimum=0, path=f"{path}[price_data][unit_amount]"
        )
        product_data = price_data.get("product_data")
        if not isinstance(product_data, dict):
            raise missing_param(f"{path}[price_data][product_data]")
        check_known(product_data, PRODUCT_DATA_PARAMS, prefix=f"{path}[price_data][product_data]")
        name = read_str(product_data, "name", required=True, path=f"{path}[price_data][product_data][name]")
        quantity = read_int(item, "quantity", required=True, minimum=1, path=f"{path}[quantity]")
        amount = unit_amount * quantity
        created = store.now()
        items.append(
            {
                "id": store.new_id("li_"),
                "object": "item",
                "amount_discount": 0,
                "amount_subtotal": amount,
                "amount_tax": 0,
                "amount_total": amount,
                "currency": currency,
                "description": name,
                "price": {
                    "id": store.new_id("price_"),
                    "object": "price",
                    "active": False,
                    "created": created,
                    "currency": currency,
                    "livemode": False,
                    "metadata": {},
                    "product": store.new_id("prod_", 14),
                    "type": "one_time",
                    "unit_amount": unit_amount,
                },
                "quantity": quantity,
            }
        )
    return items


def expire_if_due(session: dict) -> dict:
    """A session past its `expires_at` expires (as Stripe does on its own), with its event."""
    if session["status"] == "open" and session["expires_at"] <= store.now():
        with transaction.atomic():
            session = store.lock(session["id"], "checkout.session")
            if session["status"] == "open":
                session = _expire(session)
    return session


def retrieve_session(session_id: str) -> dict:
    """GET /v1/checkout/sessions/{id}"""
    return expire_if_due(store.load(session_id, "checkout.session", label="checkout.session"))


def expire_session(session_id: str) -> dict:
    """POST /v1/checkout/sessions/{id}/expire: only an open session; sends `checkout.session.expired`."""
    with transaction.atomic():
        session = store.lock(session_id, "checkout.session", label="checkout.session")
        if session["status"] != "open":
            raise invalid(
                f"This Checkout Session is not in an expireable state (status: {session['status']}).",
                param="session",
            )
        return _expire(session)


def _expire(session: dict) -> dict:
    session.update(status="expired", url=None)
    store.save(session)
    emit_event("checkout.session.expired", session)
    return session


def expire_due_sessions() -> int:
    """Expire every open session past its time (for a periodic task); returns how many."""

    due = LocalStripeObject.objects.filter(
        object="checkout.session", data__status="open", data__expires_at__lte=store.now()
    ).values_list("pk", flat=True)
    count = 0
    for session_id in list(due):
        if expire_if_due(store.load(session_id, "checkout.session"))["status"] == "expired":
            count += 1
    return count


def session_line_items(session_id: str) -> list[dict]:
    """GET /v1/checkout/sessions/{id}/line_items"""
    return store.load(session_id, "checkout.session", label="checkout.session")["_line_items"]


@dataclass(frozen=True)
class PaidCard:
    """What the hosted page knows of the card that paid (never the full number)."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int
    funding: str
    name: str
    email: str
    # The test card's number: the stand-in keeps it, as Stripe keeps a saved card (never shown by the API).
    test_card: str = ""


class SessionNotOpen(Exception):
    def __init__(self, session: dict) -> None:
        super().__init__(session["status"])
        self.session = session


def pay_session(*, session_id: str, card: PaidCard) -> dict:
    """Mark an open session paid: PaymentIntent (succeeded) and Charge made, `checkout.session.completed` sent."""

    expire_if_due(store.load(session_id, "checkout.session", label="checkout.session"))  # commits on its own
    with transaction.atomic():
        session = store.lock(session_id, "checkout.session", label="checkout.session")
        if session["status"] != "open":
            raise SessionNotOpen(session)
        intent = create_paid_intent(session=session, card=card)
        if session.get("customer"):
            intent = save_checkout_card(session=session, intent=intent, card=card)
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=intent["id"],
            url=None,
            customer_details={
                "address": None,
                "email": card.email,
                "name": card.name,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            },
        )
        store.save(session)
        emit_event("checkout.session.completed", session)
    return session


def success_redirect_url(session: dict) -> str:
    return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
