"""Reads of the catalog, carts and orders shaped for pages, the API and the creators app."""

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
    Window,
)
from django.db.models.functions import MD5, Cast, Coalesce, Concat, TruncDate

from fulfillment.models import VariantAvailability
from fulfillment.selectors import CustomsHold, available_quantity, customs_holds, stored_available
from marketplace.db import planned_cursor
from marketplace.fragments import cached_rows
from marketplace.storage import public_storage
from shop.currencies import to_minor_units
from shop.exchange_rates import ExchangeRates, Rate
from shop.models import (
    Cart,
    CartLine,
    Category,
    ExchangeRate,
    Order,
    OrderLine,
    Payment,
    Product,
    ProductImage,
    Refund,
    ReturnLine,
    ReturnRequest,
    Review,
    SavedAddress,
    Seller,
    SellerCustomsProfile,
    SellerMember,
    StripeCustomer,
    Variant,
)
from shop.reference_data import RATES_VERSION


def _card_annotations(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products annotated with what a product card shows of their variants: lowest price, currency, availability.

    Availability is the variants' stored counts (one join each), not a sum over stock and reservations.
    """
    active_variants = Variant.objects.filter(product=OuterRef("pk"), is_active=True).order_by()
    return queryset.annotate(
        min_price=Subquery(active_variants.values("product").annotate(low=Min("price")).values("low")),
        currency=Subquery(active_variants.values("currency")[:1]),
        available=Coalesce(
            Subquery(
                active_variants.annotate(free=stored_available())
                .values("product")
                .annotate(total=Sum("free"))
                .values("total")
            ),
            0,
        ),
    )


def _listing(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """Products with what a product card shows: seller, lowest price, availability, images."""
    return (
        _card_annotations(queryset)
        .select_related("seller", "category")
        .prefetch_related(Prefetch("images", ProductImage.objects.order_by("position", "id")))
    )


def storefront_products() -> QuerySet[Product]:
    """Active products with something to buy (an active variant), newest first; filter, sort and page it, then
    read its cards with `card_versions` and `products_for_cards`."""
    # Exists, not `min_price` not null: the same rows, and lighter to build and to run in every count and page query.
    has_variant = Exists(Variant.objects.filter(product=OuterRef("pk"), is_active=True))
    return _card_annotations(Product.objects.active()).filter(has_variant).order_by("-created_at", "-id")


def _first_image_digest() -> Subquery:
    """Expression: a digest of the product's first image as a card shows it (which one, its text, its renditions)."""
    first = (
        ProductImage.objects.filter(product=OuterRef("pk"))
        .order_by("position", "id")
        .annotate(
            digest=MD5(
                Concat(
                    Cast("pk", CharField()),
                    Value(":"),
                    Cast("position", CharField()),
                    Value(":"),
                    Cast("renditions", TextField()),
                    Value(":"),
                    "alt_text",
                    output_field=TextField(),
                )
            )
        )
        .values("digest")[:1]
    )
    return Subquery(first, output_field=TextField())


# What a product card (and the API's list item) shows that can change, in the row of the page query.
CARD_VERSION_FIELDS = (
    "updated_at", "seller_id", "seller__name", "seller__slug", "category_id", "category__name", "category__slug",
    "rating_count", "rating_total", "min_price", "currency", "available", "first_image",
)  # fmt: skip


@dataclass(frozen=True)
class CardVersion:
    """A product in a list, by id, with everything its card shows that can change (so a change is a new key)."""

    product_id: int
    version: tuple
    min_price: Decimal | None
    currency: str | None
    available: int


def card_versions(products: QuerySet[Product], *more: str) -> QuerySet:
    """`storefront_products` (filtered, sorted, sliced by a paginator) as rows for `as_card_versions`: one light
    query a page.

    The version is what the card shows, read in the same row: the product's update time (title, slug, status),
    seller and category (and their names and slugs, which the card and the API item show), its stored rating,
    its variants' lowest price, currency and stored availability, and its first image. `more`: other annotations
    to read at the end of each row.
    """
    return (
        products.select_related(None)
        .prefetch_related(None)
        .annotate(first_image=_first_image_digest())
        .values_list("pk", *CARD_VERSION_FIELDS, *more)
    )


def card_versions_page(products: QuerySet[Product], *, number: int, per_page: int) -> tuple[list[CardVersion], int]:
    """Page `number` (from 1) of `card_versions` and how many products there are in all, in one query (the count
    as `COUNT(*) OVER ()` in each row). A page past the end has no row to carry the count: (`[]`, 0)."""
    counted = card_versions(products.annotate(listed_count=Window(Count("pk"))), "listed_count")
    start = (number - 1) * per_page
    rows = list(counted[start : start + per_page])
    return as_card_versions(row[:-1] for row in rows), (rows[0][-1] if rows else 0)


def as_card_versions(rows: Iterable[tuple]) -> list[CardVersion]:
    """Rows of `card_versions` (a page of them) as `CardVersion`s."""
    cards = []
    for row in rows:
        shown = dict(zip(CARD_VERSION_FIELDS, row[1:], strict=True))
        cards.append(
            CardVersion(
                product_id=row[0],
                version=tuple(row[1:]),
                min_price=shown["min_price"],
                currency=shown["currency"],
                available=shown["available"],
            )
        )
    return cards


def products_for_cards(*, cards: Iterable[CardVersion]) -> dict[int, Product]:
    """The products of these cards by id, with their seller, category, `first_image` (or None) and the variant
    figures read with the versions (`min_price`, `currency`, `available`); 2 queries."""
    by_id = {card.product_id: card for card in cards}
    products = list(Product.objects.filter(pk__in=list(by_id)).select_related("seller", "category"))
    # One query whether or not any has a photo, so a page's count does not depend on its photos.
    first = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("pk")[:1]
    first_ids = Product.objects.filter(pk__in=list(by_id)).annotate(first=Subquery(first)).values("first")
    images = {image.product_id: image for image in ProductImage.objects.filter(pk__in=first_ids)}
    for product in products:
        card = by_id[product.pk]
        product.min_price, product.currency, product.available = card.min_price, card.currency, card.available
        product.first_image = images.get(product.pk)
    return {product.pk: product for product in products}


def featured_products(*, limit: int = 8) -> list[CardVersion]:
    return as_card_versions(card_versions(storefront_products().filter(is_featured=True))[:limit])


def category_tree() -> list[Category]:
    """Top-level categories with their children, two queries."""
    return list(
        Category.objects.filter(parent__isnull=True).prefetch_related(Prefetch("children", Category.objects.all()))
    )


def category_choices() -> list[tuple[int, str]]:
    """Every category as (id, its path of names), parents before children, each level by position and name."""
    children: dict[int | None, list[tuple[int, str]]] = {}
    rows = Category.objects.order_by("position", "name", "pk").values_list("pk", "name", "parent_id")
    for pk, name, parent_id in rows:
        children.setdefault(parent_id, []).append((pk, name))
    choices: list[tuple[int, str]] = []
    stack = [(pk, [name]) for pk, name in reversed(children.get(None, []))]
    while stack:
        pk, path = stack.pop()
        choices.append((pk, " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} ".join(path)))
        stack.extend((child, [*path, name]) for child, name in reversed(children.get(pk, [])))
    return choices


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


def forgiving_terms(term: str) -> list[str]:
    """A searched word and, from four letters on, that word less its last letter ("hoody" finds "hoodie")."""
    return [term, term[:-1]] if len(term) >= 4 else [term]


def search_products(queryset: QuerySet[Product], *, query: str) -> QuerySet[Product]:
    """Products matching the words of `query`, forgiving typos.

    PostgreSQL: full text (each word may be a prefix: "blu" finds "Bluebird") or a title word alike in
    trigrams (pg_trgm: "hoody" finds "Hoodie"), annotated with `rank`. Elsewhere: each word, or the word
    less its last letter, as a substring of the title, description or seller's name.
    """
    query = query.strip()
    if not query:
        return queryset
    words = re.findall(r"\w+", query)
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("seller__name", weight="B", config="english")
            + SearchVector("description", weight="C", config="english")
        )
        search_query = SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="english")
        typed = " ".join(words)
        similarity = TrigramWordSimilarity(typed, "title")
        return (
            # `@@`: every word matches. `%>`: the title has a stretch alike in trigrams to the query, by
            # pg_trgm's word_similarity_threshold (0.6: "hoody" is 0.67 like "hoodie"); the GIN index serves it.
            queryset.alias(document=vector)
            .filter(Q(document=search_query) | TrigramWordSimilar(F("title"), Value(typed)))
            .annotate(rank=SearchRank(vector, search_query) + similarity)
            .order_by("-rank", "-created_at", "-id")
        )
    for term in words:
        matches = Q()
        for piece in forgiving_terms(term):
            matches |= Q(title__icontains=piece) | Q(description__icontains=piece) | Q(seller__name__icontains=piece)
        queryset = queryset.filter(matches)
    return queryset


