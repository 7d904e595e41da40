"""Impressions and tag clicks: checked in the request, written append-only in batches off the request path."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from creators.models import PostImpression, ProductTag, TagClick, VideoPost

MAX_EVENTS_PER_BATCH = 50
EVENT_TYPES = ("impression", "click")
# A tap opens the product sheet, which records the click itself; a click for the same tag by the
# same visitor reported again within this window (a retried beacon, a double tap) is the same tap.
CLICK_DEDUPE_SECONDS = 30


class InvalidEvents(ValueError):
    """A batch we refuse as a whole: `fields` says what is wrong (nothing of it is stored)."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


@dataclass(frozen=True)
class EngagementBatch:
    """Checked events as plain ids for a task: impressions (post, creator), clicks (tag, post, product, creator)."""

    impressions: list[tuple[int, int]]
    clicks: list[tuple[int, int, int, int]]

    def as_task_kwargs(self) -> dict:
        return {"impressions": [list(row) for row in self.impressions], "clicks": [list(row) for row in self.clicks]}


def _parse(events: object) -> tuple[list[int], list[int]]:
    if not isinstance(events, list) or not events:
        raise InvalidEvents("Send a JSON list of events.", {"events": ["Expected a non-empty list."]})
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise InvalidEvents(
            f"At most {MAX_EVENTS_PER_BATCH} events per batch.",
            {"events": [f"Ensure this list has at most {MAX_EVENTS_PER_BATCH} items."]},
        )
    posts, tags = [], []
    for index, event in enumerate(events):
        kind = event.get("type") if isinstance(event, dict) else None
        key = "post" if kind == "impression" else "tag"
        value = event.get(key) if isinstance(event, dict) else None
        if kind not in EVENT_TYPES or not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidEvents(
                "Each event is {type: impression, post: id} or {type: click, tag: id}.",
                {f"events[{index}]": ["Expected {type: impression, post: id} or {type: click, tag: id}."]},
            )
        (posts if kind == "impression" else tags).append(value)
    return posts, tags


def resolve_events(*, events: object) -> EngagementBatch:
    """Check a batch from the feed: every id must be a published post or a visible tag on one (2 queries)."""
    post_ids, tag_ids = _parse(events)
    published = VideoPost.objects.published()
    creators = dict(published.filter(pk__in=post_ids).values_list("pk", "creator_id")) if post_ids else {}
    tags = {}
    if tag_ids:
        rows = (
            ProductTag.objects.visible()
            .filter(pk__in=tag_ids, post__in=published)
            .values_list("pk", "post_id", "product_id", "post__creator_id")
        )
        tags = {row[0]: row for row in rows}
    unknown = sorted({pk for pk in post_ids if pk not in creators} | {pk for pk in tag_ids if pk not in tags})
    if unknown:
        raise InvalidEvents(
            "Some events name posts or tags that are not shown.",
            {"events": [f"Unknown or hidden id: {pk}." for pk in unknown]},
        )
    return EngagementBatch(
        impressions=[(pk, creators[pk]) for pk in post_ids],
        clicks=[tags[pk] for pk in tag_ids],
    )


def _recent_click_tags(*, tag_ids: set[int], user_id: int | None, session_key: str, since: datetime) -> set[int]:
    visitor = Q(user_id=user_id) if user_id else Q(session_key=session_key)
    if not user_id and not session_key:
        return set()
    return set(
        TagClick.objects.filter(visitor, tag_id__in=tag_ids, created_at__gte=since).values_list("tag_id", flat=True)
    )


def record_engagement(
    *,
    impressions: list[tuple[int, int]] | list[list[int]],
    clicks: list[tuple[int, int, int, int]] | list[list[int]],
    user_id: int | None,
    session_key: str,
    at: datetime | None = None,
) -> tuple[int, int]:
    """Append a visitor's impressions and tag clicks (one insert each); returns how many of each were stored."""
    at = at or timezone.now()
    session_key = session_key or ""
    with transaction.atomic():
        impression_rows = [
            PostImpression(
                post_id=post_id, creator_id=creator_id, user_id=user_id, session_key=session_key, created_at=at
            )
            for post_id, creator_id in impressions
        ]
        PostImpression.objects.bulk_create(impression_rows)
        seen = _recent_click_tags(
            tag_ids={row[0] for row in clicks},
            user_id=user_id,
            session_key=session_key,
            since=at - timedelta(seconds=CLICK_DEDUPE_SECONDS),
        )
        click_rows = []
        for tag_id, post_id, product_id, creator_id in clicks:
            if tag_id in seen:
                continue
            seen.add(tag_id)
            click_rows.append(
                TagClick(
                    tag_id=tag_id,
                    post_id=post_id,
                    product_id=product_id,
                    creator_id=creator_id,
                    user_id=user_id,
                    session_key=session_key,
                    created_at=at,
                )
            )
        TagClick.objects.bulk_create(click_rows)
    return len(impression_rows), len(click_rows)


def record_tag_click(*, tag: ProductTag, user_id: int | None, session_key: str) -> bool:
    """Record one tap on a tag (the product sheet opened); False when the same tap was already recorded."""
    _, stored = record_engagement(
        impressions=[],
        clicks=[(tag.pk, tag.post_id, tag.product_id, tag.post.creator_id)],
        user_id=user_id,
        session_key=session_key,
    )
    return stored == 1
