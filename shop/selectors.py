"""Reads of the catalog shaped for pages and the API."""

from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from fulfillment.selectors import available_quantity
from shop.models import Category, Product, ProductImage, Seller, SellerMember, Variant


def _listing(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products with what a product card shows: seller, lowest price, availability, images."""
    active_variants = Variant.objects.filter(product=OuterRef("pk"), is_active=True).order_by()
    return (
        queryset.select_related("seller", "category")
        .annotate(
            min_price=Subquery(active_variants.values("product").annotate(low=Min("price")).values("low")),
            currency=Subquery(active_variants.values("currency")[:1]),
            available=Coalesce(
                Subquery(
                    active_variants.annotate(free=available_quantity()).values("product").annotate(total=Sum("free")).values("total")
                ),
                0,
            ),
        )
        .prefetch_related(Prefetch("images", ProductImage.objects.order_by("position", "id")))
    )


def storefront_products() -> QuerySet[Product]:
    """Active products of the catalog, newest first, ready for product cards."""
    return _listing(Product.objects.active()).order_by("-created_at", "-id")


def featured_products(*, limit: int = 8) -> list[Product]:
    return list(storefront_products().filter(is_featured=True)[:limit])


def category_tree() -> list[Category]:
    """Top-level categories with their children, two queries."""
    return list(
        Category.objects.filter(parent__isnull=True).prefetch_related(Prefetch("children", Category.objects.all()))
    )


def category_with_descendant_ids(*, category: Category) -> list[int]:
    """The category's id and all ids below it (one query over the whole tree)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    ids, frontier = [], [category.pk]
    while frontier:
        current = frontier.pop()
        ids.append(current)
        frontier.extend(children.get(current, []))
    return ids


def filter_products(
    queryset: QuerySet[Product],
    *,
    category: Category | None = None,
    seller_slug: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
) -> QuerySet[Product]:
    if category is not None:
        queryset = queryset.filter(category_id__in=category_with_descendant_ids(category=category))
    if seller_slug:
        queryset = queryset.filter(seller__slug=seller_slug)
    if min_price is not None:
        queryset = queryset.filter(min_price__gte=min_price)
    if max_price is not None:
        queryset = queryset.filter(min_price__lte=max_price)
    return queryset


def search_products(queryset: QuerySet[Product], *, query: str) -> QuerySet[Product]:
    """Full-text search ranked by relevance on PostgreSQL; a plain substring match elsewhere."""
    query = query.strip()
    if not query:
        return queryset
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector  # noqa: PLC0415

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("seller__name", weight="B", config="english")
            + SearchVector("description", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            queryset.annotate(rank=SearchRank(vector, search_query))
            .filter(rank__gt=0)
            .order_by("-rank", "-created_at", "-id")
        )
    terms = query.split()
    for term in terms:
        queryset = queryset.filter(
            Q(title__icontains=term) | Q(description__icontains=term) | Q(seller__name__icontains=term)
        )
    return queryset


def product_for_page(*, slug: str) -> Product | None:
    """An active product with its seller, active variants (with availability) and images."""
    variants = Variant.objects.filter(is_active=True).annotate(available=available_quantity()).order_by("position", "id")
    return (
        Product.objects.active()
        .select_related("seller", "category")
        .prefetch_related(
            Prefetch("variants", variants, to_attr="active_variants"),
            Prefetch("images", ProductImage.objects.order_by("position", "id")),
        )
        .filter(slug=slug)
        .first()
    )


def seller_for_user(*, user) -> Seller | None:
    """The seller the user works for (their first membership), or None for non-sellers."""
    if not user.is_authenticated:
        return None
    membership = SellerMember.objects.select_related("seller").filter(user=user).order_by("pk").first()
    return membership.seller if membership else None


def seller_products(*, seller: Seller) -> QuerySet[Product]:
    """All of a seller's products, any status, for their dashboard and API."""
    return _listing(Product.objects.for_seller(seller)).order_by("-updated_at", "-id")


def image_srcset(image: ProductImage, image_format: str = "jpeg") -> str:
    """`srcset` value for one rendition format, empty until the renditions exist."""
    widths = image.renditions.get(image_format, {})
    return ", ".join(f"{settings.MEDIA_URL}{name} {width}w" for width, name in sorted(widths.items(), key=lambda i: int(i[0])))
