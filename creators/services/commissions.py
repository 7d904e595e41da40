"""Commissions: earned on attributed paid lines, released when the return window closes, reversed on refund.

Amounts are integer minor units. Rounding: ROUND_HALF_UP on the minor unit (half a cent goes up:
10% of 5 cents = 0.5 -> 1; 2.5% of 18 cents = 0.45 -> 0), applied once to the final amount of a
row, never to intermediate steps, so a rounded reversal never exceeds the earning.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from creators.models import Commission, Creator
from creators.services.attribution import attribute_order
from fulfillment.selectors import delivered_at_by_order
from shop.selectors import OrderRefunds, credited_lines, order_ids_of_lines, order_to_attribute, refunds_of_order
from shop.services.ledger_postings import post_commission


def round_minor(value: Fraction | Decimal) -> int:
    """A money amount in minor units rounded half up (away from zero for halves) to a whole unit."""
    value = Fraction(value)
    whole, rest = divmod(abs(value.numerator), value.denominator)
    rounded = whole + (1 if 2 * rest >= value.denominator else 0)
    return -rounded if value < 0 else rounded


def commission_cents(*, base_cents: int, rate_percent: Decimal) -> int:
    """base x rate% in minor units, ROUND_HALF_UP on the minor unit."""
    return round_minor(Fraction(base_cents) * Fraction(rate_percent) / 100)


def return_window() -> timedelta:
    return timedelta(days=settings.CREATOR_RETURN_WINDOW_DAYS)


# ---------------------------------------------------------------------------------- earning


def record_order_commissions(*, order_id: int) -> list[Commission]:
    """Attribute a paid order's lines and make one earning per attributed line; safe to repeat."""
    order = order_to_attribute(order_id=order_id)
    if order.paid_at is None:
        return []
    decided = attribute_order(order_id=order_id, order=order)
    if not any(item.creator_id for item in decided) and not any(line.creator_id for line in order.lines):
        return []  # no line credited before or after (most orders): not read again
    lines = credited_lines(order_id=order_id)
    if not lines:  # no tag sold any line (most orders): no commission to make, none a refund could reverse
        return []
    approved = set(
        Creator.objects.filter(pk__in=[line.creator_id for line in lines], status=Creator.Status.APPROVED).values_list(
            "pk", flat=True
        )
    )
    rows = []
    for line in lines:
        if line.creator_id not in approved:
            continue
        base = line.line_total_minor
        rows.append(
            Commission(
                creator_id=line.creator_id,
                order_line_id=line.order_line_id,
                tag_id=line.tag_id,
                kind=Commission.Kind.EARNING,
                status=Commission.Status.PENDING,
                rate=line.commission_rate,
                base_cents=base,
                amount_cents=commission_cents(base_cents=base, rate_percent=line.commission_rate),
                currency=line.currency,
            )
        )
    # The unique earning per line makes a replayed task a no-op.
    with transaction.atomic():
        Commission.objects.bulk_create(rows, ignore_conflicts=True)
        post_commissions_to_ledger(order_line_ids=[row.order_line_id for row in rows])
    # A refund that came before this task ran is applied now.
    apply_order_refunds(order_id=order_id)
    return list(
        Commission.objects.filter(
            order_line_id__in=[line.order_line_id for line in lines], kind=Commission.Kind.EARNING
        )
    )


# ---------------------------------------------------------------------------------- release


def release_payable_commissions(*, now: datetime | None = None) -> int:
    """Pending earnings of orders delivered more than the return window ago become payable."""
    now = now or timezone.now()
    pending = Commission.objects.filter(status=Commission.Status.PENDING, kind=Commission.Kind.EARNING)
    order_of_line = order_ids_of_lines(order_line_ids=set(pending.values_list("order_line_id", flat=True)))
    if not order_of_line:
        return 0
    lines_of_order: dict[int, list[int]] = {}
    for line_id, order_id in order_of_line.items():
        lines_of_order.setdefault(order_id, []).append(line_id)
    released = 0
    window = return_window()
    for order_id, delivered_at in delivered_at_by_order(order_ids=set(lines_of_order)).items():
        if delivered_at is None or delivered_at + window > now:
            continue
        released += pending.filter(order_line_id__in=lines_of_order[order_id]).update(
            status=Commission.Status.PAYABLE, payable_after=delivered_at + window, updated_at=now
        )
    return released


# ---------------------------------------------------------------------------------- refunds


