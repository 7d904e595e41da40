"""A seller's Stripe Connect Express account: made on first use, onboarded on Stripe's (or the stand-in's) page.

A seller who has not onboarded can still list and sell: their earnings wait in their balance
(shop.services.seller_transfers sends nothing to an account that cannot be paid).
"""

from typing import Any

from django.db import IntegrityError, transaction

from shop.models import Seller, SellerPaymentAccount
from shop.payments import gateway


def start_seller_onboarding(*, seller: Seller, refresh_url: str, return_url: str) -> str:
    """The URL of the onboarding page of the seller's Express account (the account is made on first use)."""
    payment_account = SellerPaymentAccount.objects.filter(seller=seller).first()
    if payment_account is None:
        # The same idempotency key answers the same account: two racing clicks make one account.
        account = gateway.create_connected_account(
            email=seller.support_email,
            country=str(seller.country) or "US",
            idempotency_key=f"seller-account:{seller.pk}",
        )
        try:
            with transaction.atomic():
                payment_account = SellerPaymentAccount.objects.create(seller=seller, stripe_account_id=account["id"])
        except IntegrityError:
            payment_account = SellerPaymentAccount.objects.get(seller=seller)
        sync_seller_account(account=account)
    link = gateway.create_account_link(
        account_id=payment_account.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )
    return link["url"]


def refresh_seller_account(*, seller: Seller) -> SellerPaymentAccount | None:
    """Ask Stripe how the seller's account stands now (the return page does, before the webhook arrives)."""
    payment_account = SellerPaymentAccount.objects.filter(seller=seller).first()
    if payment_account is None:
        return None
    return sync_seller_account(account=gateway.retrieve_account(payment_account.stripe_account_id))


def sync_seller_account(*, account: dict[str, Any]) -> SellerPaymentAccount | None:
    """Copy an account's state (from Stripe's answer or an `account.updated` event) on the seller's row.

    Answers None for an account that is not a seller's (a creator's). Safe to repeat, in any order:
    it writes what the snapshot says.
    """
    requirements = account.get("requirements") or {}
    fields = {
        "charges_enabled": bool(account.get("charges_enabled")),
        "payouts_enabled": bool(account.get("payouts_enabled")),
        "details_submitted": bool(account.get("details_submitted")),
        "requirements_due": list(requirements.get("currently_due") or []),
    }
    updated = SellerPaymentAccount.objects.filter(stripe_account_id=account.get("id") or "").update(**fields)
    if not updated:
        return None
    return SellerPaymentAccount.objects.get(stripe_account_id=account["id"])
