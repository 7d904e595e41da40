"""Reads for commissions and the earnings dashboards (creator and seller), shaped for their pages."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from creators.models import Commission, Creator, Payout, PostImpression, ProductTag, TagClick, VideoPost
from shop import selectors as shop_selectors
from shop.currencies import from_minor_units

DEFAULT_CURRENCY = "USD"


# ---------------------------------------------------------------------------------- creator dashboard

DAYS_IN_CHART = 30


@dataclass
class TagStats:
    tag: ProductTag
    clicks: int = 0
    add_to_carts: int = 0
    orders: int = 0
    units: int = 0
    sales: Decimal = Decimal("0")
    currency: str = ""
    commission_cents: int = 0

    @property
    def commission(self) -> Decimal:
        return from_minor_units(self.commission_cents, self.currency or DEFAULT_CURRENCY)

    @property
    def conversion(self) -> Decimal | None:
        """Orders per click, in percent (None before the first click)."""
        if not self.clicks:
            return None
        return (Decimal(self.orders) * 100 / self.clicks).quantize(Decimal("0.1"))


@dataclass
class PostStats:
    post: VideoPost
    impressions: int = 0
    tags: list[TagStats] = field(default_factory=list)

    @property
    def clicks(self) -> int:
        return sum(tag.clicks for tag in self.tags)

    @property
    def add_to_carts(self) -> int:
        return sum(tag.add_to_carts for tag in self.tags)

    @property
    def orders(self) -> int:
        return sum(tag.orders for tag in self.tags)

    @property
    def commission_cents(self) -> int:
        return sum(tag.commission_cents for tag in self.tags)

    @property
    def sales(self) -> Decimal:
        return sum((tag.sales for tag in self.tags), Decimal("0"))

    @property
    def currency(self) -> str:
        return next((tag.currency for tag in self.tags if tag.currency), DEFAULT_CURRENCY)

    @property
    def commission(self) -> Decimal:
        # A creator's sales are in one currency in practice; mixed posts show the first one's.
        return from_minor_units(self.commission_cents, self.currency)


@dataclass
class MoneyByStatus:
    currency: str
    pending_cents: int = 0
    payable_cents: int = 0
    paid_cents: int = 0
    sales: Decimal = Decimal("0")

    @property
    def pending(self) -> Decimal:
        return from_minor_units(self.pending_cents, self.currency)

    @property
    def payable(self) -> Decimal:
        return from_minor_units(self.payable_cents, self.currency)

    @property
    def paid(self) -> Decimal:
        return from_minor_units(self.paid_cents, self.currency)


@dataclass
class DayPoint:
    day: date
    clicks: int = 0
    orders: int = 0
    commission_cents: int = 0


@dataclass(frozen=True)
class Reversal:
    """Commission taken back after a refund, and why: a reversed earning, or an adjustment after payout."""

    commission_id: int
    kind: str  # Commission.Kind
    product: str
    amount_cents: int  # taken back, positive
    currency: str
    note: str  # the refund's reason, e.g. "Return MK-1001-R1: Doesn't fit"
    at: datetime

    @property
    def amount(self) -> Decimal:
        return from_minor_units(self.amount_cents, self.currency)

    @property
    def after_payout(self) -> bool:
        return self.kind == Commission.Kind.ADJUSTMENT


REVERSALS_SHOWN = 20


@dataclass
class CreatorEarnings:
    creator: Creator
    impressions: int
    clicks: int
    add_to_carts: int
    orders: int
    money: list[MoneyByStatus]
    posts: list[PostStats]
    days: list[DayPoint]
    payouts: list[Payout]
    reversals: list[Reversal] = field(default_factory=list)


def _count_subquery(queryset, *, field: str = "pk") -> Coalesce:
    """A correlated COUNT(*) (one query for any number of rows, no join blow-up)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()
        ),
        0,
    )


