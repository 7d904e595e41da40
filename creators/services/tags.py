"""Product tags on video posts: which products can be tagged, adding, editing, relinking, deleting."""

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from creators.models import Creator, ProductTag, VideoPost
from creators.services.body_versions import touch_posts
from shop import selectors as shop_selectors

MAX_TAGS_PER_POST = 20
RELINK_MESSAGE = "This product is no longer sold: choose another one."


def taggable_products(*, q: str = ""):
    """Products a creator may tag (active, commission above 0, as the shop decides), title matching `q`, by title."""
    return shop_selectors.taggable_products(q=q)


def tags_needing_relink(*, creator: Creator) -> QuerySet[ProductTag]:
    """The creator's tags whose product is no longer sold (hidden from shoppers until relinked)."""
    return (
        ProductTag.objects.filter(post__creator=creator)
        .exclude(product__in=shop_selectors.products_on_sale())
        .select_related("product", "post")
        .order_by("post_id", "start_seconds", "id")
    )


def _decimal(value, field: str, *, required: bool) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: ["Enter a number of seconds."]})
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as error:
        raise ValidationError({field: ["Enter a number of seconds."]}) from error
    if not number.is_finite():
        raise ValidationError({field: ["Enter a number of seconds."]})
    return number


def _position(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise ValidationError({field: ["Enter a percentage from 0 to 100."]}) from error
    if not 0 <= number <= 100:
        raise ValidationError({field: ["Enter a percentage from 0 to 100."]})
    return number


def _check_times(post: VideoPost, start, end) -> tuple[Decimal, Decimal | None]:
    start = _decimal(start, "start_seconds", required=True)
    end = _decimal(end, "end_seconds", required=False)
    if post.duration_seconds is None or post.status != VideoPost.Status.READY:
        raise ValidationError("Tag products once the video has been processed.", code="not_ready")
    duration = Decimal(post.duration_seconds)
    if start < 0:
        raise ValidationError({"start_seconds": ["The start cannot be before the video begins (0 s)."]})
    if start > duration:
        raise ValidationError({"start_seconds": [f"The video is only {duration.normalize():f} s long."]})
    if end is not None and end <= start:
        raise ValidationError({"end_seconds": ["The end must come after the start."]})
    if end is not None and end > duration:
        raise ValidationError({"end_seconds": [f"The video is only {duration.normalize():f} s long."]})
    return start, end


class Placement(NamedTuple):
    """When and where a tag shows: seconds into the video, and percent of the frame (None: the default corner)."""

    start_seconds: Decimal
    end_seconds: Decimal | None
    position_x: int | None
    position_y: int | None


def check_placement(*, post: VideoPost, start_seconds, end_seconds=None, position_x=None, position_y=None) -> Placement:
    """The tag's times and position, checked: inside the processed video, inside the frame."""
    x, y = _position(position_x, "position_x"), _position(position_y, "position_y")
    start, end = _check_times(post, start_seconds, end_seconds)
    return Placement(start, end, x, y)


def check_taggable(*, product_id: int):
    """The product, when a tag may show it: active and offering creators a commission."""
    product = shop_selectors.taggable_product(product_id=product_id)
    if product is None:
        raise ValidationError(
            {"product": ["Choose an active product that offers creators a commission."]}, code="not_taggable"
        )
    return product


def check_room_for_tags(*, post: VideoPost, adding: int = 1) -> None:
    """Refuse to go past MAX_TAGS_PER_POST tags on the post when `adding` more (net of any removed in the same step)."""
    if adding > 0 and ProductTag.objects.filter(post=post).count() + adding > MAX_TAGS_PER_POST:
        raise ValidationError(f"A post holds at most {MAX_TAGS_PER_POST} product tags.", code="too_many_tags")


def add_tag(
    *,
    post: VideoPost,
    product_id: int,
    start_seconds,
    end_seconds=None,
    position_x=None,
    position_y=None,
) -> ProductTag:
    """Tag a product at a moment of the post (at most MAX_TAGS_PER_POST tags per post)."""
    product = check_taggable(product_id=product_id)
    with transaction.atomic():
        # The post row lock makes the count and the insert one step for concurrent requests.
        locked = VideoPost.objects.select_for_update().get(pk=post.pk)
        placement = check_placement(
            post=locked,
            start_seconds=start_seconds,
            end_seconds=end_seconds,
            position_x=position_x,
            position_y=position_y,
        )
        check_room_for_tags(post=locked)
        touch_posts(post_ids=[locked.pk])
        return ProductTag.objects.create(post=locked, product=product, **placement._asdict())


def update_tag(*, tag: ProductTag, start_seconds, end_seconds=None, position_x=None, position_y=None) -> ProductTag:
    """Change when and where a tag shows."""
    placement = check_placement(
        post=tag.post,
        start_seconds=start_seconds,
        end_seconds=end_seconds,
        position_x=position_x,
        position_y=position_y,
    )
    tag.start_seconds, tag.end_seconds, tag.position_x, tag.position_y = placement
    with transaction.atomic():
        touch_posts(post_ids=[tag.post_id])  # the post row first, as add_tag locks it
        tag.save(update_fields=["start_seconds", "end_seconds", "position_x", "position_y", "updated_at"])
    return tag


def relink_tag(*, tag: ProductTag, product_id: int) -> ProductTag:
    """Point a tag at another taggable product (typically because its product was archived)."""
    tag.product = check_taggable(product_id=product_id)
    with transaction.atomic():
        touch_posts(post_ids=[tag.post_id])
        tag.save(update_fields=["product", "updated_at"])
    return tag


def delete_tag(*, tag: ProductTag) -> None:
    """Remove a tag (clicks already recorded keep their product and post)."""
    with transaction.atomic():
        touch_posts(post_ids=[tag.post_id])
        tag.delete()
