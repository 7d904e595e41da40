"""Connect: Express accounts, onboarding links (a local page), transfers from a charge, reversals."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from . import balance, store
from .encoding import check_known, read_int, read_metadata, read_str
from .errors import invalid, missing_param
from .events import emit_event

ACCOUNT_PARAMS = {
    "type", "country", "email", "capabilities", "business_type", "metadata", "default_currency",
    "business_profile", "controller", "settings", "tos_acceptance", "individual", "company",
}  # fmt: skip
ACCOUNT_UPDATE_PARAMS = {"email", "metadata", "business_profile", "settings", "default_currency"}
ACCOUNT_LINK_PARAMS = {"account", "refresh_url", "return_url", "type", "collect", "collection_options"}
TRANSFER_PARAMS = {
    "amount", "currency", "destination", "source_transaction", "transfer_group", "metadata", "description",
    "source_type",
}  # fmt: skip
REVERSAL_PARAMS = {"amount", "metadata", "description", "refund_application_fee"}
ACCOUNT_LINK_LIFETIME_SECONDS = 300
CURRENCY_BY_COUNTRY = {"US": "usd", "CA": "cad", "GB": "gbp", "AU": "aud", "JP": "jpy"}
EUROPEAN = {"AT", "BE", "DE", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PT"}


def create_account(params: dict) -> dict:
    """POST /v1/accounts: an account that can neither charge nor be paid until onboarded."""
    check_known(params, ACCOUNT_PARAMS)
    account_type = read_str(params, "type")
    controller = params.get("controller") or {}
    if account_type is None and not controller:
        raise missing_param("type")
    if account_type is not None and account_type not in ("express", "standard", "custom"):
        raise invalid("Invalid type: must be one of custom, express, or standard", param="type")
    country = (read_str(params, "country") or "US").upper()
    capabilities = params.get("capabilities") or {}
    if not isinstance(capabilities, dict):
        raise invalid("Invalid hash", param="capabilities")
    requested = sorted(
        name for name, value in capabilities.items() if isinstance(value, dict) and value.get("requested") == "true"
    )
    default_currency = (
        read_str(params, "default_currency")
        or CURRENCY_BY_COUNTRY.get(country)
        or ("eur" if country in EUROPEAN else "usd")
    )
    email = read_str(params, "email")
    return store.create(
        {
            "id": store.new_id("acct_1", 16),
            "object": "account",
            "business_profile": {"mcc": None, "name": None, "url": None},
            "business_type": read_str(params, "business_type"),
            "capabilities": dict.fromkeys(requested, "inactive"),
            "charges_enabled": False,
            "controller": {"type": "application", "is_controller": True},
            "country": country,
            "created": store.now(),
            "default_currency": default_currency,
            "details_submitted": False,
            "email": email,
            "metadata": read_metadata(params),
            "payouts_enabled": False,
            "requirements": _requirements(due=True),
            "settings": {"payouts": {"schedule": {"interval": "daily", "delay_days": 2}}},
            "type": account_type or "express",
        }
    )


def _requirements(*, due: bool) -> dict:
    currently_due = ["business_type", "external_account", "tos_acceptance.date", "tos_acceptance.ip"] if due else []
    return {
        "current_deadline": None,
        "currently_due": currently_due,
        "disabled_reason": "requirements.past_due" if due else None,
        "errors": [],
        "eventually_due": list(currently_due),
        "past_due": list(currently_due),
        "pending_verification": [],
    }


def retrieve_account(account_id: str) -> dict:
    return store.load(account_id, "account", label="account")


def update_account(account_id: str, params: dict) -> dict:
    check_known(params, ACCOUNT_UPDATE_PARAMS)
    with transaction.atomic():
        account = store.lock(account_id, "account", label="account")
        if "email" in params:
            account["email"] = read_str(params, "email")
        if "metadata" in params:
            metadata = dict(account["metadata"])
            for key, value in (params["metadata"] or {}).items():
                if value == "":
                    metadata.pop(key, None)
                else:
                    metadata[key] = value
            account["metadata"] = metadata
        store.save(account)
        emit_event("account.updated", account)
    return account


def create_account_link(params: dict) -> dict:
    """POST /v1/account_links: a single-use onboarding page on this site, valid 5 minutes."""
    check_known(params, ACCOUNT_LINK_PARAMS)
    account_id = read_str(params, "account", required=True)
    link_type = read_str(params, "type", required=True)
    if link_type not in ("account_onboarding", "account_update"):
        raise invalid("Invalid type: must be one of account_onboarding or account_update", param="type")
    refresh_url = read_str(params, "refresh_url")
    return_url = read_str(params, "return_url")
    if not return_url:
        raise missing_param("return_url")
    if not refresh_url:
        raise missing_param("refresh_url")
    store.load(account_id, "account", label="account", param="account")
    created = store.now()
    link_id = store.new_id("acctlink_", 32)
    url = settings.SITE_URL.rstrip("/") + reverse("local_stripe:onboarding", args=[link_id])
    store.create(
        {
            "id": link_id,
            "object": "account_link",
            "created": created,
            "expires_at": created + ACCOUNT_LINK_LIFETIME_SECONDS,
            "url": url,
            "_account": account_id,
            "_type": link_type,
            "_refresh_url": refresh_url,
            "_return_url": return_url,
            "_used": False,
        }
    )
    # Stripe's account links have no id.
    return {
        "object": "account_link",
        "created": created,
        "expires_at": created + ACCOUNT_LINK_LIFETIME_SECONDS,
        "url": url,
    }


class LinkNotUsable(Exception):
    """The link expired or was used: the browser goes to its refresh_url (Stripe does the same)."""

    def __init__(self, refresh_url: str) -> None:
        super().__init__(refresh_url)
        self.refresh_url = refresh_url


def usable_link(link_id: str) -> dict:
    """The link's data, for the onboarding page; LinkNotUsable when expired or used; 404 when unknown."""
    link = store.load(link_id, "account_link", label="account_link")
    if link["_used"] or link["expires_at"] <= store.now():
        raise LinkNotUsable(link["_refresh_url"])
    return link


