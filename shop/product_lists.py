"""Product lists (home, category, search, `/api/v1/products/`) kept whole in the cache under the catalog's versions.

A list is the same for everyone asking the same address: the count, the page of cards, the filter panel.
Building it takes the count, the page's ids and versions, the sellers of the filter panel and the search's
own queries, each built by the ORM on every request; kept under the versions of what it shows
(`shop.catalog_versions`), a warm list costs two cache reads (the versions, then the list) and no query.
Only plain data is kept (HTML, numbers, names and addresses), never model instances.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from marketplace.fragments import fragment_key
from shop.catalog_versions import list_versions
from shop.models import Category, Seller


def list_key(name: str, request: HttpRequest, *parts: object) -> str:
    """The cache key of list `name` at this address: the versions it shows (sales too when sorted by best-selling),
    the path and every query parameter (the pagination links keep them all)."""
    params = tuple(sorted((key, tuple(values)) for key, values in request.GET.lists()))
    versions = list_versions(sort=request.GET.get("sort", ""))
    return fragment_key(name, (*versions, request.path, params, *parts))


@dataclass(frozen=True)
class ListedPage:
    """A page of a list as the templates read a paginator's page (`_pagination.html`, the count), with its cards'
    HTML; kept in the cache."""

    number: int
    count: int
    num_pages: int
    card_html: tuple[str, ...]

    @classmethod
    def of(cls, page: Page, cards: Iterable[str]) -> "ListedPage":
        return cls(
            number=page.number,
            count=page.paginator.count,
            num_pages=page.paginator.num_pages,
            card_html=tuple(map(str, cards)),
        )

    @property
    def paginator(self) -> "ListedPage":
        return self

    @property
    def object_list(self) -> tuple[str, ...]:
        return self.card_html

    @property
    def cards(self) -> list[SafeString]:
        # Only what our own card template rendered is ever kept here.
        return [mark_safe(html) for html in self.card_html]  # noqa: S308

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


@dataclass(frozen=True)
class CategoryLink:
    """A category as a list page links it: its name and address, its parent and its children."""

    name: str
    url: str
    parent: "CategoryLink | None" = None
    children: tuple["CategoryLink", ...] = ()

    @classmethod
    def of(cls, category: Category, *, with_parent: bool = False) -> "CategoryLink":
        """From a category with its children prefetched (and its parent loaded when `with_parent`)."""
        parent = category.parent if with_parent and category.parent_id else None
        return cls(
            name=category.name,
            url=category.get_absolute_url(),
            parent=cls(name=parent.name, url=parent.get_absolute_url()) if parent else None,
            children=tuple(cls(name=child.name, url=child.get_absolute_url()) for child in category.children.all()),
        )


@dataclass(frozen=True)
class SellerChoice:
    """A seller as a list's filter panel offers it."""

    slug: str
    name: str

    @classmethod
    def of(cls, seller: Seller) -> "SellerChoice":
        return cls(slug=seller.slug, name=seller.name)


def safe(html: str) -> SafeString:
    """HTML kept by a list (a filter panel our template rendered) as safe again."""
    return mark_safe(html)  # noqa: S308
