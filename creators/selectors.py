"""Reads of creators' posts shaped for the feed, the post page, profiles and the public API.

Every read prefetches what its page shows (creator, visible tags with product, default variant
and first image), so the number of queries does not depend on how many posts or tags there are.
The feed and post pages read less: a post's body (video, tags, products) is shared from the cache,
so their selectors answer the posts with their stored body versions and the viewer's like and follow in
one query, and `posts_for_bodies` reads the tags of only the posts whose body must be rendered.
"""

import base64
import binascii
import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.dateparse import parse_datetime

from creators.models import Creator, Follow, Like, ProductTag, VideoPost
from marketplace.db import planned_cursor
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
    or only those of creators `followed_by` (a user) follows (the Following tab); each with its tags.

    The feed's rule in the ORM: the pages and the API read `feed_posts_for_page` (the same posts in plain SQL,
    pinned to this by creators/tests/test_feed_page_query.py) and take the tags from the cache.
    """
    limit = max(1, min(limit, MAX_FEED_PAGE_SIZE))
    posts = _feed_order(before_cursor=before_cursor, hashtag=hashtag, followed_by=followed_by)
    return _page(_decorate(list(_with_tags(posts)[: limit + 1])), limit)


def post_detail(*, post_id: int, viewer=None) -> VideoPost | None:
    """A published post, or any post of the viewer's own creator profile (drafts included); else None."""
    post = _with_tags(VideoPost.objects.filter(_visible_to(viewer), pk=post_id)).first()
    return _decorate([post])[0] if post is not None else None


def _visible_to(viewer) -> Q:
    visible = Q(pk__in=VideoPost.objects.published().values("pk"))
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(creator__user=viewer)
    return visible


# --- the feed and post pages: posts with their body versions and the viewer's like and follow ----------


@dataclass(frozen=True)
class PagePost:
    """A post of a feed page as the page query reads it: what its key and its viewer's row need, no more.

    `body_parts` changes whenever the post's shared body changes: its own and its creator's update times
    (caption, media, name) and its stored `body_version` (tags, tagged products; creators.services.body_versions).
    """

    pk: int
    published_at: datetime
    like_count: int
    body_parts: tuple
    creator_handle: str
    follower_count: int
    liked: bool
    followed: bool


def _datetime(value, alias: str):
    """A datetime read by a raw cursor, as the ORM reads it (SQLite answers it naive, or as text)."""
    convert = getattr(connections[alias].ops, "convert_datetimefield_value", None)
    return convert(value, None, connections[alias]) if convert is not None else value


@functools.cache
def _page_sql(alias: str, *, signed_in: bool, following: bool, after: bool, hashtag: bool) -> str:
    """The feed page's one query in plain SQL, built once per process and shape: the ORM took longer to build
    it than the database to answer it. The posts are `VideoPost.objects.published()` (a test pins the two)."""
    connection = connections[alias]
    tables = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in (("post", VideoPost), ("creator", Creator), ("like", Like), ("follow", Follow))
    }
    sql = "SELECT p.id, p.published_at, p.like_count, p.updated_at, p.body_version, c.updated_at, c.handle, "
    sql += "c.follower_count"
    if signed_in:
        sql += ", EXISTS(SELECT 1 FROM {like} l WHERE l.user_id = %s AND l.post_id = p.id)"
        sql += ", EXISTS(SELECT 1 FROM {follow} f WHERE f.user_id = %s AND f.creator_id = p.creator_id)"
    sql += " FROM {post} p JOIN {creator} c ON c.id = p.creator_id"
    sql += " WHERE p.published_at IS NOT NULL AND p.status = %s AND c.status = %s AND NOT p.video = ''"
    if following:
        sql += " AND p.creator_id IN (SELECT fo.creator_id FROM {follow} fo WHERE fo.user_id = %s)"
    if after:
        sql += " AND (p.published_at < %s OR (p.published_at = %s AND p.id < %s))"
    if hashtag:
        sql += " AND p.caption " + connection.operators["iregex"].replace("{", "{{").replace("}", "}}")
    sql += " ORDER BY p.published_at DESC, p.id DESC LIMIT %s"
    return sql.format(**tables)


def feed_posts_for_page(
    *,
    before_cursor: str | None = None,
    limit: int = FEED_PAGE_SIZE,
    hashtag: str = "",
    followed_by=None,
    viewer=None,
    using: str = "default",
) -> FeedPage:
    """The posts of `feed_posts` as `PagePost`s (one query): their body versions, and whether the viewer likes
    each and follows its creator; `posts_for_bodies` loads what the bodies not cached show."""
    limit = max(1, min(limit, MAX_FEED_PAGE_SIZE))
    signed_in = viewer is not None and viewer.is_authenticated
    params: list = [viewer.pk, viewer.pk] if signed_in else []
    params += [VideoPost.Status.READY.value, Creator.Status.APPROVED.value]
    if followed_by is not None:
        params.append(followed_by.pk)
    if before_cursor:
        when, pk = decode_cursor(before_cursor)
        when = connections[using].ops.adapt_datetimefield_value(when)
        params += [when, when, pk]
    if hashtag:
        params.append(rf"#{re.escape(hashtag)}(\W|$)")  # a whole hashtag: #ootd but not #ootdaily
    params.append(limit + 1)
    sql = _page_sql(
        using, signed_in=signed_in, following=followed_by is not None, after=bool(before_cursor), hashtag=bool(hashtag)
    )
    with planned_cursor(using) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    posts = [
        PagePost(
            pk=row[0],
            published_at=_datetime(row[1], using),
            like_count=row[2],
            body_parts=row[3:6],
            creator_handle=row[6],
            follower_count=row[7],
            liked=bool(row[8]) if signed_in else False,
            followed=bool(row[9]) if signed_in else False,
        )
        for row in rows
    ]
    return _page(posts, limit)


# The columns a post's page and its body read (the rest, media pipeline and payout details, stay in the database).
PAGE_POST_FIELDS = (
    "creator",
    "caption",
    "video",
    "poster",
    "width",
    "height",
    "duration_seconds",
    "published_at",
    "like_count",
    "updated_at",
    "body_version",
    "creator__handle",
    "creator__display_name",
    "creator__follower_count",
    "creator__updated_at",
)


def post_for_page(*, post_id: int, viewer=None) -> VideoPost | None:
    """The post of `post_detail` without its tags (one query), with `body_parts` as `PagePost` has them, and
    `liked` and its creator's `followed` for the viewer (False for a guest); `load_post_bodies` adds the tags."""
    posts = VideoPost.objects.filter(_visible_to(viewer), pk=post_id).select_related("creator").only(*PAGE_POST_FIELDS)
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in:
        posts = posts.annotate(
            liked=Exists(Like.objects.filter(user=viewer, post=OuterRef("pk"))),
            creator_followed=Exists(Follow.objects.filter(user=viewer, creator=OuterRef("creator_id"))),
        )
    post = posts.first()
    if post is None:
        return None
    post.body_parts = (post.updated_at, post.body_version, post.creator.updated_at)
    if not signed_in:
        post.liked = post.creator_followed = False
    post.creator.followed = post.creator_followed
    return post


def posts_for_bodies(*, post_ids: list[int]) -> dict[int, VideoPost]:
    """Posts by id with what their bodies show: creator, visible tags with products, default variants and
    images (4 queries, however many posts and tags)."""
    posts = list(VideoPost.objects.filter(pk__in=post_ids).select_related("creator").only(*PAGE_POST_FIELDS))
    return {post.pk: post for post in load_post_bodies(posts)}


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
