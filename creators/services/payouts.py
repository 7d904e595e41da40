"""Creator payouts: a connected (Express) account, and payable commissions paid with Stripe Transfers.

Separate charges and transfers: each transfer names the charge of the order it pays for
(`source_transaction`) and the order number as `transfer_group`, so one payout makes one transfer
per source charge and their sum is the payout's amount. No lock is held across a Stripe call:
rows are claimed (linked to the payout) in one transaction, Stripe is called, then the outcome is
recorded in another. A claimed row (payout set, status still payable) is "in flight": refunds
treat it as paid (an adjustment row, never an edit).
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass

import stripe
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from creators.models import Commission, Creator, Payout
from shop.payments import gateway
from shop.selectors import order_ids_of_lines, paid_payments
from shop.services.ledger_postings import post_creator_payout


class PayoutNotPossible(Exception):
    """Nothing can be paid to this creator now; carries a code and a message for staff."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------------------------- payout account


def start_payout_onboarding(*, creator: Creator, refresh_url: str, return_url: str) -> str:
    """The URL of the onboarding page of the creator's Express account (made on first use)."""
    if not creator.stripe_account_id:
        account = gateway.create_connected_account(
            email=creator.user.email,
            country=str(creator.country) or "US",
            idempotency_key=f"creator-account:{creator.pk}",
        )
        # The same idempotency key answers the same account, so a racing request writes the same id.
        Creator.objects.filter(pk=creator.pk, stripe_account_id="").update(
            stripe_account_id=account["id"], payouts_enabled=bool(account.get("payouts_enabled"))
        )
        creator.refresh_from_db(fields=["stripe_account_id", "payouts_enabled"])
    link = gateway.create_account_link(
        account_id=creator.stripe_account_id, refresh_url=refresh_url, return_url=return_url
    )
    return link["url"]


def refresh_payout_account(*, creator: Creator) -> bool:
    """Read from Stripe whether the creator's account can be paid now; answers payouts_enabled."""
    if not creator.stripe_account_id:
        return False
    account = gateway.retrieve_account(creator.stripe_account_id)
    enabled = bool(account.get("payouts_enabled"))
    if enabled != creator.payouts_enabled:
        Creator.objects.filter(pk=creator.pk).update(payouts_enabled=enabled, updated_at=timezone.now())
        creator.payouts_enabled = enabled
    return enabled


# ---------------------------------------------------------------------------------- paying


@dataclass(frozen=True)
class TransferPlan:
    charge_id: str
    amount_cents: int
    transfer_group: str


def plan_transfers(amounts: dict[tuple[str, str], int]) -> list[TransferPlan]:
    """One transfer per charge; negative nets (adjustments) are taken from the largest positive ones.

    `amounts` maps (charge id, order number) to the net cents owed on that charge. The plans' sum
    equals the sum of `amounts` (when positive); no plan is zero or negative.
    """
    owed = {key: cents for key, cents in amounts.items() if cents > 0}
    debt = -sum(cents for cents in amounts.values() if cents < 0)
    for key in sorted(owed, key=lambda k: (-owed[k], k)):
        if debt <= 0:
            break
        taken = min(debt, owed[key])
        owed[key] -= taken
        debt -= taken
    return [
        TransferPlan(charge_id=charge, amount_cents=cents, transfer_group=number)
        for (charge, number), cents in sorted(owed.items())
        if cents > 0
    ]


def _payout_key(*, creator_id: int, currency: str, commission_ids: list[int]) -> str:
    digest = hashlib.sha256(",".join(map(str, sorted(commission_ids))).encode()).hexdigest()[:24]
    return f"payout:{creator_id}:{currency}:{digest}"


def _claim(*, creator_id: int, by) -> list[tuple[Payout, list[Commission]]]:
    """Link the creator's payable rows to one payout per currency (in one transaction, rows locked)."""
    claimed = []
    with transaction.atomic():
        rows = list(
            Commission.objects.select_for_update()
            .filter(creator_id=creator_id, status=Commission.Status.PAYABLE, payout__isnull=True)
            .order_by("pk")
        )
        by_currency: dict[str, list[Commission]] = defaultdict(list)
        for row in rows:
            by_currency[row.currency].append(row)
        for currency, group in sorted(by_currency.items()):
            total = sum(row.net_cents for row in group)
            if total <= 0:
                continue  # adjustments wait for earnings that cover them
            key = _payout_key(creator_id=creator_id, currency=currency, commission_ids=[row.pk for row in group])
            # The same rows after a failed attempt make the same payout again: its transfer keys replay.
            payout, created = Payout.objects.get_or_create(
                idempotency_key=key,
                defaults={"creator_id": creator_id, "amount_cents": total, "currency": currency, "created_by": by},
            )
            if not created:
                payout.status, payout.failure_message = Payout.Status.PENDING, ""
                payout.save(update_fields=["status", "failure_message"])
            Commission.objects.filter(pk__in=[row.pk for row in group]).update(payout=payout, updated_at=timezone.now())
            claimed.append((payout, group))
    return claimed