def product_for_page(*, slug: str) -> Product | None:
    """An active product with its seller, active variants (with their stored availability) and images."""
    variants = Variant.objects.filter(is_active=True).annotate(available=stored_available()).order_by("position", "id")
    return (
        Product.objects.active()
        .select_related("seller__customs_profile", "category")
        .prefetch_related(
            Prefetch("variants", variants, to_attr="active_variants"),
            Prefetch("images", ProductImage.objects.order_by("position", "id")),
        )
        .filter(slug=slug)
        .first()
    )


@dataclass(frozen=True)
class ProductStamp:
    """What the product page needs before its body: the product's id, words for the head, and `version`,
    which changes whenever anything the body shows changes (see `product_stamp`)."""

    pk: int
    title: str
    description: str
    version: tuple


@functools.cache
def _product_stamp_sql() -> str:
    """The product page's version query, built once per process (it runs on every product page)."""
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in (
            ("product", Product),
            ("variant", Variant),
            ("availability", VariantAvailability),
            ("review", Review),
            ("image", ProductImage),
        )
    }
    stock = "FROM {availability} a JOIN {variant} v ON v.id = a.variant_id WHERE v.product_id = p.id"
    return (
        "SELECT p.id, p.title, p.description, p.updated_at, p.rating_count, p.rating_total, "  # noqa: S608 (table names)
        "(SELECT MAX(v.updated_at) FROM {variant} v WHERE v.product_id = p.id), "
        f"(SELECT MAX(a.updated_at) {stock}), "
        # Two stock changes to two variants commit in either order: the newest time alone could miss one.
        f"(SELECT SUM(a.available) {stock}), "
        "(SELECT MAX(r.updated_at) FROM {review} r WHERE r.product_id = p.id), "
        "(SELECT COUNT(*) FROM {image} i WHERE i.product_id = p.id), "
        "(SELECT MAX(i.id) FROM {image} i WHERE i.product_id = p.id), "
        "(SELECT SUM(LENGTH(CAST(i.renditions AS TEXT))) FROM {image} i WHERE i.product_id = p.id) "
        "FROM {product} p WHERE p.slug = %s AND p.status = %s AND p.seller_id IS NOT NULL"
    ).format(**tables)


