"""Celery tasks: video and avatar processing (queue `media`, routed by `creators.tasks.media.*`)."""

from celery import shared_task

from creators.models import Creator
from creators.services import posts, profiles

# Transcoding a 10-minute upload takes minutes, far past the project's default 120 s task limit.
VIDEO_SOFT_TIME_LIMIT = 30 * 60


@shared_task(acks_late=True, soft_time_limit=VIDEO_SOFT_TIME_LIMIT, time_limit=VIDEO_SOFT_TIME_LIMIT + 60)
def process_video(post_id: int) -> str | None:
    """Probe, poster, transcode one post; safe to run twice (only a `processing` post is worked on)."""
    post = posts.process_post(post_id=post_id)
    return post.status if post is not None else None


@shared_task(bind=True, acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def make_avatar_renditions(self, creator_id: int) -> dict | None:
    """Resize a creator's avatar into its WebP and JPEG renditions."""
    creator = Creator.objects.filter(pk=creator_id).first()
    if creator is None:
        return None
    return profiles.make_avatar_renditions(creator=creator)
