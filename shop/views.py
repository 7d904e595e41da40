"""Public shopper pages: home, category, product and seller storefront; the products of the search page."""

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_safe

from marketplace.fragments import cached_fragment, cached_value, current_versions, fragment_key
from marketplace.page_cache import cache_public_page
from shop import selectors
from shop.catalog_versions import CATALOG_VERSION, list_versions
from shop.cross_border import product_shipping
from shop.exchange_rates import MissingExchangeRate
from shop.forms import ProductFilterForm
from shop.landed_cost import Destination
from shop.models import Product, Variant
from shop.page_shell import render_page
from shop.product_cards import product_cards
from shop.product_lists import CategoryLink, ListedPage, SellerChoice, list_key, safe
from shop.reviews.selectors import product_reviews
from shop.services.import_charges import ImportChargesNotice, import_charges_notice, refusal
from shop.services.shipping import ShippingOption, quote_shipping, shipping_items
from shop.ship_to import ShipToForm, shopper_country
from shop.sorting import sort_products

PAGE_SIZE = 24
LOW_STOCK = 5
MAX_QUERY_LENGTH = 200
MAX_PAGE_NUMBER = 1_000_000


@dataclass(frozen=True)
class VariantOption:
    """A variant as the picker shows it: its availability in words and whether it is chosen."""

    variant: Variant
    availability: str
    state: str  # "in", "low" or "out": the CSS modifier of the availability text
    checked: bool

    @property
    def sold_out(self) -> bool:
        return self.state == "out"


def _availability(available: int) -> tuple[str, str]:
    """The shopper's words for a stock level, and its state."""
    if available <= 0:
        return "Sold out", "out"
    if available <= LOW_STOCK:
        return f"Only {available} left", "low"
    return "In stock", "in"


def _variant_options(variants: list[Variant], requested: str | None) -> list[VariantOption]:
    """The picker's options, with the requested variant chosen, else the first one in stock."""
    in_stock = [variant for variant in variants if variant.available > 0]
    chosen = next((variant for variant in in_stock if str(variant.pk) == requested), None)
    if chosen is None:
        chosen = in_stock[0] if in_stock else (variants[0] if variants else None)
    options = []
    for variant in variants:
        text, state = _availability(variant.available)
        options.append(VariantOption(variant=variant, availability=text, state=state, checked=variant is chosen))
    return options


def _page(request: HttpRequest, products: QuerySet[Product]) -> tuple[Page, list[SafeString]]:
    """One page of products and their cards; a non-number gives the first page, a page past the end the last.

    The page reads ids and versions only; the cards come from the fragment cache (`shop.product_cards`).
    """
    page = Paginator(selectors.card_versions(products), PAGE_SIZE).get_page(request.GET.get("page"))
    return page, product_cards(selectors.as_card_versions(page.object_list))


def _filters(request: HttpRequest, form: ProductFilterForm, query: str = "") -> SafeString:
    """The sort bar and filter panel: the same for everyone asking this path with these filters, so shared
    through the fragment cache (keyed on the values asked and the choices offered)."""
    asked = tuple((name, tuple(form.data.getlist(name))) for name in form.fields)
    offered = tuple(form.fields["seller"].choices), tuple(form.fields["sort"].choices)
    key = fragment_key("product-filters", (request.path, query, asked, offered))
    context = {"form": form, "query": query, "request": request}
    return cached_fragment(key, lambda: render_to_string("shop/_filters.html", context))


def _sellers(scope: tuple[str, str], products: QuerySet[Product]) -> list[SellerChoice]:
    """The filter panel's sellers of a category or a search: the same for every filter, order and page of it, and
    unmoved by stock, so kept under the catalog's version alone."""
    key = fragment_key("list-sellers", (*current_versions(CATALOG_VERSION), *scope))
    return cached_value(key, lambda: list(map(SellerChoice.of, selectors.sellers_with_products(products))))


def _page_number(value: str | None) -> int:
    """The page asked for, as the paginator reads it: a non-number is the first page."""
    try:
        return int(value or "")
    except (TypeError, ValueError):
        return 1