def product_stamp(*, slug: str) -> ProductStamp | None:
    """The active product's id, title, description and body version, in one query; None when there is none.

    The version reads the update times of the product, its variants (price, label, active), their stored
    availability (every stock change), its reviews (written, edited, answered, hidden) and its images
    (added, removed, renditions written), and the stored rating. Plain SQL: the ORM took 8 ms to build
    these subqueries, PostgreSQL 0.2 ms to answer them once planned (`planned_cursor`).
    """
    with planned_cursor() as cursor:
        cursor.execute(_product_stamp_sql(), [slug, Product.Status.ACTIVE])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, title, description, *version = row
    return ProductStamp(pk=pk, title=title, description=description, version=tuple(version))


def seller_for_user(*, user) -> Seller | None:
    """The seller the user works for (their first membership), or None for non-sellers."""
    if not user.is_authenticated:
        return None
    membership = SellerMember.objects.select_related("seller").filter(user=user).order_by("pk").first()
    return membership.seller if membership else None


def customs_profile_of(*, seller: Seller) -> SellerCustomsProfile | None:
    """The seller's customs profile, or None when they have not filled it in."""
    return SellerCustomsProfile.objects.filter(seller=seller).first()


def seller_customs_holds(*, seller: Seller) -> list[CustomsHold]:
    """Fulfillment orders held because the seller's items lack customs data (one query)."""
    return customs_holds(variant_ids=Variant.objects.filter(product__seller=seller).values("pk"))


def seller_products(*, seller: Seller) -> QuerySet[Product]:
    """All of a seller's products, any status, for their dashboard and API."""
    return _listing(Product.objects.for_seller(seller)).order_by("-updated_at", "-id")


def seller_dashboard_products(*, seller: Seller, status: str = "") -> QuerySet[Product]:
    """The seller's products for their dashboard list, optionally of one status, with `variant_count`."""
    variant_count = (
        Variant.objects.filter(product=OuterRef("pk")).order_by().values("product").annotate(n=Count("pk")).values("n")
    )
    products = seller_products(seller=seller).annotate(variant_count=Coalesce(Subquery(variant_count), 0))
    return products.filter(status=status) if status else products


def image_srcset(image: ProductImage, image_format: str = "jpeg") -> str:
    """`srcset` value for one rendition format, empty until the renditions exist."""
    widths = image.renditions.get(image_format, {})
    storage = public_storage()  # URLs are built locally (no request to the storage), as on disk
    return ", ".join(f"{storage.url(name)} {width}w" for width, name in sorted(widths.items(), key=lambda i: int(i[0])))


# Shopper pages (home, category, search, storefront).


def home_products(*, limit: int = 8) -> list[CardVersion]:
    """Featured products, topped up with the newest other products up to `limit`, as `CardVersion`s."""
    products = featured_products(limit=limit)
    if len(products) < limit:
        products += as_card_versions(
            card_versions(storefront_products().filter(is_featured=False))[: limit - len(products)]
        )
    return products


