"""Demo seller money for `seed_demo`: sellers onboarded to Connect, paid by transfer, with statements.

Runs after the demo orders and returns, through the services the site uses: each seller with sales
but one onboards on the stand-in's Connect page (the last keeps its earnings waiting in its balance,
as a seller who has not onboarded does), then the payout run is made as of the day the return window
of today's deliveries closes (`pay_seller(now=...)`), so delivered orders are transferred; finally
today's ledger is reconciled with the stand-in's balance transactions (the report is in the admin).
Skipped when any seller already has a payout account.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone

from shop.models import LedgerAccount, Seller, SellerPaymentAccount
from shop.payments.local_stripe.connect import complete_onboarding
from shop.services.reconciliation import reconcile_day
from shop.services.seller_accounts import refresh_seller_account, start_seller_onboarding
from shop.services.seller_transfers import hold_after_delivery, pay_seller


def seed_demo_seller_money(report) -> None:
    """Onboard the sellers with sales (all but one), pay them as of the window's end, reconcile today."""
    if SellerPaymentAccount.objects.exists():
        return
    with_sales = list(
        Seller.objects.filter(
            pk__in=LedgerAccount.objects.filter(kind=LedgerAccount.Kind.SELLER_PAYABLE).values("seller_id")
        ).order_by("slug")
    )
    site = settings.SITE_URL.rstrip("/")
    for seller in with_sales[:-1]:
        url = start_seller_onboarding(
            seller=seller, refresh_url=f"{site}/seller/money/", return_url=f"{site}/seller/money/"
        )
        # What the seller's click on the stand-in's onboarding page does.
        complete_onboarding(link_id=urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        refresh_seller_account(seller=seller)
        report.add("onboarded sellers")
    after_window = timezone.now() + hold_after_delivery()
    for seller in with_sales[:-1]:
        report.add("seller transfers", len(pay_seller(seller_id=seller.pk, now=after_window)))
    reconcile_day(day=timezone.now().date(), alert=False)
    report.add("reconciliation reports")
