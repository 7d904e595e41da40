"""Following creators and liking posts: each write idempotent, each counter moved only by a real change."""

from django.db import IntegrityError, transaction
from django.db.models import F

from creators.models import Creator, Follow, Like, VideoPost


def follow(*, user, creator: Creator) -> bool:
    """The user follows the creator; True when they did not already (the counter moves only then)."""
    try:
        with transaction.atomic():
            Follow.objects.create(user=user, creator=creator)
            Creator.objects.filter(pk=creator.pk).update(follower_count=F("follower_count") + 1)
    except IntegrityError:  # already following (two taps at once included): nothing changes
        return False
    return True


def unfollow(*, user, creator: Creator) -> bool:
    """The user no longer follows the creator; True when they did."""
    with transaction.atomic():
        deleted, _ = Follow.objects.filter(user=user, creator=creator).delete()
        if deleted:
            Creator.objects.filter(pk=creator.pk).update(follower_count=F("follower_count") - 1)
    return bool(deleted)


def like(*, user, post: VideoPost) -> bool:
    """The user likes the post; True when they did not already."""
    try:
        with transaction.atomic():
            Like.objects.create(user=user, post=post)
            VideoPost.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
    except IntegrityError:
        return False
    return True


def unlike(*, user, post: VideoPost) -> bool:
    """The user no longer likes the post; True when they did."""
    with transaction.atomic():
        deleted, _ = Like.objects.filter(user=user, post=post).delete()
        if deleted:
            VideoPost.objects.filter(pk=post.pk).update(like_count=F("like_count") - 1)
    return bool(deleted)
