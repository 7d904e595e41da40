"""Customers and the card PaymentMethods attached to them (what saving a card for later needs).

Stripe's shapes: `POST /v1/customers`, `GET/POST /v1/customers/{id}`, `POST /v1/payment_methods`,
`POST /v1/payment_methods/{id}/attach|detach`, `GET /v1/payment_methods?customer=...`. A card is
saved by Checkout (`setup_future_usage` with `customer`) or by attaching one of Stripe's test
PaymentMethods (`pm_card_visa`...), which, as on Stripe, attaches a new copy. The test card a
PaymentMethod stands for is kept in its `_test_card` (the stand-in's bookkeeping, never shown).
"""

from __future__ import annotations

from . import store
from .cards import card_outcome
from .encoding import check_known, read_metadata, read_str
from .errors import invalid, missing_param

CUSTOMER_PARAMS = {"email", "name", "metadata", "description", "phone", "invoice_settings"}
PAYMENT_METHOD_PARAMS = {"type", "card", "billing_details", "metadata"}

# Stripe's test PaymentMethods (https://docs.stripe.com/testing) and the test card each stands for.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
}
TEST_EXPIRY = (12, 2034)


def create_customer(params: dict) -> dict:
    """POST /v1/customers"""
    check_known(params, CUSTOMER_PARAMS)
    return store.create(
        {
            "id": store.new_id("cus_", 14),
            "object": "customer",
            "created": store.now(),
            "description": read_str(params, "description"),
            "email": read_str(params, "email"),
            "invoice_settings": {"default_payment_method": None},
            "livemode": False,
            "metadata": read_metadata(params),
            "name": read_str(params, "name"),
            "phone": read_str(params, "phone"),
        }
    )


def retrieve_customer(customer_id: str) -> dict:
    return store.load(customer_id, "customer", label="customer")


def update_customer(customer_id: str, params: dict) -> dict:
    """POST /v1/customers/{id}: email, name, metadata, invoice_settings[default_payment_method]."""
    check_known(params, CUSTOMER_PARAMS)
    customer = store.lock(customer_id, "customer", label="customer")
    for name in ("email", "name", "description", "phone"):
        if name in params:
            customer[name] = read_str(params, name)
    if "metadata" in params:
        customer["metadata"] = {**customer["metadata"], **read_metadata(params)}
    settings = params.get("invoice_settings")
    if settings not in (None, ""):
        if not isinstance(settings, dict):
            raise invalid("Invalid hash", param="invoice_settings")
        default = read_str(settings, "default_payment_method", path="invoice_settings[default_payment_method]")
        if default:
            method = store.load(default, "payment_method", label="payment_method", param="default_payment_method")
            if method["customer"] != customer_id:
                raise invalid(
                    f"No such PaymentMethod: '{default}'; It's possible this PaymentMethod exists on one of your "
                    "connected accounts, in which case you should retry this request on that connected account.",
                    param="invoice_settings[default_payment_method]",
                )
        customer["invoice_settings"]["default_payment_method"] = default
    return store.save(customer)


def card_payment_method(
    *, test_card: str, exp_month: int, exp_year: int, name: str | None = None, email: str | None = None
) -> dict:
    """A new card PaymentMethod (not attached) for a test card number; only brand and last 4 are shown."""
    outcome = card_outcome(test_card)
    return store.create(
        {
            "id": store.new_id("pm_1"),
            "object": "payment_method",
            "allow_redisplay": "unspecified",
            "billing_details": {"address": None, "email": email, "name": name, "phone": None},
            "card": {
                "brand": outcome.brand,
                "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
                "country": "US",
                "exp_month": exp_month,
                "exp_year": exp_year,
                "fingerprint": store.new_id("", 16),
                "funding": outcome.funding,
                "last4": test_card[-4:],
                "networks": {"available": [outcome.brand], "preferred": None},
                "three_d_secure_usage": {"supported": True},
                "wallet": None,
            },
            "created": store.now(),
            "customer": None,
            "livemode": False,
            "metadata": {},
            "type": "card",
            "_test_card": test_card,
        }
    )


def create_payment_method(params: dict) -> dict:
    """POST /v1/payment_methods: type=card with a test PaymentMethod (`card[token]`-less: `pm_card_*` ids)."""
    check_known(params, PAYMENT_METHOD_PARAMS)
    kind = read_str(params, "type", required=True)
    if kind != "card":
        raise invalid(f"The stand-in supports type=card only, not {kind}.", param="type")
    raise invalid(
        "Sending card numbers directly to the Stripe API is generally unsafe. Use a test PaymentMethod such as "
        "pm_card_visa, or collect the card with Checkout.",
        param="card",
    )


def payment_method_for(reference: str, *, param: str = "payment_method") -> dict:
    """A PaymentMethod by id; a test id (`pm_card_visa`) makes a new one, as Stripe does."""
    if reference in TEST_PAYMENT_METHODS:
        month, year = TEST_EXPIRY
        return card_payment_method(test_card=TEST_PAYMENT_METHODS[reference], exp_month=month, exp_year=year)
    return store.load(reference, "payment_method", label="PaymentMethod", param=param)


def retrieve_payment_method(method_id: str) -> dict:
    return store.load(method_id, "payment_method", label="PaymentMethod")


def attach_payment_method(method_id: str, params: dict) -> dict:
    """POST /v1/payment_methods/{id}/attach (customer=...)."""
    check_known(params, {"customer"})
    customer_id = read_str(params, "customer")
    if not customer_id:
        raise missing_param("customer")
    store.load(customer_id, "customer", label="customer", param="customer")
    method = payment_method_for(method_id, param="payment_method")
    method = store.lock(method["id"], "payment_method")
    if method["customer"] and method["customer"] != customer_id:
        raise invalid(
            "The payment method you provided has already been attached to a customer.",
            param="payment_method",
            code="payment_method_unexpected_state",
        )
    method["customer"] = customer_id
    return store.save(method)


def attach_new(method: dict, *, customer_id: str) -> dict:
    """Attach inside the caller's transaction (Checkout saving the card it was paid with)."""
    method["customer"] = customer_id
    return store.save(method)


def detach_payment_method(method_id: str, params: dict) -> dict:
    """POST /v1/payment_methods/{id}/detach: it can no longer be used."""
    check_known(params, set())
    method = store.lock(method_id, "payment_method", label="PaymentMethod")
    if not method["customer"]:
        raise invalid(
            "The payment method you provided is not attached to a customer so detachment is impossible.",
            param="payment_method",
            code="payment_method_unexpected_state",
        )
    customer = store.lock(method["customer"], "customer")
    if customer["invoice_settings"]["default_payment_method"] == method_id:
        customer["invoice_settings"]["default_payment_method"] = None
        store.save(customer)
    method["customer"] = None
    return store.save(method)


def list_payment_methods(params: dict) -> list[dict]:
    """GET /v1/payment_methods?customer=...&type=card, newest first."""
    customer_id = read_str(params, "customer")
    if not customer_id:
        raise missing_param("customer")
    kind = read_str(params, "type")
    store.load(customer_id, "customer", label="customer", param="customer")
    methods = store.find("payment_method", customer=customer_id)
    return [method for method in methods if kind in (None, method["type"])]
