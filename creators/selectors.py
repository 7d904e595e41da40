"""Reads of creators' posts shaped for the feed, the post page, profiles and the public API.

Every read prefetches what its page shows (creator, visible tags with product, default variant
and first image), so the number of queries does not depend on how many posts or tags there are.
The feed and post pages read less: a post's body (video, tags, products) is shared from the cache,
so their selectors answer the posts with a `body_version` and the viewer's like and follow in one
query, and `load_post_bodies` reads the tags of only the posts whose body must be rendered.
"""

import base64
import binascii
import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Length
from django.utils.dateparse import parse_datetime

from creators.models import Creator, Follow, Like, ProductTag, VideoPost
from shop.selectors import product_card_prefetches, product_cards, summarise_product_card

FEED_PAGE_SIZE = 10
MAX_FEED_PAGE_SIZE = 30
PROFILE_POSTS_LIMIT = 60
SHOWCASE_LIMIT = 24
HASHTAG_RE = re.compile(r"#(\w{1,50})")


class InvalidCursor(ValueError):
    """A feed cursor that we did not make (or that was altered)."""

    def __init__(self, cursor: str):
        super().__init__(f"Invalid cursor: {cursor[:40]!r}")
        self.cursor = cursor


# --- cursors -------------------------------------------------------------------------------------


def encode_cursor(post: VideoPost) -> str:
    """An opaque cursor pointing just after `post` in feed order (published_at, id) descending."""
    raw = json.dumps([post.published_at.isoformat(), post.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(published_at, id) from a cursor; InvalidCursor when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        published, pk = json.loads(raw)
        when = parse_datetime(published)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise InvalidCursor(cursor) from exc
    if when is None or when.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool) or pk < 1:
        raise InvalidCursor(cursor)
    return when, pk


# --- shared prefetches ---------------------------------------------------------------------------


def visible_tags() -> QuerySet[ProductTag]:
    """Tags shoppers see, each with its product, the product's active variants and images (3 queries)."""
    return (
        ProductTag.objects.visible()
        .select_related("product")
        .prefetch_related(*product_card_prefetches(through="product"))
        .order_by("start_seconds", "id")
    )


def _with_tags(posts: QuerySet[VideoPost]) -> QuerySet[VideoPost]:
    return posts.select_related("creator").prefetch_related(Prefetch("tags", visible_tags(), to_attr="visible_tags"))


def _decorate(posts: list[VideoPost]) -> list[VideoPost]:
    """Give each tag its `default_variant` (the first active one) and `image` (the first one), or None."""
    for post in posts:
        post.caption_pieces = hashtag_links(post.caption)
        for tag in post.visible_tags:
            summarise_product_card(tag.product)
            tag.default_variant, tag.image = tag.product.default_variant, tag.product.image
    return posts


def normalise_hashtag(value: str | None) -> str:
    """A hashtag filter without its '#', lower-cased; empty when it is not a plain word."""
    value = (value or "").strip().lstrip("#").lower()
    return value if re.fullmatch(r"\w{1,50}", value) else ""


# --- the feed ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedPage:
    posts: list[VideoPost]
    next_cursor: str | None


def _feed_order(*, before_cursor: str | None, hashtag: str, followed_by) -> QuerySet[VideoPost]:
    posts = VideoPost.objects.published().order_by("-published_at", "-id")
    if followed_by is not None:
        posts = posts.filter(creator__in=Follow.objects.filter(user=followed_by).values("creator_id"))
    if before_cursor:
        when, pk = decode_cursor(before_cursor)
        posts = posts.filter(Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk))
    if hashtag:
        # A whole hashtag: #ootd but not #ootdaily.
        posts = posts.filter(caption__iregex=rf"#{re.escape(hashtag)}(\W|$)")
    return posts


def _page(posts: list[VideoPost], limit: int) -> FeedPage:
    """`posts` holds up to limit + 1 rows: one more than the page says whether there is a next page."""
    page = posts[:limit]
    return FeedPage(posts=page, next_cursor=encode_cursor(page[-1]) if len(posts) > limit else None)


def feed_posts(
    *, before_cursor: str | None = None, limit: int = FEED_PAGE_SIZE, hashtag: str = "", followed_by=None
) -> FeedPage:
    """Published posts, newest first, `limit` of them after the cursor; optionally only those with #hashtag,
    or only those of creators `followed_by` (a user) follows (the Following tab)."""
    limit = max(1, min(limit, MAX_FEED_PAGE_SIZE))
    posts = _feed_order(before_cursor=before_cursor, hashtag=hashtag, followed_by=followed_by)
    return _page(_decorate(list(_with_tags(posts)[: limit + 1])), limit)