def category_by_slug(*, slug: str) -> Category | None:
    """The category with its parent and children, for its page."""
    return (
        Category.objects.select_related("parent")
        .prefetch_related(Prefetch("children", Category.objects.all()))
        .filter(slug=slug)
        .first()
    )


def seller_by_slug(*, slug: str) -> Seller | None:
    """The seller whose storefront lives at `slug`."""
    return Seller.objects.filter(slug=slug).first()


def seller_storefront_products(*, seller: Seller) -> QuerySet[Product]:
    """A seller's active products, newest first, ready for product cards."""
    return storefront_products().filter(seller=seller)


def sellers_with_products(products: QuerySet[Product]) -> list[Seller]:
    """Sellers that have at least one of `products`, by name, one query."""
    return list(Seller.objects.filter(pk__in=products.values("seller_id")).order_by("name"))


def all_categories() -> list[Category]:
    """Every category with its parent, in tree order of position and name (one query)."""
    return list(Category.objects.select_related("parent").order_by("position", "name", "pk"))


def variants_with_availability() -> QuerySet[Variant]:
    """Variants, active or not, each annotated with `available` (free units), in display order."""
    return Variant.objects.annotate(available=available_quantity()).order_by("position", "id")


def seller_variants(*, seller: Seller) -> QuerySet[Variant]:
    """All of a seller's variants, any state, with their free units, for their dashboard and API."""
    return variants_with_availability().filter(product__seller=seller).select_related("product")


def seller_products_with_variants(*, seller: Seller) -> QuerySet[Product]:
    """The seller's products as `seller_products`, each with `all_variants` (with availability) prefetched."""
    return seller_products(seller=seller).prefetch_related(
        Prefetch("variants", variants_with_availability(), to_attr="all_variants")
    )


def seller_product_images(*, seller: Seller) -> QuerySet[ProductImage]:
    """Images of the seller's products."""
    return ProductImage.objects.filter(product__seller=seller)


def product_of_seller(*, seller: Seller, product_id: int) -> Product | None:
    """One of the seller's products by id, any status; None when it is not theirs."""
    return Product.objects.for_seller(seller).filter(pk=product_id).first()


# A seller's returns (their dashboard and API): only the lines of their own products.


