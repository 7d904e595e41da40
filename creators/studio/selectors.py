"""Reads of the creator studio, shaped for its pages and the creator API."""

from django.db.models import Count, Prefetch, Q, QuerySet

from creators.models import Creator, ProductTag, VideoPost
from shop.selectors import products_on_sale


def studio_posts(*, creator: Creator) -> QuerySet[VideoPost]:
    """The creator's posts, newest first, each with its tag count and the count needing a relink."""
    return (
        VideoPost.objects.filter(creator=creator)
        .annotate(
            tag_count=Count("tags"),
            relink_count=Count("tags", filter=~Q(tags__product__in=products_on_sale())),
        )
        .order_by("-created_at", "-id")
    )


def _tags_with_products() -> QuerySet[ProductTag]:
    return ProductTag.objects.select_related("product").order_by("start_seconds", "id")


def studio_posts_with_tags(*, creator: Creator) -> QuerySet[VideoPost]:
    """The creator's posts with their tags and tagged products (for the API)."""
    return (
        VideoPost.objects.filter(creator=creator)
        .prefetch_related(
            Prefetch("tags", ProductTag.objects.select_related("product").order_by("start_seconds", "id"))
        )
        .order_by("-created_at", "-id")
    )


def post_of_creator(*, creator: Creator, post_id: int) -> VideoPost | None:
    return studio_posts_with_tags(creator=creator).filter(pk=post_id).first()


def tag_of_creator(*, creator: Creator, tag_id: int) -> ProductTag | None:
    return ProductTag.objects.filter(pk=tag_id, post__creator=creator).select_related("post", "product").first()