def feed_posts_for_page(
    *,
    before_cursor: str | None = None,
    limit: int = FEED_PAGE_SIZE,
    hashtag: str = "",
    followed_by=None,
    viewer=None,
) -> FeedPage:
    """The posts of `feed_posts` without their tags, for the feed page (one query): each with its creator,
    `body_version`, `liked` and its creator's `followed` for the viewer; `load_post_bodies` adds the tags."""
    limit = max(1, min(limit, MAX_FEED_PAGE_SIZE))
    posts = _feed_order(before_cursor=before_cursor, hashtag=hashtag, followed_by=followed_by)
    return _page(_for_page(posts, viewer=viewer, limit=limit + 1), limit)


def post_detail(*, post_id: int, viewer=None) -> VideoPost | None:
    """A published post, or any post of the viewer's own creator profile (drafts included); else None."""
    post = _with_tags(VideoPost.objects.filter(_visible_to(viewer), pk=post_id)).first()
    return _decorate([post])[0] if post is not None else None


def post_for_page(*, post_id: int, viewer=None) -> VideoPost | None:
    """The post of `post_detail` without its tags, marked as `feed_posts_for_page` marks them (one query)."""
    found = _for_page(VideoPost.objects.filter(_visible_to(viewer), pk=post_id), viewer=viewer, limit=1)
    return found[0] if found else None


def _visible_to(viewer) -> Q:
    visible = Q(pk__in=VideoPost.objects.published().values("pk"))
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(creator__user=viewer)
    return visible


# --- a post's body on the feed and post pages, and its version -------------------------------------


def _text(*parts) -> Concat:
    """The parts as one text, "/" between them."""
    pieces = []
    for part in parts:
        pieces += [Cast(part, TextField()), Value("/")]
    return Concat(*pieces[:-1], output_field=TextField())


def _outer_post_id(alias: str) -> RawSQL:
    """The id of the outer query's post row, for subqueries compiled on their own."""
    quote = connections[alias].ops.quote_name
    return RawSQL(f"{quote(VideoPost._meta.db_table)}.{quote('id')}", ())  # noqa: S611 (names, no input)


def _sql(queryset: QuerySet, alias: str) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(alias).as_sql()
    return sql, list(params)


@functools.cache
def _body_version_sql(alias: str) -> tuple[str, tuple]:
    """What a post's body shows beyond its own and its creator's rows, as SQL for a text that changes with it.

    The visible tags (which, where, their products' titles, links and ratings), the tagged products'
    variants (prices) and images (which comes first, its renditions), read through the tags' relations.
    A save moves `updated_at`; what services write with update() (ratings, image order, renditions) is
    read itself. Correlated with the outer query's post row; built and compiled once per process (that
    took longer than running it).
    """
    post_id = _outer_post_id(alias)
    tags = (
        ProductTag.objects.visible()
        .filter(post_id=post_id)
        .order_by()
        .values("post")
        .annotate(
            version=_text(
                Count("id"),
                Sum("id"),
                Max("updated_at"),
                Max("product__updated_at"),
                Sum("product__rating_count"),
                Sum("product__rating_total"),
            )
        )
    )
    # Of every tag's product, visible or not (a hidden tag shows in `tags` already); two subqueries, not
    # one join, so that a product's variants are not multiplied by its images.
    of_products = ProductTag.objects.filter(post_id=post_id).order_by().values("post")
    variants = of_products.annotate(version=_text(Count("product__variants"), Max("product__variants__updated_at")))
    images = of_products.annotate(
        version=_text(
            Count("product__images"),
            Max("product__images__id"),
            Sum(F("product__images__id") * F("product__images__position")),
            Sum(Length(Cast("product__images__renditions", TextField()))),
        )
    )
    parts, params = [], []
    for part in (tags, variants, images):
        sql, part_params = _sql(part.values("version"), alias)
        parts.append(f"COALESCE(({sql}), '')")
        params += part_params
    return " || '|' || ".join(parts), tuple(params)


@functools.cache
def _viewer_sql(alias: str) -> tuple[str, str]:
    """SQL for whether the viewer (the one parameter) likes the outer query's post and follows its creator;
    compiled once per process, as `_body_version_sql`."""
    quote = connections[alias].ops.quote_name
    creator_id = RawSQL(f"{quote(VideoPost._meta.db_table)}.{quote('creator_id')}", ())  # noqa: S611 (names)
    answers = []
    for rows in (
        Like.objects.filter(user_id=0, post_id=_outer_post_id(alias)),
        Follow.objects.filter(user_id=0, creator_id=creator_id),
    ):
        sql, params = _sql(rows.values("id"), alias)
        if params != [0]:  # the viewer's id must be its one parameter
            raise RuntimeError(f"Unexpected parameters {params} in {sql}")
        answers.append(f"EXISTS({sql})")
    return answers[0], answers[1]