def seller_returns(*, seller: Seller) -> QuerySet[ReturnRequest]:
    """Returns that send back at least one of the seller's products, newest first.

    Each return's `seller_lines` holds its lines of this seller's products only (another seller's
    lines of the same order are never loaded): 2 queries for a page, whatever its size.
    """
    own_lines = ReturnLine.objects.filter(order_line__variant__product__seller=seller)
    return (
        ReturnRequest.objects.filter(Exists(own_lines.filter(return_request=OuterRef("pk"))))
        .select_related("order", "refund")
        .prefetch_related(
            Prefetch("lines", own_lines.select_related("order_line").order_by("pk"), to_attr="seller_lines")
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class SellerReturnLine:
    """Units of one of the seller's order lines in a return, and what of them was refunded."""

    sku: str
    product_title: str
    variant_label: str
    unit_price: Decimal
    quantity: int  # asked to return
    quantity_accepted: int  # came back (or refunded without return)
    quantity_missing: int  # announced but not in the parcel
    refunded_units: int  # units of this line the return's refund paid back
    refund_amount: Decimal | None  # those units at the price paid (tax and shipping apart); None before a refund


@dataclass(frozen=True)
class SellerReturn:
    """A return as the seller sees it: the return's facts, and only their own lines."""

    number: str
    order_number: str
    created_at: datetime
    status: str
    status_label: str
    reason: str
    reason_label: str
    comment: str
    cost_bearer: str
    cost_bearer_label: str
    currency: str
    refund_status: str  # the refund's status, "" before there is one
    lines: list[SellerReturnLine]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def refund_amount(self) -> Decimal | None:
        """What the refund paid back for the seller's units (None before a refund)."""
        amounts = [line.refund_amount for line in self.lines if line.refund_amount is not None]
        return sum(amounts, Decimal("0")) if amounts else None


def seller_return_rows(returns: Iterable[ReturnRequest]) -> list[SellerReturn]:
    """`seller_returns` rows (a page of them) in the seller's words; no query of its own."""
    rows = []
    for ret in returns:
        refund = ret.refund
        refunded: dict[int, int] = {}
        for item in refund.lines if refund is not None else []:
            line_id = int(item["order_line_id"])
            refunded[line_id] = refunded.get(line_id, 0) + int(item["quantity"])
        lines = [
            SellerReturnLine(
                sku=line.order_line.sku,
                product_title=line.order_line.product_title,
                variant_label=line.order_line.variant_label,
                unit_price=line.order_line.unit_price,
                quantity=line.quantity,
                quantity_accepted=line.quantity_accepted,
                quantity_missing=line.quantity_missing,
                refunded_units=refunded.get(line.order_line_id, 0),
                refund_amount=(
                    line.order_line.unit_price * refunded.get(line.order_line_id, 0) if refund is not None else None
                ),
            )
            for line in ret.seller_lines
        ]
        rows.append(
            SellerReturn(
                number=ret.number,
                order_number=ret.order.number,
                created_at=ret.created_at,
                status=ret.status,
                status_label=ret.get_status_display(),
                reason=ret.reason,
                reason_label=ret.get_reason_display(),
                comment=ret.comment,
                cost_bearer=ret.cost_bearer,
                cost_bearer_label=ret.get_cost_bearer_display(),
                currency=ret.currency,
                refund_status=refund.status if refund is not None else "",
                lines=lines,
            )
        )
    return rows


# Cart.


@dataclass(frozen=True)
class CartContents:
    """A cart as its page and the API show it: lines (each with `available` and `line_total`) and totals."""

    lines: list[CartLine]
    subtotals: dict[str, Decimal]  # currency -> amount; one entry unless carts in two currencies were merged

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def currency(self) -> str | None:
        """The cart's currency; None when it is empty or holds several."""
        return next(iter(self.subtotals)) if len(self.subtotals) == 1 else None

    @property
    def subtotal(self) -> Decimal | None:
        return self.subtotals[self.currency] if self.currency else None


def cart_contents(*, cart: Cart | None, with_images: bool = False) -> CartContents:
    """The cart's lines in the order added, with variant, product and free units (and images): 1 or 2 queries."""
    if cart is None:
        return CartContents(lines=[], subtotals={})
    lines = cart_lines_as_shown(cart=cart)
    if with_images:
        lines = lines.prefetch_related(
            Prefetch("variant__product__images", ProductImage.objects.order_by("position", "id"))
        )
    return contents_of(list(lines))


def cart_lines_as_shown(*, cart: Cart) -> QuerySet[CartLine]:
    """The cart's lines in the order added, with variant, product and free units (`available`)."""
    return (
        CartLine.objects.filter(cart=cart)
        .select_related("variant__product")
        .annotate(available=available_quantity("variant_id"))
        .order_by("added_at", "id")
    )


def contents_of(lines: list[CartLine]) -> CartContents:
    """A cart's contents from its lines as `cart_lines_as_shown` reads them (line totals, subtotals); no query."""
    subtotals: dict[str, Decimal] = {}
    for line in lines:
        line.line_total = line.variant.price * line.quantity
        currency = line.variant.currency
        subtotals[currency] = subtotals.get(currency, Decimal("0")) + line.line_total
    return CartContents(lines=lines, subtotals=subtotals)


def cart_line(*, cart: Cart | None, line_id: int) -> CartLine | None:
    """A line of this cart with its variant and product; None for a line of any other cart."""
    if cart is None:
        return None
    return CartLine.objects.select_related("variant__product").filter(cart=cart, pk=line_id).first()


def variants_to_add() -> QuerySet[Variant]:
    """Variants as a shopper picks one to add to the cart: with the product, and `free_units` (the live count
    the cart service checks the quantity against), read in the same query."""
    return Variant.objects.select_related("product").annotate(free_units=available_quantity())


def cart_item_count(*, user=None, session_token: str | None = None) -> int:
    """Units in the user's cart, or in the anonymous cart of a session token; one query.

    Plain SQL: it runs for every page's header, and the ORM took longer to build it than the database to answer.
    """
    if user is not None:
        where, param = "c.user_id = %s", user.pk
    elif session_token:
        where, param = "c.session_key = %s AND c.user_id IS NULL", session_token
    else:
        return 0
    lines, carts = (connection.ops.quote_name(model._meta.db_table) for model in (CartLine, Cart))
    sql = f"SELECT COALESCE(SUM(l.quantity), 0) FROM {lines} l JOIN {carts} c ON c.id = l.cart_id WHERE {where}"  # noqa: S608
    with planned_cursor() as cursor:
        cursor.execute(sql, [param])
        return int(cursor.fetchone()[0])


# Products as creators show them (tags, the feed, profiles, the studio).


def products_on_sale() -> QuerySet[Product]:
    """Products shoppers can see and buy: what a creator's tag may show (use as a subquery)."""
    return Product.objects.active()


def is_on_sale(product: Product) -> bool:
    """Whether shoppers can see and buy the product now (a tag on it shows; otherwise it needs a relink)."""
    return product.status == Product.Status.ACTIVE and product.seller_id is not None


def taggable_products(*, q: str = "") -> QuerySet[Product]:
    """Active products open to affiliates (commission above 0), title matching `q`, by title, with their seller."""
    products = products_on_sale().filter(affiliate_commission_rate__gt=0).select_related("seller")
    q = (q or "").strip()
    if q:
        products = products.filter(title__icontains=q)
    return products.order_by("title", "id")


def taggable_product(*, product_id: int | str) -> Product | None:
    """The product when a creator may tag it (see `taggable_products`); None otherwise or for a bad id."""
    try:
        product_id = int(product_id)
    except (TypeError, ValueError):
        return None
    return taggable_products().filter(pk=product_id).first()


def product_card_prefetches(*, through: str = "", with_availability: bool = False) -> list[Prefetch]:
    """Prefetches giving each product at `through` its `active_variants` (with `available`) and `ordered_images`.

    `through` is the relation that leads to the products (e.g. "product" from a tag); one query each.
    """
    prefix = f"{through}__" if through else ""
    variants = Variant.objects.filter(is_active=True).order_by("position", "id")
    if with_availability:
        variants = variants.annotate(available=stored_available())
    return [
        Prefetch(f"{prefix}variants", variants, to_attr="active_variants"),
        Prefetch(f"{prefix}images", ProductImage.objects.order_by("position", "id"), to_attr="ordered_images"),
    ]


def summarise_product_card(product: Product) -> Product:
    """Set `default_variant` (the first active one) and `image` (the first one), or None, from the prefetches."""
    product.default_variant = next(iter(product.active_variants), None)
    product.image = next(iter(product.ordered_images), None)
    return product


def product_cards(*, product_ids, limit: int) -> list[Product]:
    """Products on sale among `product_ids` (ids or a values() subquery), last updated first, as cards (3 queries)."""
    products = (
        products_on_sale()
        .filter(pk__in=product_ids)
        .prefetch_related(*product_card_prefetches())
        .order_by("-updated_at", "-id")[:limit]
    )
    return [summarise_product_card(product) for product in products]


# Paid orders as creators read them (attribution, commissions, payouts).


@dataclass(frozen=True)
class LineToAttribute:
    order_line_id: int
    product_id: int
    tag_id: int | None  # the tag the line is credited to; until attribution, the one its cart line carried
    creator_id: int | None
    creator_handle: str = ""  # recorded with the credit; empty until then


@dataclass(frozen=True)
class OrderToAttribute:
    """Who paid an order, when, and its lines with the credit they carry now."""

    order_id: int
    paid_at: datetime | None
    buyer_id: int | None  # the user who placed it, if logged in
    cart_token: str | None  # the session token of the cart it was placed from, if it still has one
    lines: list[LineToAttribute]


def order_to_attribute(*, order_id: int) -> OrderToAttribute:
    """The order and its lines as attribution needs them (one query: the lines with their order's columns; a
    second for an order without lines); raises DoesNotExist for no such order."""
    rows = list(
        OrderLine.objects.filter(order_id=order_id)
        .order_by("pk")
        .values_list(
            "pk",
            "variant__product_id",
            "attribution_tag_id",
            "attribution_creator_id",
            "attribution_creator_handle",
            "order__paid_at",
            "order__user_id",
            "order__cart__session_key",
        )
    )
    if rows:
        paid_at, buyer_id, cart_token = rows[0][5:]
    else:
        paid_at, buyer_id, cart_token = Order.objects.values_list("paid_at", "user_id", "cart__session_key").get(
            pk=order_id
        )
    return OrderToAttribute(
        order_id=order_id,
        paid_at=paid_at,
        buyer_id=buyer_id,
        cart_token=cart_token,
        lines=[LineToAttribute(*row[:5]) for row in rows],
    )


def order_paid_at(*, order_id: int) -> datetime | None:
    """When the order was paid (None until it is); raises DoesNotExist for no such order."""
    return Order.objects.values_list("paid_at", flat=True).get(pk=order_id)


@dataclass(frozen=True)
class CreditedLine:
    """An order line credited to a creator, with what a commission is computed from."""

    order_line_id: int
    creator_id: int
    tag_id: int | None
    commission_rate: Decimal  # percent, copied from the product when the order was placed
    line_total: Decimal
    currency: str

    @property
    def line_total_minor(self) -> int:
        return to_minor_units(self.line_total, self.currency)


def credited_lines(*, order_id: int) -> list[CreditedLine]:
    """The order's lines credited to a creator at a commission rate above 0, by id (1 query)."""
    lines = OrderLine.objects.filter(
        order_id=order_id, attribution_creator_id__isnull=False, affiliate_commission_rate__gt=0
    ).order_by("pk")
    return [
        CreditedLine(
            order_line_id=line.pk,
            creator_id=line.attribution_creator_id,
            tag_id=line.attribution_tag_id,
            commission_rate=line.affiliate_commission_rate,
            line_total=line.line_total,
            currency=line.currency,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class OrderRefunds:
    """What of an order was refunded: in full, by line, and by amount alone; and why."""

    fully_refunded: bool  # the order is in status refunded
    quantities: dict[int, tuple[int, int]]  # order line id -> (units bought, units refunded)
    amount_only: Decimal  # succeeded refunds that name no line (shipping, goodwill)
    amount_paid: Decimal  # what the shopper paid (the order's total when no payment amount is kept)
    # Order line id -> the reason of the latest succeeded refund that named the line ("Return R1: Doesn't fit").
    line_reasons: dict[int, str] = field(default_factory=dict)
    amount_only_reason: str = ""  # the reason of the latest succeeded refund that named no line

    def reason_for(self, order_line_id: int) -> str:
        """Why the line's units were refunded: its own latest refund, else the latest refund of an amount."""
        return self.line_reasons.get(order_line_id) or self.amount_only_reason


def refunds_of_order(*, order_id: int) -> OrderRefunds:
    """The order's refunded state and the refunds' reasons (3 queries); raises DoesNotExist for no such order.

    Line refunds are read from `OrderLine.quantity_refunded` (kept from `Refund.lines`).
    """
    order = Order.objects.get(pk=order_id)
    quantities = {
        pk: (bought, refunded)
        for pk, bought, refunded in order.lines.values_list("pk", "quantity", "quantity_refunded")
    }
    fully_refunded = order.status == Order.Status.REFUNDED
    amount_only = Decimal("0")
    line_reasons: dict[int, str] = {}
    amount_only_reason = ""
    succeeded = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED).order_by("created_at", "pk")
    for lines, amount, reason in succeeded.values_list("lines", "amount", "reason"):
        if lines:
            line_reasons.update({int(item["order_line_id"]): reason for item in lines if reason})
            continue
        amount_only += amount
        amount_only_reason = reason or amount_only_reason
    return OrderRefunds(
        fully_refunded=fully_refunded,
        quantities=quantities,
        amount_only=Decimal("0") if fully_refunded else amount_only,
        amount_paid=order.amount_paid or order.total,
        line_reasons=line_reasons,
        amount_only_reason=amount_only_reason,
    )


def order_line_titles(*, order_line_ids) -> dict[int, str]:
    """Order line id -> what was bought, in words ("Linen apron (Blue / M)"), for the given ids (1 query)."""
    rows = OrderLine.objects.filter(pk__in=order_line_ids).values_list("pk", "product_title", "variant_label")
    return {pk: f"{title} ({label})" if label else title for pk, title, label in rows}


def order_ids_of_lines(*, order_line_ids) -> dict[int, int]:
    """Order line id -> its order's id, for the given line ids (1 query)."""
    return dict(OrderLine.objects.filter(pk__in=order_line_ids).values_list("pk", "order_id"))


@dataclass(frozen=True)
class PaidPayment:
    payment_intent_id: str
    order_number: str


def paid_payments(*, order_ids) -> dict[int, PaidPayment]:
    """Per order, its latest paid Stripe PaymentIntent and the order's number; orders without one are left out."""
    payments = (
        Payment.objects.filter(order_id__in=order_ids, status=Payment.Status.PAID)
        .exclude(payment_intent_id="")
        .select_related("order")
        .order_by("order_id", "-attempt")
    )
    found: dict[int, PaidPayment] = {}
    for payment in payments:
        found.setdefault(payment.order_id, PaidPayment(payment.payment_intent_id, payment.order.number))
    return found


# Sales credited to creators (their earnings dashboard, the seller's creators page).


def cart_lines_with_tag(tag_ref: str = "pk") -> Coalesce:
    """Expression: how many cart lines still carry the creator tag whose id is at `tag_ref` (0 for none)."""
    lines = (
        CartLine.objects.filter(attribution_tag_id=OuterRef(tag_ref))
        .order_by()
        .values("attribution_tag_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(lines, output_field=IntegerField()), 0)


def _credited_paid_lines(creator_id: int) -> QuerySet[OrderLine]:
    return OrderLine.objects.filter(attribution_creator_id=creator_id, order__paid_at__isnull=False)


@dataclass(frozen=True)
class TagSales:
    """Paid order lines credited to one tag, in one currency (refunded orders included)."""

    tag_id: int
    currency: str
    orders: int
    units: int
    lines: int
    sales: Decimal


def creator_sales_by_tag(*, creator_id: int, tag_ids: list[int]) -> list[TagSales]:
    """Per tag of `tag_ids` and currency: the creator's paid orders, units, lines and sales (1 query)."""
    rows = (
        _credited_paid_lines(creator_id)
        .filter(attribution_tag_id__in=tag_ids)
        .values("attribution_tag_id", "currency")
        .annotate(
            orders=Count("order_id", distinct=True), units=Sum("quantity"), lines=Count("pk"), sales=Sum("line_total")
        )
        .order_by()
    )
    return [
        TagSales(
            tag_id=row["attribution_tag_id"],
            currency=row["currency"],
            orders=row["orders"],
            units=row["units"],
            lines=row["lines"],
            sales=row["sales"],
        )
        for row in rows
    ]


def creator_sales_by_currency(*, creator_id: int) -> dict[str, Decimal]:
    """Currency -> sales of the paid order lines credited to the creator (1 query)."""
    rows = _credited_paid_lines(creator_id).values("currency").annotate(sales=Sum("line_total")).order_by()
    return {row["currency"]: row["sales"] for row in rows}


def creator_order_count(*, creator_id: int) -> int:
    """Paid orders with at least one line credited to the creator (1 query)."""
    return _credited_paid_lines(creator_id).aggregate(n=Count("order_id", distinct=True))["n"]


def creator_orders_by_day(*, creator_id: int, since: datetime) -> dict[date, int]:
    """UTC day -> paid orders with a line credited to the creator, paid since `since` (1 query)."""
    rows = (
        _credited_paid_lines(creator_id)
        .filter(order__paid_at__gte=since)
        .annotate(day=TruncDate("order__paid_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("order_id", distinct=True))
        .values_list("day", "n")
        .order_by()
    )
    return dict(rows)


@dataclass(frozen=True)
class CreatorSalesOfSeller:
    """Paid order lines of one seller's products credited to one creator, in one currency."""

    creator_id: int
    currency: str
    orders: int
    units: int
    sales: Decimal


def seller_sales_by_creator(*, seller_id: int) -> list[CreatorSalesOfSeller]:
    """Per creator and currency: paid orders, units and sales of this seller's products only (1 query)."""
    rows = (
        OrderLine.objects.filter(
            variant__product__seller_id=seller_id, attribution_creator_id__isnull=False, order__paid_at__isnull=False
        )
        .values("attribution_creator_id", "currency")
        .annotate(orders=Count("order_id", distinct=True), units=Sum("quantity"), sales=Sum("line_total"))
        .order_by()
    )
    return [
        CreatorSalesOfSeller(
            creator_id=row["attribution_creator_id"],
            currency=row["currency"],
            orders=row["orders"],
            units=row["units"],
            sales=row["sales"],
        )
        for row in rows
    ]


def seller_order_line_ids(*, seller_id: int) -> QuerySet[OrderLine]:
    """The ids of the order lines of this seller's products, as a subquery (`order_line_id__in=`)."""
    return OrderLine.objects.filter(variant__product__seller_id=seller_id).values("pk")


def exchange_rates_on(*, on: date) -> ExchangeRates:
    """Each currency pair's newest exchange-rate row effective on `on`; the table comes from the cache
    (`shop.reference_data`), no query while it is warm."""
    newest: dict[tuple[str, str], Rate] = {}
    for row in cached_rows(RATES_VERSION, "exchange-rates", _all_exchange_rates):  # ordered by pk
        if row.effective_from > on:
            continue
        kept = newest.get((row.base, row.quote))
        if kept is None or row.effective_from > kept.effective_from:  # the same day: the lowest id stays
            newest[(row.base, row.quote)] = row
    return ExchangeRates(tuple(newest[pair] for pair in sorted(newest)))


def _all_exchange_rates() -> tuple[Rate, ...]:
    return tuple(
        Rate(
            id=row.pk,
            base=row.base,
            quote=row.quote,
            rate=row.rate,
            effective_from=row.effective_from,
            source=row.source,
        )
        for row in ExchangeRate.objects.order_by("pk")
    )


def saved_addresses(*, user) -> list[SavedAddress]:
    """The shopper's saved addresses, the default first, then the newest."""
    return list(SavedAddress.objects.filter(user=user).order_by("-is_default", "-created_at", "-pk"))


def default_address(*, user) -> SavedAddress | None:
    if not user.is_authenticated:
        return None
    return SavedAddress.objects.filter(user=user, is_default=True).first()


def has_one_tap_details(*, user) -> bool:
    """A default address and a Stripe Customer (cards are checked at Stripe when the confirm step opens)."""
    if not user.is_authenticated:
        return False
    return (
        SavedAddress.objects.filter(user=user, is_default=True).exists()
        and StripeCustomer.objects.filter(user=user).exists()
    )
