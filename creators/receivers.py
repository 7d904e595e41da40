"""Creators' reactions to facts (the shop's orders, their own uploads); each handler is idempotent.

Registered with marketplace.outbox: each runs as its own Celery task after the fact commits; the shop's
signals (`shop.signals`) are received in the shop's transaction.
"""

from typing import Any

from django.dispatch import receiver

from creators import events
from creators.models import Creator
from creators.services import body_versions, commissions, post_media, posts, profiles
from shop import events as shop_events
from shop import signals as shop_signals

Payload = dict[str, Any]
# Transcoding a 10-minute upload takes minutes, far past the project's default 120 s task limit.
VIDEO_SOFT_TIME_LIMIT = 30 * 60


@shop_events.order_paid.handler("creators.record_commissions", atomic=False)
def record_commissions_of_paid_order(payload: Payload) -> None:
    """Idempotent by itself (attribution decided the same on a replay, one earning per line, keyed postings),
    so it runs in no transaction of the outbox's: an order no tag sold (most) only reads, with no BEGIN/COMMIT."""
    commissions.record_order_commissions(order_id=payload["order_id"])


@shop_events.order_refunded.handler("creators.apply_refunds")
def reverse_commissions_of_refunded_order(payload: Payload) -> None:
    commissions.apply_order_refunds(order_id=payload["order_id"])


@events.video_uploaded.handler(
    "creators.process_video", queue="media", atomic=False, soft_time_limit=VIDEO_SOFT_TIME_LIMIT
)
def process_video(payload: Payload) -> None:
    """Probe, poster, transcode; safe to run twice (only a `processing` post is worked on)."""
    posts.process_post(post_id=payload["post_id"])


@events.post_visibility_changed.handler(
    "creators.sync_post_media", queue="media", atomic=False, soft_time_limit=VIDEO_SOFT_TIME_LIMIT
)
def sync_post_media(payload: Payload) -> None:
    """Public copies made or deleted; safe to run twice (it compares the post with its public folder)."""
    post_media.sync_post_media(post_id=payload["post_id"])


@events.avatar_uploaded.handler("creators.avatar_renditions", queue="media", atomic=False)
def make_avatar_renditions(payload: Payload) -> None:
    creator = Creator.objects.filter(pk=payload["creator_id"]).first()
    if creator is not None:
        profiles.make_avatar_renditions(creator=creator)


@receiver(shop_signals.product_shown_changed, dispatch_uid="creators.touch_post_bodies")
def touch_bodies_of_posts_tagging(sender, *, product_ids: list[int], **kwargs) -> None:
    """In the shop's transaction: the posts tagging these products show them anew on the next page."""
    body_versions.touch_posts_tagging(product_ids=product_ids)
