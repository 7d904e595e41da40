"""Search beyond products: creators and posts for the search page and the suggestions as a shopper types.

The shop searches products (`shop.selectors.search_products`); it never sees creators, so the page that
shows all three is assembled here. Each read is one query, whatever it finds.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.db import connection
from django.db.models import F, Q, Value

from creators.models import Creator, VideoPost
from shop.selectors import forgiving_terms, search_products, storefront_products

SUGGESTION_LIMIT = 4
CREATOR_RESULTS_LIMIT = 6
POST_RESULTS_LIMIT = 6
MIN_SUGGEST_LENGTH = 2


def _words(query: str) -> list[str]:
    return re.findall(r"\w+", query)


def _each_word(fields: tuple[str, ...], words: list[str]) -> Q:
    """Every word (or the word less its last letter) in one of the fields."""
    condition = Q()
    for word in words:
        either = Q()
        for piece in forgiving_terms(word):
            for name in fields:
                either |= Q(**{f"{name}__icontains": piece})
        condition &= either
    return condition


def search_creators(*, query: str, limit: int = CREATOR_RESULTS_LIMIT) -> list[Creator]:
    """Approved creators whose handle or name has the words (or, on PostgreSQL, a name alike in trigrams)."""
    words = _words(query)
    if not words:
        return []
    condition = _each_word(("handle", "display_name"), words)
    if connection.vendor == "postgresql":
        typed = " ".join(words)
        condition |= Q(TrigramWordSimilar(F("display_name"), Value(typed))) | Q(
            TrigramWordSimilar(F("handle"), Value(typed))
        )
    creators = Creator.objects.filter(condition, status=Creator.Status.APPROVED)
    return list(creators.order_by("-follower_count", "handle")[:limit])


def search_posts(*, query: str, limit: int = POST_RESULTS_LIMIT) -> list[VideoPost]:
    """Published posts whose caption has every word, most liked first, with their creator."""
    words = _words(query)
    if not words:
        return []
    posts = VideoPost.objects.published().filter(_each_word(("caption",), words)).select_related("creator")
    return list(posts.order_by("-like_count", "-published_at", "-id")[:limit])


@dataclass(frozen=True)
class Suggestions:
    products: list
    creators: list[Creator]
    posts: list[VideoPost]

    def __bool__(self) -> bool:
        return bool(self.products or self.creators or self.posts)


def suggestions(*, query: str, limit: int = SUGGESTION_LIMIT) -> Suggestions:
    """A few products, creators and posts for what the shopper has typed so far (three queries)."""
    query = " ".join(query.split())
    if len(query) < MIN_SUGGEST_LENGTH or not _words(query):
        return Suggestions(products=[], creators=[], posts=[])
    products = list(
        search_products(storefront_products(), query=query)
        .select_related(None)
        .prefetch_related(None)
        .only("pk", "title", "slug")[:limit]
    )
    return Suggestions(
        products=products,
        creators=search_creators(query=query, limit=limit),
        posts=search_posts(query=query, limit=limit),
    )
