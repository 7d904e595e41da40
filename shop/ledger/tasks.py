"""Beat tasks of seller money, thin wrappers over shop.services.seller_transfers (and reconciliation).

Each seller is paid by its own task, so one seller's failure or a killed worker leaves the others
untouched; `pay_seller` is idempotent (pending transfers are resent under their keys).
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from shop.services import reconciliation, seller_transfers

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def pay_sellers() -> int:
    """Queue one payout task per seller that can be paid; answers how many were queued."""
    seller_ids = seller_transfers.sellers_to_pay()
    for seller_id in seller_ids:
        pay_seller.delay(seller_id)
    return len(seller_ids)


@shared_task(acks_late=True)
def pay_seller(seller_id: int) -> int:
    return len(seller_transfers.pay_seller(seller_id=seller_id))


@shared_task(acks_late=True)
def reconcile_yesterday() -> int:
    """Daily: yesterday's ledger against Stripe; answers the number of differences (staff alerted if any)."""
    day = timezone.now().date() - timedelta(days=1)
    return len(reconciliation.reconcile_day(day=day).differences)
