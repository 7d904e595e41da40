"""A post's stored `body_version`: moved in the transaction of every change to what its body shows.

The feed and post pages key each post's cached body on (id, `updated_at`, its creator's `updated_at`,
`body_version`), read in the page's one query. The post's own row and its creator's move `updated_at`
when saved; what lives in other rows moves `body_version`: the tag services here, and the shop's
`product_shown_changed` signal (a tagged product's title, status, prices, images or rating), received in
`creators.receivers` inside the shop's transaction.
"""

from collections.abc import Iterable

from django.db.models import F

from creators.models import ProductTag, VideoPost


def touch_posts(*, post_ids: Iterable[int]) -> None:
    """Move these posts' body versions (call inside the transaction of the change)."""
    _bump(VideoPost.objects.filter(pk__in=list(post_ids)))


def touch_posts_tagging(*, product_ids: Iterable[int]) -> None:
    """Move the body versions of every post tagging one of these products, shown or hidden (one query)."""
    tagging = ProductTag.objects.filter(product_id__in=list(product_ids)).values("post_id")
    _bump(VideoPost.objects.filter(pk__in=tagging))


def _bump(posts) -> None:
    # The rows locked in primary-key order (a subquery FOR UPDATE; SQLite takes no row locks), so two changes
    # touching the same posts wait for each other instead of deadlocking.
    locked = posts.order_by("pk").select_for_update().values("pk")
    VideoPost.objects.filter(pk__in=locked).update(body_version=F("body_version") + 1)
