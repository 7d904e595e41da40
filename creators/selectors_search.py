"""Search beyond products: creators and posts for the search page and the suggestions as a shopper types.

The shop searches products (`shop.selectors.search_products`); it never sees creators, so the page that
shows all three is assembled here. Each read is one query, whatever it finds.
"""

import functools
import re
from dataclasses import dataclass

from django.contrib.postgres.lookups import TrigramWordSimilar
from django.db import connection, models
from django.db.models import F, Q, QuerySet, Value

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


def _creators_query(words: list[str]) -> QuerySet[Creator]:
    """Approved creators whose handle or name has the words (or, on PostgreSQL, a name alike in trigrams)."""
    condition = _each_word(("handle", "display_name"), words)
    if connection.vendor == "postgresql":
        typed = " ".join(words)
        condition |= Q(TrigramWordSimilar(F("display_name"), Value(typed))) | Q(
            TrigramWordSimilar(F("handle"), Value(typed))
        )
    return Creator.objects.filter(condition, status=Creator.Status.APPROVED).order_by("-follower_count", "handle")


def _posts_query(words: list[str]) -> QuerySet[VideoPost]:
    """Published posts whose caption has every word, most liked first, with their creator."""
    posts = VideoPost.objects.published().filter(_each_word(("caption",), words)).select_related("creator")
    return posts.order_by("-like_count", "-published_at", "-id")


def search_creators(*, query: str, limit: int = CREATOR_RESULTS_LIMIT) -> list[Creator]:
    """Approved creators whose handle or name has the words (or, on PostgreSQL, a name alike in trigrams)."""
    words = _words(query)
    return list(_creators_query(words)[:limit]) if words else []


def search_posts(*, query: str, limit: int = POST_RESULTS_LIMIT) -> list[VideoPost]:
    """Published posts whose caption has every word, most liked first, with their creator."""
    words = _words(query)
    return list(_posts_query(words)[:limit]) if words else []


# The search page's creators and posts: the same queries in plain SQL built once per process (the ORM took
# longer to build them than the database to answer), each row read into the few fields the page shows.

_CREATOR_SHOWN = ("id", "handle", "display_name", "follower_count")
_POST_SHOWN = ("id", "creator_id", "caption", "poster", "width", "height")


def _attnames(model: type[models.Model], shown: tuple[str, ...]) -> list[str]:
    """The fields shown, in the model's order (as `Model.from_db` takes them)."""
    return [field.attname for field in model._meta.concrete_fields if field.attname in shown]


def _placeholders(shape: tuple[int, ...]) -> list[str]:
    """Words of this shape whose patterns all differ: 3 letters ("aab", looked for as itself), or 4 ("aabz", looked
    for as itself and as "aab")."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = [letters[i // 676 % 26] + letters[i // 26 % 26] + letters[i % 26] for i in range(len(shape))]
    return [name if pieces == 1 else f"{name}z" for name, pieces in zip(names, shape, strict=True)]


def _patterns(words: list[str], columns: int) -> list[str]:
    """The LIKE patterns `_each_word` gives the ORM, one per word, piece and column."""
    like = connection.ops.prep_for_like_query
    return [f"%{like(piece)}%" for word in words for piece in forgiving_terms(word) for _ in range(columns)]


@functools.lru_cache(maxsize=128)
def _page_sql(kind: str, shape: tuple[int, ...], limit: int, vendor: str) -> tuple[str, tuple]:
    """The SQL of the page's `kind` ("creators" or "posts") for words of this shape (how many pieces each), with
    placeholder words where the shopper's go; built by the ORM once per process and shape."""
    words = _placeholders(shape)
    if kind == "creators":
        query = _creators_query(words).values_list(*_attnames(Creator, _CREATOR_SHOWN))
    else:
        query = _posts_query(words).values_list(*_attnames(VideoPost, _POST_SHOWN), "creator__handle")
    sql, params = query[:limit].query.sql_with_params()
    expected = set(_patterns(words, 2 if kind == "creators" else 1))
    if not expected <= set(params):  # the words must be parameters, for `_rows` to put the shopper's in their place
        raise RuntimeError(f"the {kind} search's SQL does not take its words as parameters")
    return sql, tuple(params)


def _rows(kind: str, words: list[str], limit: int) -> list[tuple]:
    shape = tuple(len(forgiving_terms(word)) for word in words)
    sql, template = _page_sql(kind, shape, limit, connection.vendor)
    columns = 2 if kind == "creators" else 1
    placeholders = _placeholders(shape)
    swaps = dict(zip(_patterns(placeholders, columns), _patterns(words, columns), strict=True))
    swaps[" ".join(placeholders)] = " ".join(words)  # the trigram's typed text
    with connection.cursor() as cursor:
        cursor.execute(sql, [swaps.get(value, value) for value in template])
        return cursor.fetchall()


def creators_for_search_page(*, query: str, limit: int = CREATOR_RESULTS_LIMIT) -> list[Creator]:
    """`search_creators` with what the page shows of each (handle, name, followers), one query."""
    words = _words(query)
    if not words:
        return []
    names = _attnames(Creator, _CREATOR_SHOWN)
    return [Creator.from_db(connection.alias, names, row) for row in _rows("creators", words, limit)]


def posts_for_search_page(*, query: str, limit: int = POST_RESULTS_LIMIT) -> list[VideoPost]:
    """`search_posts` with what the page shows of each (caption, poster, size, the creator's handle), one query."""
    words = _words(query)
    if not words:
        return []
    names = _attnames(VideoPost, _POST_SHOWN)
    posts = []
    for *row, handle in _rows("posts", words, limit):
        post = VideoPost.from_db(connection.alias, names, row)
        post.creator = Creator.from_db(connection.alias, ["id", "handle"], (post.creator_id, handle))
        posts.append(post)
    return posts


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