def complete_onboarding(*, link_id: str) -> str:
    """The account becomes able to charge and be paid; returns the return_url; sends `account.updated`."""
    with transaction.atomic():
        link = store.lock(link_id, "account_link", label="account_link")
        if link["_used"] or link["expires_at"] <= store.now():
            raise LinkNotUsable(link["_refresh_url"])
        link["_used"] = True
        store.save(link)
        account = store.lock(link["_account"], "account", label="account")
        previous = {key: account[key] for key in ("charges_enabled", "payouts_enabled", "details_submitted")}
        account.update(
            charges_enabled=True,
            payouts_enabled=True,
            details_submitted=True,
            capabilities=dict.fromkeys(account["capabilities"] or {"transfers": "active"}, "active"),
            requirements=_requirements(due=False),
        )
        store.save(account)
        emit_event("account.updated", account, previous_attributes=previous)
    return link["_return_url"]


def create_transfer(params: dict) -> dict:
    """POST /v1/transfers: to an onboarded account; from a charge never more than it has left to transfer."""
    check_known(params, TRANSFER_PARAMS)
    amount = read_int(params, "amount", required=True, minimum=1)
    currency = read_str(params, "currency", required=True).lower()
    destination = read_str(params, "destination", required=True)
    source_transaction = read_str(params, "source_transaction")
    with transaction.atomic():
        account = store.load(destination, "account", label="destination", param="destination")
        if not account["payouts_enabled"] or account["capabilities"].get("transfers", "active") != "active":
            raise invalid(
                "Your destination account needs to have at least one of the following capabilities enabled: "
                "transfers, crypto_transfers, legacy_payments",
                param="destination",
                code="insufficient_capabilities_for_transfer",
            )
        if source_transaction:
            charge = store.lock(source_transaction, "charge", label="charge", param="source_transaction")
            if charge["status"] != "succeeded":
                raise invalid("The source transaction has not succeeded.", param="source_transaction")
            if charge["currency"] != currency:
                raise invalid(
                    f"The currency of source_transaction's balance transaction ({charge['currency']}) must be the "
                    f"same as the transfer currency ({currency})",
                    param="currency",
                )
            available = charge["amount"] - transferred_from(source_transaction)
            if amount > available:
                raise invalid(
                    f"Insufficient funds in source transaction {source_transaction}: it has {available} "
                    f"{currency} left to transfer and {amount} were requested.",
                    param="amount",
                    code="balance_insufficient",
                )
        transfer = store.create(
            {
                "id": store.new_id("tr_1"),
                "object": "transfer",
                "amount": amount,
                "amount_reversed": 0,
                "balance_transaction": store.new_id("txn_1"),
                "created": store.now(),
                "currency": currency,
                "description": read_str(params, "description"),
                "destination": destination,
                "destination_payment": store.new_id("py_1"),
                "livemode": False,
                "metadata": read_metadata(params),
                "reversals": {"object": "list", "data": [], "has_more": False, "url": ""},
                "reversed": False,
                "source_transaction": source_transaction,
                "source_type": "card",
                "transfer_group": read_str(params, "transfer_group"),
            }
        )
        transfer["reversals"]["url"] = f"/v1/transfers/{transfer['id']}/reversals"
        store.save(transfer)
        balance.record_transfer(transfer)
        emit_event("transfer.created", transfer)
    return transfer


def transferred_from(charge_id: str) -> int:
    """What transfers have taken from a charge so far (net of reversals)."""
    return sum(t["amount"] - t["amount_reversed"] for t in store.find("transfer", source_transaction=charge_id))


def retrieve_transfer(transfer_id: str) -> dict:
    return store.load(transfer_id, "transfer", label="transfer")


def create_reversal(transfer_id: str, params: dict) -> dict:
    """POST /v1/transfers/{id}/reversals: all or part of what was not reversed yet."""
    check_known(params, REVERSAL_PARAMS)
    requested = read_int(params, "amount", minimum=1)
    with transaction.atomic():
        transfer = store.lock(transfer_id, "transfer", label="transfer")
        remaining = transfer["amount"] - transfer["amount_reversed"]
        if remaining <= 0:
            raise invalid(f"Transfer {transfer_id} has already been fully reversed.", code="transfer_already_reversed")
        amount = remaining if requested is None else requested
        if amount > remaining:
            raise invalid(
                f"Reversal amount ({amount}) is greater than the amount left on transfer {transfer_id} ({remaining}).",
                param="amount",
                code="amount_too_large",
            )
        reversal = {
            "id": store.new_id("trr_1"),
            "object": "transfer_reversal",
            "amount": amount,
            "balance_transaction": store.new_id("txn_1"),
            "created": store.now(),
            "currency": transfer["currency"],
            "destination_payment_refund": store.new_id("pyr_1"),
            "metadata": read_metadata(params),
            "source_refund": None,
            "transfer": transfer_id,
        }
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        transfer["reversals"]["data"].insert(0, reversal)
        store.save(transfer)
        balance.record_reversal(reversal)
        emit_event("transfer.reversed", transfer)
    return reversal
