"""Reads of creators' posts shaped for the feed, the post page, profiles and the public API.

Every read prefetches what its page shows (creator, visible tags with product, default variant
and first image), so the number of queries does not depend on how many posts or tags there are.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
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


def feed_posts(
    *, before_cursor: str | None = None, limit: int = FEED_PAGE_SIZE, hashtag: str = "", followed_by=None
) -> FeedPage:
    """Published posts, newest first, `limit` of them after the cursor; optionally only those with #hashtag,
    or only those of creators `followed_by` (a user) follows (the Following tab)."""
    limit = max(1, min(limit, MAX_FEED_PAGE_SIZE))
    posts = VideoPost.objects.published().order_by("-published_at", "-id")
    if followed_by is not None:
        posts = posts.filter(creator__in=Follow.objects.filter(user=followed_by).values("creator_id"))
    if before_cursor:
        when, pk = decode_cursor(before_cursor)
        posts = posts.filter(Q(published_at__lt=when) | Q(published_at=when, pk__lt=pk))
    if hashtag:
        # A whole hashtag: #ootd but not #ootdaily.
        posts = posts.filter(caption__iregex=rf"#{re.escape(hashtag)}(\W|$)")
    page = _decorate(list(_with_tags(posts)[: limit + 1]))
    has_more = len(page) > limit
    page = page[:limit]
    return FeedPage(posts=page, next_cursor=encode_cursor(page[-1]) if has_more else None)


def post_detail(*, post_id: int, viewer=None) -> VideoPost | None:
    """A published post, or any post of the viewer's own creator profile (drafts included); else None."""
    visible = Q(pk__in=VideoPost.objects.published().values("pk"))
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(creator__user=viewer)
    post = _with_tags(VideoPost.objects.filter(visible, pk=post_id)).first()
    return _decorate([post])[0] if post is not None else None


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


def mark_for_viewer(posts: list[VideoPost], *, viewer) -> list[VideoPost]:
    """Give each post `liked` and its creator `followed` for the viewer: two queries when logged in, none else."""
    liked: set[int] = set()
    followed: set[int] = set()
    if viewer is not None and viewer.is_authenticated and posts:
        liked = set(Like.objects.filter(user=viewer, post__in=[p.pk for p in posts]).values_list("post_id", flat=True))
        creator_ids = {post.creator_id for post in posts}
        followed = set(Follow.objects.filter(user=viewer, creator__in=creator_ids).values_list("creator_id", flat=True))
    for post in posts:
        post.liked = post.pk in liked
        post.creator.followed = post.creator_id in followed
    return posts


def follows(*, viewer, creator: Creator) -> bool:
    """Whether the viewer follows the creator (no query for a guest)."""
    return bool(viewer.is_authenticated and Follow.objects.filter(user=viewer, creator=creator).exists())


def approved_creator(*, handle: str) -> Creator | None:
    return Creator.objects.filter(handle=handle, status=Creator.Status.APPROVED).first()


def published_post(*, post_id: int) -> VideoPost | None:
    return VideoPost.objects.published().select_related("creator").filter(pk=post_id).first()