def _listed(request: HttpRequest, products: QuerySet[Product]) -> ListedPage:
    """One page of products with its cards, as a list keeps it in the cache (`shop.product_lists`).

    The page and the count in one query; a page below 1 or past the end is the last page, as `_page` gives it.
    """
    number = _page_number(request.GET.get("page"))
    if 1 <= number <= MAX_PAGE_NUMBER:  # beyond, an offset the database refuses: surely past the end
        cards, count = selectors.card_versions_page(products, number=number, per_page=PAGE_SIZE)
        if cards or number == 1:
            return ListedPage(
                number=number,
                count=count,
                num_pages=max(1, -(-count // PAGE_SIZE)),
                card_html=tuple(map(str, product_cards(cards))),
            )
    page, cards = _page(request, products)
    return ListedPage.of(page, cards)


@require_safe
@cache_public_page
def home(request: HttpRequest) -> HttpResponse:
    """Featured (then newest) products and the category list."""

    def build() -> dict:
        return {
            "cards": tuple(map(str, product_cards(selectors.home_products()))),
            "categories": [CategoryLink.of(top) for top in selectors.category_tree()],
        }

    def context() -> dict:
        found = cached_value(key, build)
        return {"cards": [safe(html) for html in found["cards"]], "categories": found["categories"]}

    # Kept whole under the catalog's versions, and the page around it per kind of header (`shop.page_shell`): a
    # warm home page reads the cache twice and the database never.
    key = fragment_key("home-page", list_versions())
    return render_page(request, "shop/home.html", context, key=(key,))


@require_safe
@cache_public_page
def category(request: HttpRequest, slug: str) -> HttpResponse:
    """Products of a category and its descendants, filtered and paginated."""

    def build() -> dict:
        current = selectors.category_by_slug(slug=slug)
        if current is None:
            raise Http404("No such category.")
        in_category = selectors.filter_products(selectors.storefront_products(), category=current)
        form = ProductFilterForm(request.GET, sellers=_sellers(("category", slug), in_category))
        products = sort_products(selectors.filter_products(in_category, **form.filters()), key=form.sort_key())
        page = _listed(request, products)
        return {
            "category": CategoryLink.of(current, with_parent=True),
            "page": page,
            "pagination": _pagination(request, page),
            "path": request.path,
            "filters": str(_filters(request, form)),
            "filtering": form.is_filtering,
        }

    # Kept whole under the catalog's versions (`shop.product_lists`), and the page around it per kind of header
    # (`shop.page_shell`); a 404 is never kept.
    key = list_key("category-page", request)
    return render_page(request, "shop/category.html", lambda: _shown(cached_value(key, build)), key=(key,))


def search_query(request: HttpRequest) -> str:
    """The words of `q`, spaces squeezed, at most MAX_QUERY_LENGTH characters."""
    return " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]


def product_search_context(request: HttpRequest, query: str) -> dict:
    """The search page's products: the filter panel and a page of matches in the chosen order.

    The page itself is served by the creators app (`creators.search`), which adds creators and posts.
    """
    context: dict = {"query": query, "page": None, "cards": [], "filters": "", "filtering": False, "shown": ()}
    if not query:
        return context

    def build() -> dict:
        found = selectors.search_products(selectors.storefront_products(), query=query)
        form = ProductFilterForm(request.GET, sellers=_sellers(("search", query), found), searching=True)
        products = sort_products(selectors.filter_products(found, **form.filters()), key=form.sort_key())
        page = _listed(request, products)
        return {
            "page": page,
            "pagination": _pagination(request, page),
            "filters": str(_filters(request, form, query)),
            "filtering": form.is_filtering,
        }

    # Kept whole under the catalog's versions (`shop.product_lists`): a warm search runs no query of the shop.
    # `shown` names what the products' part shows, for a page that shares more around it (`shop.page_shell`).
    key = list_key("search-results", request, query)
    context.update(_shown(cached_value(key, build)), shown=(key,))
    return context


def _pagination(request: HttpRequest, page: ListedPage) -> str:
    """The pagination links of a list, kept with it (they keep the request's other parameters)."""
    return render_to_string("shop/_pagination.html", {"page": page}, request=request)


def _shown(found: dict) -> dict:
    """A list's context from what the cache keeps of it: its HTML safe again."""
    return {
        **found,
        "filters": safe(found["filters"]),
        "pagination": safe(found["pagination"]),
        "cards": found["page"].cards,
    }


def _import_charges(variant: Variant | None, country: str):
    """ "Import charges included" or the estimate for one unit by the cheapest method to the shopper's country;
    nothing (and no query) for a shopper at home."""
    if variant is None or country == settings.SHOP_HOME_COUNTRY:
        return ImportChargesNotice()
    try:
        options = quote_shipping(
            items=shipping_items([(variant, 1)]), country=country, subtotal=variant.price, currency=variant.currency
        )
    except MissingExchangeRate as error:
        message = refusal(error, destination=Destination(country, ""), currency=variant.currency).message
        return ImportChargesNotice(refused=message)
    return import_charges_notice(variant=variant, country=country, shipping=options[0].amount if options else 0)


def _delivery(variant: Variant | None, country: str) -> ShippingOption | None:
    """The cheapest method's delivery dates for one unit to the shopper's country (no postal code yet: the
    farthest zone, so checkout never promises later); None when it cannot be quoted."""
    if variant is None:
        return None
    try:
        options = quote_shipping(
            items=shipping_items([(variant, 1)]), country=country, subtotal=variant.price, currency=variant.currency
        )
    except MissingExchangeRate:  # the import-charges notice says why
        return None
    return options[0] if options else None


@require_safe
@cache_public_page
def product(request: HttpRequest, slug: str) -> HttpResponse:
    """A product's page: gallery, description and the variant picker.

    The body is the same for every visitor to this URL in the shopper's country, so it is shared from the
    cache under a key of what it shows (one query finds the versions), and so is the whole page for each kind
    of header, the visitor's name and cart count filled in per request (`shop.page_shell`). The delivery
    promise moves with each warehouse's cut-off, so the key holds the minute too.
    """
    stamp = selectors.product_stamp(slug=slug)
    if stamp is None:
        raise Http404("No such product.")
    country = shopper_country(request)
    path = request.get_full_path()  # the chosen variant, and the ship-to form's way back
    key = fragment_key("product-body", (stamp.pk, *stamp.version, country, path, f"{timezone.now():%Y%m%d%H%M}"))

    def page() -> dict:  # only when the whole page is not shared already
        requested = request.GET.get("variant")
        body = cached_fragment(key, lambda: _product_body(slug=slug, requested=requested, path=path, country=country))
        return {"stamp": stamp, "body": body}

    return render_page(request, "shop/product.html", page, key=(key,))


def _product_body(*, slug: str, requested: str | None, path: str, country: str) -> str:
    """The product page's body, rendered without the request: nothing personal can get into it."""
    found = selectors.product_for_page(slug=slug)
    if found is None:  # deactivated between the two reads
        raise Http404("No such product.")
    options = _variant_options(found.active_variants, requested)
    selected = next((option for option in options if option.checked), None)
    context = {
        "product": found,
        "options": options,
        "selected": selected,
        # Whether it can be shipped to the shopper's country (customs data, restricted items), and where never.
        "shipping": product_shipping(variants=found.active_variants, destination=country),
        "import_charges": _import_charges(selected.variant if selected else None, country),
        "delivery": _delivery(selected.variant if selected else None, country),
        # The stored count is recounted with every review write: none shown, no query.
        "reviews": product_reviews(product_id=found.pk) if found.rating_count else [],
        "ship_to_form": ShipToForm(initial={"country": country, "next": path}, auto_id="ship-to-%s"),
    }
    return render_to_string("shop/_product_body.html", context)


@require_safe
@cache_public_page
def seller_storefront(request: HttpRequest, slug: str) -> HttpResponse:
    """A seller's page: who they are and their active products."""
    seller = selectors.seller_by_slug(slug=slug)
    if seller is None:
        raise Http404("No such seller.")
    page, cards = _page(request, selectors.seller_storefront_products(seller=seller))
    return render(request, "shop/storefront.html", {"seller": seller, "page": page, "cards": cards})