# The columns the feed and post pages read (the rest, media pipeline and payout details, stay in the database).
PAGE_POST_FIELDS = (
    "creator",
    "caption",
    "video",
    "poster",
    "width",
    "height",
    "published_at",
    "like_count",
    "updated_at",
    "creator__handle",
    "creator__display_name",
    "creator__follower_count",
    "creator__updated_at",
)


def _for_page(posts: QuerySet[VideoPost], *, viewer, limit: int) -> list[VideoPost]:
    """The first `limit` posts with their creators, each with `body_version`, and `liked` and its creator's
    `followed` for the viewer (in the same query; False for a guest)."""
    sql, params = _body_version_sql(posts.db)
    annotations = {"body_rows_version": RawSQL(sql, params, output_field=TextField())}  # noqa: S611 (ORM's SQL)
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in:
        likes, follows = _viewer_sql(posts.db)
        annotations["liked"] = RawSQL(likes, (viewer.pk,), output_field=BooleanField())  # noqa: S611
        annotations["creator_followed"] = RawSQL(follows, (viewer.pk,), output_field=BooleanField())  # noqa: S611
    found = list(posts.select_related("creator").only(*PAGE_POST_FIELDS).annotate(**annotations)[:limit])
    for post in found:
        rows = (post.updated_at, post.creator.updated_at)
        post.body_version = "|".join(map(str, (*rows, post.body_rows_version)))
        if not signed_in:
            post.liked = post.creator_followed = False
        post.creator.followed = post.creator_followed
    return found


def load_post_bodies(posts: list[VideoPost]) -> list[VideoPost]:
    """Give posts read for a page what their bodies show: visible tags with products, default variants and
    images (3 queries, however many posts and tags)."""
    prefetch_related_objects(posts, Prefetch("tags", visible_tags(), to_attr="visible_tags"))
    return _decorate(posts)


# --- creator profiles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatorProfile:
    creator: Creator
    posts: list[VideoPost]
    products: list  # shop's product cards: distinct products tagged in published posts, most recently tagged first


def creator_profile(*, handle: str, with_tags: bool = False) -> CreatorProfile | None:
    """An approved creator with their published posts and the distinct products they tag; else None."""
    creator = Creator.objects.filter(handle=handle, status=Creator.Status.APPROVED).first()
    if creator is None:
        return None
    posts = VideoPost.objects.published().filter(creator=creator).order_by("-published_at", "-id")
    if with_tags:
        post_list = _decorate(list(_with_tags(posts)[:PROFILE_POSTS_LIMIT]))
    else:
        post_list = list(posts.select_related("creator")[:PROFILE_POSTS_LIMIT])
    tagged = ProductTag.objects.visible().filter(post__in=VideoPost.objects.published().filter(creator=creator))
    products = product_cards(product_ids=tagged.values("product_id"), limit=SHOWCASE_LIMIT)
    return CreatorProfile(creator=creator, posts=post_list, products=products)


# --- the product sheet ---------------------------------------------------------------------------


def tag_for_sheet(*, tag_id: int) -> ProductTag | None:
    """A visible tag on a published post, with its creator, product images and variants (with `available`)."""
    return (
        ProductTag.objects.visible()
        .filter(post__in=VideoPost.objects.published(), pk=tag_id)
        .select_related("product", "post__creator")
        .prefetch_related(*product_card_prefetches(through="product", with_availability=True))
        .first()
    )


def hashtag_links(caption: str) -> list[tuple[str, str]]:
    """The caption split into (text, hashtag) pieces: hashtag is '' for plain text."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in HASHTAG_RE.finditer(caption):
        if match.start() > position:
            pieces.append((caption[position : match.start()], ""))
        pieces.append((match.group(0), match.group(1).lower()))
        position = match.end()
    if position < len(caption):
        pieces.append((caption[position:], ""))
    return pieces


# --- what the viewer follows and likes -----------------------------------------------------------


def follows(*, viewer, creator: Creator) -> bool:
    """Whether the viewer follows the creator (no query for a guest)."""
    return bool(viewer.is_authenticated and Follow.objects.filter(user=viewer, creator=creator).exists())


def approved_creator(*, handle: str) -> Creator | None:
    return Creator.objects.filter(handle=handle, status=Creator.Status.APPROVED).first()


def published_post(*, post_id: int) -> VideoPost | None:
    return VideoPost.objects.published().select_related("creator").filter(pk=post_id).first()
