"""The orders a shopper can sort a product list in (category and search pages, the product API).

Each option is one entry of `SORT_OPTIONS`: a key for the query string, the shopper's words and how it
orders a listing queryset. A new order (by rating, say) is one more entry; pages and the API read the list.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, FloatField, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Cast, Coalesce, NullIf

from shop.models import Order, OrderLine, Product

RELEVANCE = "relevance"
NEWEST = "newest"

# Orders whose units count as sold: paid and not cancelled or refunded in full.
SOLD_STATUSES = (
    Order.Status.PAID,
    Order.Status.PARTIALLY_FULFILLED,
    Order.Status.FULFILLED,
    Order.Status.PARTIALLY_DELIVERED,
    Order.Status.DELIVERED,
    Order.Status.PARTIALLY_RETURNED,
)


def _by_relevance(products: QuerySet[Product]) -> QuerySet[Product]:
    # search_products annotates `rank` on PostgreSQL; elsewhere (and without a query) newest first.
    if "rank" in products.query.annotations:
        return products.order_by("-rank", "-created_at", "-id")
    return _newest(products)


def _newest(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.order_by("-created_at", "-id")


def _price_low(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.order_by(F("min_price").asc(nulls_last=True), "-created_at", "-id")


def _price_high(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.order_by(F("min_price").desc(nulls_last=True), "-created_at", "-id")


def units_sold() -> Coalesce:
    """Units of the product on paid orders, less the units refunded (one correlated subquery)."""
    lines = (
        OrderLine.objects.filter(variant__product=OuterRef("pk"), order__status__in=SOLD_STATUSES)
        .order_by()
        .values("variant__product")
        .annotate(units=Sum(F("quantity") - F("quantity_refunded")))
        .values("units")
    )
    return Coalesce(Subquery(lines, output_field=IntegerField()), 0)


def _best_selling(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.annotate(units_sold=units_sold()).order_by("-units_sold", "-created_at", "-id")


def _top_rated(products: QuerySet[Product]) -> QuerySet[Product]:
    # The stored rating (shown reviews only): the best average first, more reviews breaking ties; unrated last.
    average = Cast(F("rating_total"), FloatField()) / NullIf(F("rating_count"), 0)
    return products.annotate(rating_sort=average).order_by(
        F("rating_sort").desc(nulls_last=True), "-rating_count", "-created_at", "-id"
    )


@dataclass(frozen=True)
class SortOption:
    key: str
    label: str
    apply: Callable[[QuerySet[Product]], QuerySet[Product]]
    search_only: bool = False


SORT_OPTIONS: tuple[SortOption, ...] = (
    SortOption(RELEVANCE, "Best match", _by_relevance, search_only=True),
    SortOption(NEWEST, "Newest", _newest),
    SortOption("price_low", "Price: low to high", _price_low),
    SortOption("price_high", "Price: high to low", _price_high),
    SortOption("best_selling", "Best-selling", _best_selling),
    SortOption("rating", "Top rated", _top_rated),
)


def sort_choices(*, searching: bool) -> list[tuple[str, str]]:
    """(key, label) of the options a list offers; relevance only on search results."""
    return [(option.key, option.label) for option in SORT_OPTIONS if searching or not option.search_only]


def sort_products(products: QuerySet[Product], *, key: str) -> QuerySet[Product]:
    """The listing in the order `key` names; an unknown key leaves it as it is."""
    option = next((option for option in SORT_OPTIONS if option.key == key), None)
    return option.apply(products) if option else products
