"""Paying sellers: each order's earnings are held until delivery plus the return window, then transferred.

Separate charges and transfers: one Stripe Transfer per order, from that order's charge
(`source_transaction`) with the order number as `transfer_group`. What a seller owes on other
orders (a refund after they were paid, pick and pack of a refunded order) is netted from their
next transfer, the largest first, and carried forward when nothing covers it. A refund after the
transfer reverses it, up to what the seller owes on the order.

Safe when a worker is killed at any point: a transfer row is written `pending` with its
idempotency key before Stripe is called, so a resend gets Stripe's first answer; the ledger entry
is keyed by the row. No lock is held across a Stripe call: the seller row is locked only to plan.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fulfillment.selectors import delivered_at_by_order
from shop.models import JournalEntry, JournalLine, LedgerAccount, Seller, SellerPaymentAccount, SellerTransfer
from shop.payments import gateway
from shop.selectors import paid_payments
from shop.services.ledger_postings import post_seller_transfer, post_transfer_reversal

logger = logging.getLogger(__name__)

# Stripe could not be reached or failed on its side: the same request is worth sending again later.
RETRYABLE = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)


def hold_after_delivery() -> timedelta:
    return timedelta(days=settings.SELLER_HOLD_DAYS_AFTER_DELIVERY)


def order_balances(*, seller_id: int) -> dict[tuple[int, str], int]:
    """(order id, currency) -> what the platform owes the seller on that order now (negative: the seller owes)."""
    rows = (
        JournalLine.objects.filter(account__kind=LedgerAccount.Kind.SELLER_PAYABLE, account__seller_id=seller_id)
        .exclude(order_id=None)
        .values("order_id", "currency")
        .annotate(total=Sum("amount_minor"))
    )
    return {(row["order_id"], row["currency"]): -row["total"] for row in rows if row["total"]}


def released_orders(*, order_ids: set[int], now: datetime) -> set[int]:
    """The orders delivered at least the return window ago."""
    window = hold_after_delivery()
    return {
        order_id
        for order_id, delivered_at in delivered_at_by_order(order_ids=order_ids).items()
        if delivered_at is not None and delivered_at + window <= now
    }


@dataclass(frozen=True)
class PlannedTransfer:
    order_id: int
    amount_minor: int
    settles: dict[int, int] = field(default_factory=dict)


def plan_seller_transfers(*, owed: dict[int, int], debts: dict[int, int]) -> list[PlannedTransfer]:
    """One transfer per released order owed money, less the seller's debts on other orders (largest first).

    `owed`: order id -> positive amount; `debts`: order id -> positive amount the seller owes. What
    no order covers is left out (carried to the next run). No transfer is zero or negative.
    """
    left = dict(sorted(debts.items()))
    plans = []
    for order_id in sorted(owed, key=lambda pk: (-owed[pk], pk)):
        amount, settles = owed[order_id], {}
        for debt_order, debt in list(left.items()):
            if amount <= 0:
                break
            taken = min(debt, amount)
            settles[debt_order] = taken
            amount -= taken
            left[debt_order] -= taken
            if left[debt_order] == 0:
                del left[debt_order]
        if amount > 0:
            plans.append(PlannedTransfer(order_id=order_id, amount_minor=amount, settles=settles))
    return plans


def _busy_orders(seller_id: int) -> set[int]:
    """Orders a pending transfer already covers (as its own or as a settled debt): never planned twice."""
    busy = set()
    for order_id, settles in SellerTransfer.objects.filter(
        seller_id=seller_id, status=SellerTransfer.Status.PENDING
    ).values_list("order_id", "settles"):
        busy.add(order_id)
        busy.update(int(pk) for pk in settles)
    return busy


def pay_seller(*, seller_id: int, now: datetime | None = None) -> list[SellerTransfer]:
    """Transfer what the seller's released orders earned, net of what they owe; answers the transfers sent.

    Nothing happens for a seller whose account cannot be paid yet: the money waits in their balance.
    """
    now = now or timezone.now()
    payment_account = SellerPaymentAccount.objects.filter(seller_id=seller_id).first()
    if payment_account is None or not payment_account.payouts_enabled:
        return []
    sent = [_send(row, destination=payment_account.stripe_account_id) for row in _pending(seller_id)]
    balances = order_balances(seller_id=seller_id)
    candidates = {order_id for (order_id, _currency), amount in balances.items() if amount > 0}
    released = released_orders(order_ids=candidates, now=now)
    payments = paid_payments(order_ids=released)
    charges = {
        order_id: (gateway.charge_of_payment_intent(paid.payment_intent_id), paid.order_number)
        for order_id, paid in payments.items()
    }  # Stripe calls: no lock held
    created = []
    with transaction.atomic():
        Seller.objects.select_for_update().get(pk=seller_id)  # one planner per seller at a time
        busy = _busy_orders(seller_id)
        balances = order_balances(seller_id=seller_id)
        by_currency: dict[str, tuple[dict[int, int], dict[int, int]]] = defaultdict(lambda: ({}, {}))
        for (order_id, currency), amount in balances.items():
            if order_id in busy:
                continue
            owed, debts = by_currency[currency]
            if amount > 0 and order_id in charges and charges[order_id][0]:
                owed[order_id] = amount
            elif amount < 0:
                debts[order_id] = -amount
        for currency, (owed, debts) in sorted(by_currency.items()):
            for plan in plan_seller_transfers(owed=owed, debts=debts):
                ordinal = SellerTransfer.objects.filter(seller_id=seller_id, order_id=plan.order_id).count() + 1
                created.append(
                    SellerTransfer.objects.create(
                        seller_id=seller_id,
                        order_id=plan.order_id,
                        currency=currency,
                        amount_minor=plan.amount_minor,
                        settles={str(pk): amount for pk, amount in plan.settles.items()},
                        charge_id=charges[plan.order_id][0],
                        idempotency_key=f"seller-transfer:{seller_id}:{plan.order_id}:{ordinal}",
                    )
                )
    sent += [_send(row, destination=payment_account.stripe_account_id) for row in created]
    return [row for row in sent if row.status == SellerTransfer.Status.PAID]


def _pending(seller_id: int) -> list[SellerTransfer]:
    return list(SellerTransfer.objects.filter(seller_id=seller_id, status=SellerTransfer.Status.PENDING).order_by("pk"))


def _send(row: SellerTransfer, *, destination: str) -> SellerTransfer:
    """Send one transfer row to Stripe (again, under its key), then record it and post it, once."""
    number = row.order.number
    try:
        transfer = gateway.create_transfer(
            amount_minor=row.amount_minor,
            currency=row.currency,
            destination=destination,
            source_transaction=row.charge_id,
            transfer_group=number,
            idempotency_key=row.idempotency_key,
            metadata={"seller_id": str(row.seller_id), "order_number": number, "seller_transfer_id": str(row.pk)},
        )
    except RETRYABLE as error:
        logger.warning("Transfer %s to seller %s left pending: %s", row.pk, row.seller_id, error)
        return row
    except stripe.StripeError as error:
        message = getattr(error, "user_message", None) or str(error)
        SellerTransfer.objects.filter(pk=row.pk, status=SellerTransfer.Status.PENDING).update(
            status=SellerTransfer.Status.FAILED, failure_message=str(message)[:300]
        )
        logger.error("Transfer %s to seller %s failed: %s", row.pk, row.seller_id, message)
        row.refresh_from_db()
        return row
    with transaction.atomic():
        row = SellerTransfer.objects.select_for_update().get(pk=row.pk)
        if row.status != SellerTransfer.Status.PAID:
            row.status = SellerTransfer.Status.PAID
            row.stripe_transfer_id = transfer["id"]
            row.transferred_at = timezone.now()
            row.save(update_fields=["status", "stripe_transfer_id", "transferred_at"])
            post_seller_transfer(seller_transfer=row)
    return row


def sellers_to_pay() -> list[int]:
    """Sellers with an account that can be paid and something on their books."""
    return list(
        SellerPaymentAccount.objects.filter(payouts_enabled=True)
        .filter(seller_id__in=LedgerAccount.objects.filter(kind=LedgerAccount.Kind.SELLER_PAYABLE).values("seller_id"))
        .order_by("seller_id")
        .values_list("seller_id", flat=True)
    )


# ---------------------------------------------------------------------------------- refunds after a transfer


def reverse_for_refund(*, order_id: int) -> list[str]:
    """After a refund, take back from each seller paid for the order what they now owe on it (up to the transfer).

    Answers the reversal ids made. What a reversal cannot cover stays owed and is netted from the
    seller's next transfer. Safe to repeat: a reversal's key is the transfer and its new reversed total.
    """
    made = []
    transfers = SellerTransfer.objects.filter(order_id=order_id, status=SellerTransfer.Status.PAID).order_by("-pk")
    for row in transfers:
        owed_by_seller = -order_balances(seller_id=row.seller_id).get((order_id, row.currency), 0)
        amount = min(owed_by_seller, row.amount_minor - row.amount_reversed_minor)
        if amount <= 0:
            continue
        target = row.amount_reversed_minor + amount
        reversal = gateway.create_transfer_reversal(
            transfer_id=row.stripe_transfer_id,
            amount_minor=amount,
            idempotency_key=f"seller-transfer-reversal:{row.pk}:{target}",
            metadata={"seller_transfer_id": str(row.pk), "order_id": str(order_id)},
        )  # no lock held
        with transaction.atomic():
            locked = SellerTransfer.objects.select_for_update().get(pk=row.pk)
            if JournalEntry.objects.filter(key=f"transfer_reversal:{reversal['id']}").exists():
                continue
            locked.amount_reversed_minor += amount
            locked.save(update_fields=["amount_reversed_minor"])
            post_transfer_reversal(seller_transfer=locked, reversal_id=reversal["id"], amount_minor=amount)
        made.append(reversal["id"])
    return made
