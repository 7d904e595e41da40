"""Reads of a seller's money for their dashboard and API: orders with their lines, balance, transfers, statements.

Every figure is a sum of journal lines on the seller's account (never a stored counter), in minor units.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fulfillment.selectors import LineFulfillment, fulfillment_of_lines
from shop.currencies import from_minor_units
from shop.models import JournalEntry, JournalLine, LedgerAccount, Order, OrderLine, Seller, SellerTransfer
from shop.services.seller_transfers import order_balances, released_orders

J = JournalEntry.Kind
NOT_ALLOCATED = LineFulfillment(allocated=0, shipped=0, delivered=0)


def with_line_fulfillment(orders) -> list[Order]:
    """The orders (a page) with each of their `seller_lines` given `fulfillment` (units allocated, shipped,
    delivered, from fulfillment's records): 2 queries for the page, whatever its size."""
    orders = list(orders)
    progress = fulfillment_of_lines(order_line_ids=[line.pk for order in orders for line in order.seller_lines])
    for order in orders:
        for line in order.seller_lines:
            line.fulfillment = progress.get(line.pk, NOT_ALLOCATED)
    return orders


def seller_orders(*, seller: Seller) -> QuerySet[Order]:
    """Paid orders with at least one of the seller's lines, newest first; `seller_lines` holds only theirs."""
    own_lines = OrderLine.objects.filter(variant__product__seller=seller)
    return (
        Order.objects.filter(Exists(own_lines.filter(order=OuterRef("pk"))), paid_at__isnull=False)
        .prefetch_related(Prefetch("lines", own_lines.order_by("pk"), to_attr="seller_lines"))
        .order_by("-paid_at", "-pk")
    )


@dataclass(frozen=True)
class SellerBalance:
    """In minor units of one currency: earned but held (pending), ready to transfer (available), transferred (paid).

    `available` is net of what the seller owes on other orders (a refund after a transfer), so it can be
    negative: that debt is taken from the next transfer.
    """

    currency: str
    pending: int
    available: int
    paid: int

    @property
    def pending_major(self) -> Decimal:
        return from_minor_units(self.pending, self.currency)

    @property
    def available_major(self) -> Decimal:
        return from_minor_units(self.available, self.currency)

    @property
    def paid_major(self) -> Decimal:
        return from_minor_units(self.paid, self.currency)


def seller_balances(*, seller: Seller, now: datetime | None = None) -> list[SellerBalance]:
    """The seller's balance per currency (3 queries, whatever the number of orders)."""
    now = now or timezone.now()
    balances = order_balances(seller_id=seller.pk)
    released = released_orders(order_ids={order_id for (order_id, _c), owed in balances.items() if owed > 0}, now=now)
    pending: dict[str, int] = defaultdict(int)
    available: dict[str, int] = defaultdict(int)
    for (order_id, currency), owed in balances.items():
        if owed > 0 and order_id not in released:
            pending[currency] += owed
        else:
            available[currency] += owed
    paid = dict(
        JournalLine.objects.filter(
            entry__kind__in=[J.TRANSFER, J.TRANSFER_REVERSAL],
            account__kind=LedgerAccount.Kind.PLATFORM_CASH,
            entry__in=JournalEntry.objects.filter(lines__account__seller=seller),
        )
        .values("currency")
        .annotate(total=Sum("amount_minor"))
        .values_list("currency", "total")
    )
    currencies = sorted(set(pending) | set(available) | set(paid))
    return [SellerBalance(c, pending.get(c, 0), available.get(c, 0), -(paid.get(c) or 0)) for c in currencies]


def seller_transfers(*, seller: Seller) -> QuerySet[SellerTransfer]:
    return SellerTransfer.objects.filter(seller=seller).select_related("order").order_by("-created_at", "-pk")


# What each kind of entry is, in the seller's words (statements and the API).
KIND_WORDS = {
    J.CHARGE: "Sale",
    J.APPLIED_PAYMENT: "Sale",
    J.PLATFORM_FEE: "Platform fee",
    J.FULFILLMENT_FEE: "Fulfillment fee",
    J.COMMISSION: "Creator commission",
    J.COMMISSION_REVERSAL: "Creator commission returned",
    J.REFUND: "Refund",
    J.REFUND_FAILED: "Refund cancelled",
    J.TRANSFER: "Transfer to you",
    J.TRANSFER_REVERSAL: "Transfer reversed",
}


@dataclass(frozen=True)
class StatementRow:
    at: datetime
    kind: str
    description: str
    order_number: str
    sku: str
    currency: str
    amount_minor: int  # + earned by the seller, - taken from them


def parse_month(value: str | None) -> date | None:
    """`2026-11` -> 2026-11-01; None for anything else (NUL bytes, other shapes, years out of range)."""
    if not value or len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit():
        return None
    year, month = int(value[:4]), int(value[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def statement_rows(*, seller: Seller, month: date) -> list[StatementRow]:
    """Every movement of the seller's balance in a calendar month (UTC), oldest first (2 queries)."""
    start, end = month_bounds(month)
    lines = list(
        JournalLine.objects.filter(
            account__kind=LedgerAccount.Kind.SELLER_PAYABLE,
            account__seller=seller,
            entry__occurred_at__gte=start,
            entry__occurred_at__lt=end,
        )
        .select_related("entry")
        .order_by("entry__occurred_at", "pk")
    )
    numbers = dict(Order.objects.filter(pk__in={line.order_id for line in lines}).values_list("pk", "number"))
    skus = dict(
        OrderLine.objects.filter(pk__in={line.order_line_id for line in lines if line.order_line_id}).values_list(
            "pk", "sku"
        )
    )
    return [
        StatementRow(
            at=line.entry.occurred_at,
            kind=line.entry.kind,
            description=KIND_WORDS.get(line.entry.kind, line.entry.get_kind_display()),
            order_number=numbers.get(line.order_id, ""),
            sku=skus.get(line.order_line_id, ""),
            currency=line.currency,
            amount_minor=-line.amount_minor,
        )
        for line in lines
    ]


def statement_csv(*, seller: Seller, month: date) -> str:
    """The month's statement as CSV: one row per movement, amounts in the currency's major unit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date (UTC)", "what", "order", "sku", "currency", "amount"])
    for row in statement_rows(seller=seller, month=month):
        writer.writerow(
            [row.at.strftime("%Y-%m-%d %H:%M"), row.description, row.order_number, row.sku, row.currency,
             str(from_minor_units(row.amount_minor, row.currency))]
        )  # fmt: skip
    return buffer.getvalue()


@dataclass(frozen=True)
class MonthFigures:
    month: date
    currency: str
    sales: int
    fees: int  # platform fee, fulfillment fees and creator commissions, net of what came back
    refunds: int


def sales_and_fees_by_month(*, seller: Seller) -> list[MonthFigures]:
    """Per month and currency: sales, fees and refunds in minor units (1 query), oldest first."""
    rows = (
        JournalLine.objects.filter(account__kind=LedgerAccount.Kind.SELLER_PAYABLE, account__seller=seller)
        .annotate(month=TruncMonth("entry__occurred_at"))
        .values("month", "currency", "entry__kind")
        .annotate(total=Sum("amount_minor"))
    )
    figures: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: {"sales": 0, "fees": 0, "refunds": 0})
    fee_kinds = {J.PLATFORM_FEE, J.FULFILLMENT_FEE, J.COMMISSION, J.COMMISSION_REVERSAL}
    for row in rows:
        key = (row["month"].date() if isinstance(row["month"], datetime) else row["month"], row["currency"])
        if row["entry__kind"] in (J.CHARGE, J.APPLIED_PAYMENT):
            figures[key]["sales"] += -row["total"]
        elif row["entry__kind"] in fee_kinds:
            figures[key]["fees"] += row["total"]
        elif row["entry__kind"] in (J.REFUND, J.REFUND_FAILED):
            figures[key]["refunds"] += row["total"]
    return [MonthFigures(month, currency, **values) for (month, currency), values in sorted(figures.items())]