@dataclass(frozen=True)
class RefundedShare:
    """How much of each line of an order is refunded, as a fraction 0..1."""

    by_line: dict[int, Fraction]


def refunded_share(*, refunds: OrderRefunds) -> RefundedShare:
    """Per line: units refunded / units bought, plus amount-only refunds pro rata on the amount paid.

    Line refunds are the shop's refunded units per line; a refund without lines counts for every
    line in proportion of the amount paid (so a refund of shipping alone lowers every commission a
    little: we cannot tell it from a goodwill refund). An order in status refunded is refunded in
    full. Always computed from the refunded state, never by increments, so a replayed event finds
    nothing more to reverse.
    """
    if refunds.fully_refunded:
        return RefundedShare(dict.fromkeys(refunds.quantities, Fraction(1)))
    paid = refunds.amount_paid
    pro_rata = Fraction(refunds.amount_only) / Fraction(paid) if paid else Fraction(0)
    return RefundedShare(
        {
            pk: min(Fraction(1), Fraction(refunded, bought) + pro_rata)
            for pk, (bought, refunded) in refunds.quantities.items()
        }
    )


def apply_order_refunds(*, order_id: int) -> list[Commission]:
    """Bring the order's commissions in line with what was refunded; writes adjustments after payout.

    Before payout (no payout claimed the row): `amount_reversed_cents` rises to the target (never
    lowers), status reversed once nothing is left. Once a payout claimed or paid the row, it is never
    edited: a negative payable `adjustment` row carries what is still to be taken back. Either way the
    row's `note` says why, from the refund's reason (the creator reads it on the earnings page).
    """
    refunds = refunds_of_order(order_id=order_id)
    share = refunded_share(refunds=refunds).by_line
    adjustments = []
    with transaction.atomic():
        earnings = list(
            Commission.objects.select_for_update()
            .filter(order_line_id__in=list(share), kind=Commission.Kind.EARNING)
            .order_by("pk")
        )
        if not earnings:
            return []
        taken_back = dict(
            Commission.objects.filter(
                order_line_id__in=[row.order_line_id for row in earnings], kind=Commission.Kind.ADJUSTMENT
            )
            .values("order_line_id")
            .annotate(total=Sum("amount_cents"))
            .values_list("order_line_id", "total")
        )
        now = timezone.now()
        for row in earnings:
            target = round_minor(Fraction(row.amount_cents) * share.get(row.order_line_id, Fraction(0)))
            reason = refunds.reason_for(row.order_line_id)
            if row.payout_id is None and row.status != Commission.Status.PAID:
                if target > row.amount_reversed_cents:
                    row.amount_reversed_cents = target
                    if target >= row.amount_cents:
                        row.status = Commission.Status.REVERSED
                    row.note = reason[:200] or row.note
                    row.save(update_fields=["amount_reversed_cents", "status", "note", "updated_at"])
                continue
            accounted = row.amount_reversed_cents - (taken_back.get(row.order_line_id) or 0)
            missing = target - accounted
            if missing > 0:
                adjustments.append(
                    Commission(
                        creator_id=row.creator_id,
                        order_line_id=row.order_line_id,
                        tag_id=row.tag_id,
                        kind=Commission.Kind.ADJUSTMENT,
                        status=Commission.Status.PAYABLE,
                        rate=row.rate,
                        base_cents=row.base_cents,
                        amount_cents=-missing,
                        currency=row.currency,
                        payable_after=now,
                        note=f"Refund after payout of commission {row.pk}{': ' if reason else ''}{reason}"[:200],
                    )
                )
        Commission.objects.bulk_create(adjustments)
        post_commissions_to_ledger(order_line_ids=[row.order_line_id for row in earnings])
    return adjustments


def post_commissions_to_ledger(*, order_line_ids: list[int]) -> None:
    """The shop's ledger follows each line's net commission (earned, less reversed and adjustments)."""
    rows = Commission.objects.filter(order_line_id__in=order_line_ids).order_by("order_line_id", "pk")
    net: dict[tuple[int, int, str], int] = {}
    for row in rows:
        key = (row.order_line_id, row.creator_id, row.currency)
        net[key] = net.get(key, 0) + row.amount_cents - row.amount_reversed_cents
    for (order_line_id, creator_id, currency), cents in net.items():
        post_commission(order_line_id=order_line_id, creator_id=creator_id, net_minor=cents, currency=currency)