def creator_earnings(*, creator: Creator, today: date | None = None) -> CreatorEarnings:
    """Everything the earnings dashboard shows, in a fixed number of queries whatever the posts and tags.

    Add-to-carts: cart lines that still carry the tag plus paid order lines credited to it (a paid
    line leaves its cart, so counting cart lines alone would forget every sale).
    Orders and sales: paid orders (refunded ones included) whose line is credited to the tag.
    Commission: net of reversals; adjustments after payout count against the paid amount.
    """
    today = today or timezone.localdate()
    posts = list(
        VideoPost.objects.filter(creator=creator)
        .annotate(impression_count=_count_subquery(PostImpression.objects.filter(post=OuterRef("pk")), field="post"))
        .order_by("-published_at", "-created_at", "-id")
    )
    tags = list(
        ProductTag.objects.filter(post__creator=creator)
        .select_related("product")
        .annotate(
            click_count=_count_subquery(TagClick.objects.filter(tag=OuterRef("pk")), field="tag"),
            cart_count=shop_selectors.cart_lines_with_tag("pk"),
        )
        .order_by("post_id", "start_seconds", "id")
    )
    by_tag: dict[int, TagStats] = {
        tag.pk: TagStats(tag, clicks=tag.click_count, add_to_carts=tag.cart_count) for tag in tags
    }
    for row in shop_selectors.creator_sales_by_tag(creator_id=creator.pk, tag_ids=list(by_tag)):
        stats = by_tag[row.tag_id]
        stats.orders += row.orders
        stats.units += row.units
        stats.add_to_carts += row.lines
        stats.sales += row.sales
        stats.currency = row.currency
    for tag_id, net in (
        Commission.objects.filter(creator=creator, tag_id__in=list(by_tag))
        .values("tag_id")
        .annotate(net=Sum(F("amount_cents") - F("amount_reversed_cents")))
        .values_list("tag_id", "net")
    ):
        by_tag[tag_id].commission_cents = net or 0
    post_stats = {post.pk: PostStats(post, impressions=post.impression_count) for post in posts}
    for stats in by_tag.values():
        post_stats[stats.tag.post_id].tags.append(stats)

    money: dict[str, MoneyByStatus] = {}
    for row in (
        Commission.objects.filter(creator=creator)
        .exclude(status=Commission.Status.REVERSED)
        .values("currency", "status", "payout_id")
        .annotate(net=Sum(F("amount_cents") - F("amount_reversed_cents")))
        .order_by()
    ):
        entry = money.setdefault(row["currency"], MoneyByStatus(row["currency"]))
        if row["status"] == Commission.Status.PENDING:
            entry.pending_cents += row["net"]
        elif row["status"] == Commission.Status.PAID:
            entry.paid_cents += row["net"]
        else:  # payable, in a payout on its way included
            entry.payable_cents += row["net"]
    for currency, sales in shop_selectors.creator_sales_by_currency(creator_id=creator.pk).items():
        money.setdefault(currency, MoneyByStatus(currency)).sales = sales
    orders = shop_selectors.creator_order_count(creator_id=creator.pk)
    return CreatorEarnings(
        creator=creator,
        impressions=sum(stats.impressions for stats in post_stats.values()),
        clicks=sum(stats.clicks for stats in by_tag.values()),
        add_to_carts=sum(stats.add_to_carts for stats in by_tag.values()),
        orders=orders,
        money=sorted(money.values(), key=lambda entry: entry.currency),
        posts=list(post_stats.values()),
        days=daily_series(creator=creator, today=today),
        payouts=_with_amounts(Payout.objects.filter(creator=creator).order_by("-created_at", "-id")[:20]),
        reversals=reversals(creator=creator),
    )


def reversals(*, creator: Creator, limit: int = REVERSALS_SHOWN) -> list[Reversal]:
    """The latest commission taken back from the creator, with the refund's reason (2 queries at most)."""
    rows = list(
        Commission.objects.filter(creator=creator)
        .filter(
            Q(kind=Commission.Kind.EARNING, amount_reversed_cents__gt=0)
            | Q(kind=Commission.Kind.ADJUSTMENT, amount_cents__lt=0)
        )
        .order_by("-updated_at", "-id")[:limit]
    )
    if not rows:
        return []
    titles = shop_selectors.order_line_titles(order_line_ids={row.order_line_id for row in rows})
    return [
        Reversal(
            commission_id=row.pk,
            kind=row.kind,
            product=titles.get(row.order_line_id, ""),
            amount_cents=row.amount_reversed_cents if row.kind == Commission.Kind.EARNING else -row.amount_cents,
            currency=row.currency,
            note=row.note,
            at=row.updated_at,
        )
        for row in rows
    ]


def _with_amounts(payouts) -> list[Payout]:
    """Payouts with `amount` (a Decimal in the major unit) for display."""
    payouts = list(payouts)
    for payout in payouts:
        payout.amount = from_minor_units(payout.amount_cents, payout.currency)
    return payouts


def daily_series(*, creator: Creator, today: date, days: int = DAYS_IN_CHART) -> list[DayPoint]:
    """Clicks, orders and commission earned per day over the last `days` days (today included), UTC."""
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    points = {first + timedelta(days=n): DayPoint(first + timedelta(days=n)) for n in range(days)}
    for day, n in (
        TagClick.objects.filter(creator=creator, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
        .order_by()
    ):
        if day in points:
            points[day].clicks = n
    for day, n in shop_selectors.creator_orders_by_day(creator_id=creator.pk, since=start).items():
        if day in points:
            points[day].orders = n
    for day, cents in (
        Commission.objects.filter(creator=creator, kind=Commission.Kind.EARNING, created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(cents=Sum(F("amount_cents") - F("amount_reversed_cents")))
        .values_list("day", "cents")
        .order_by()
    ):
        if day in points:
            points[day].commission_cents = cents or 0
    return list(points.values())


# ---------------------------------------------------------------------------------- seller page


@dataclass
class CreatorSales:
    creator: Creator
    currency: str
    orders: int
    units: int
    sales: Decimal
    commission_cents: int = 0

    @property
    def commission(self) -> Decimal:
        return from_minor_units(self.commission_cents, self.currency)


def seller_creator_sales(*, seller_id: int) -> list[CreatorSales]:
    """Per creator (and currency): paid orders, units, sales and commission on this seller's products only."""
    rows = shop_selectors.seller_sales_by_creator(seller_id=seller_id)
    commission = {
        (row["creator_id"], row["currency"]): row["net"] or 0
        for row in Commission.objects.filter(
            order_line_id__in=shop_selectors.seller_order_line_ids(seller_id=seller_id)
        )
        .values("creator_id", "currency")
        .annotate(net=Sum(F("amount_cents") - F("amount_reversed_cents")))
        .order_by()
    }
    creators = Creator.objects.in_bulk([row.creator_id for row in rows])
    answer = [
        CreatorSales(
            creator=creators[row.creator_id],
            currency=row.currency,
            orders=row.orders,
            units=row.units,
            sales=row.sales,
            commission_cents=commission.get((row.creator_id, row.currency), 0),
        )
        for row in rows
        if row.creator_id in creators
    ]
    return sorted(answer, key=lambda item: (-item.sales, item.creator.handle))