def _charges(order_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Order id -> (charge id, order number), from each order's paid payment (Stripe calls, no lock held)."""
    found = {
        order_id: (gateway.charge_of_payment_intent(payment.payment_intent_id), payment.order_number)
        for order_id, payment in paid_payments(order_ids=order_ids).items()
    }
    missing = order_ids - found.keys()
    if missing:
        raise PayoutNotPossible("no_charge", f"No paid Stripe charge for order(s) {sorted(missing)}.")
    return found


def _pay(payout: Payout, rows: list[Commission], *, destination: str) -> Payout:
    order_of_line = order_ids_of_lines(order_line_ids={row.order_line_id for row in rows})
    order_of = {row.pk: order_of_line[row.order_line_id] for row in rows}
    transfer_ids: list[str] = []
    sent: list[tuple[str, int]] = []
    try:
        charges = _charges(set(order_of.values()))
        amounts: dict[tuple[str, str], int] = defaultdict(int)
        for row in rows:
            amounts[charges[order_of[row.pk]]] += row.net_cents
        for plan in plan_transfers(amounts):
            transfer = gateway.create_transfer(
                amount_minor=plan.amount_cents,
                currency=payout.currency,
                destination=destination,
                source_transaction=plan.charge_id,
                transfer_group=plan.transfer_group,
                idempotency_key=f"payout:{payout.pk}:transfer:{plan.charge_id}",
                metadata={"payout_id": str(payout.pk), "creator_id": str(payout.creator_id)},
            )
            transfer_ids.append(transfer["id"])
            sent.append((transfer["id"], plan.amount_cents))
    except (stripe.StripeError, PayoutNotPossible) as error:
        message = getattr(error, "user_message", None) or getattr(error, "message", None) or str(error)
        with transaction.atomic():
            Commission.objects.filter(payout=payout, status=Commission.Status.PAYABLE).update(
                payout=None, updated_at=timezone.now()
            )
            payout.status = Payout.Status.FAILED
            payout.failure_message = str(message)[:300]
            payout.stripe_transfer_ids = transfer_ids
            payout.save(update_fields=["status", "failure_message", "stripe_transfer_ids"])
        return payout
    with transaction.atomic():
        now = timezone.now()
        Commission.objects.filter(payout=payout).update(status=Commission.Status.PAID, updated_at=now)
        payout.status = Payout.Status.PAID
        payout.paid_at = now
        payout.stripe_transfer_ids = transfer_ids
        payout.save(update_fields=["status", "paid_at", "stripe_transfer_ids"])
        for transfer_id, cents in sent:
            post_creator_payout(
                creator_id=payout.creator_id,
                stripe_transfer_id=transfer_id,
                amount_minor=cents,
                currency=payout.currency,
            )
    return payout


def pay_creator(*, creator_id: int, by=None) -> list[Payout]:
    """Pay a creator's payable commissions (net of adjustments): one payout per currency, transfers per charge.

    Raises PayoutNotPossible when the creator has no account that can be paid. A Stripe error fails
    the payout (its message kept) and gives its rows back as payable.
    """
    creator = Creator.objects.get(pk=creator_id)
    if not creator.stripe_account_id or not creator.payouts_enabled:
        raise PayoutNotPossible("no_payout_account", f"{creator} has not connected a payout account yet.")
    return [
        _pay(payout, rows, destination=creator.stripe_account_id)
        for payout, rows in _claim(creator_id=creator_id, by=by)
    ]


def payable_totals(*, creator_ids: list[int]) -> dict[tuple[int, str], int]:
    """(creator id, currency) -> net payable cents (what a payout would pay now)."""
    rows = (
        Commission.objects.filter(creator_id__in=creator_ids, status=Commission.Status.PAYABLE, payout__isnull=True)
        .values("creator_id", "currency")
        .annotate(amount=Sum("amount_cents"), reversed=Sum("amount_reversed_cents"))
    )
    return {(row["creator_id"], row["currency"]): row["amount"] - row["reversed"] for row in rows}
