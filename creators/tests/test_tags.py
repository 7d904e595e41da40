"""Product tags: only affiliate products, times within the video, positions, 20 per post, relink."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from creators.models import ProductTag
from creators.services import tags
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from shop.models import Product
from shop.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post():
    return VideoPostFactory(duration_seconds=Decimal("10.000"))


@pytest.fixture
def product():
    return ProductFactory(title="Silk scarf", status=Product.Status.ACTIVE, affiliate_commission_rate=Decimal("12"))


def _fields(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {}


def test_a_product_is_tagged_at_a_moment_with_an_optional_end_and_position(post, product):
    tag = tags.add_tag(
        post=post, product_id=product.pk, start_seconds="2", end_seconds="4.5", position_x=30, position_y=70
    )

    tag.refresh_from_db()
    assert (tag.product, tag.start_seconds, tag.end_seconds) == (product, Decimal("2.00"), Decimal("4.50"))
    assert (tag.position_x, tag.position_y) == (30, 70)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_seconds": "-1"}, "start_seconds"),
        ({"start_seconds": "10.5"}, "start_seconds"),
        ({"start_seconds": "abc"}, "start_seconds"),
        ({"start_seconds": "3", "end_seconds": "3"}, "end_seconds"),
        ({"start_seconds": "3", "end_seconds": "11"}, "end_seconds"),
        ({"position_x": 101}, "position_x"),
        ({"position_y": -1}, "position_y"),
    ],
)
def test_times_outside_the_video_and_positions_outside_the_frame_are_refused(post, product, changes, field):
    data = {"start_seconds": "2"} | changes

    with pytest.raises(ValidationError) as excinfo:
        tags.add_tag(post=post, product_id=product.pk, **data)

    assert field in _fields(excinfo.value)
    assert not ProductTag.objects.exists()


def test_the_last_second_of_the_video_is_a_valid_start(post, product):
    assert tags.add_tag(post=post, product_id=product.pk, start_seconds="10").start_seconds == Decimal("10.00")


@pytest.mark.parametrize(
    "product_kwargs",
    [
        {"affiliate_commission_rate": Decimal("0")},
        {"status": Product.Status.DRAFT},
        {"status": Product.Status.ARCHIVED},
    ],
)
def test_only_active_products_open_to_affiliates_can_be_tagged(post, product_kwargs):
    closed = ProductFactory(**({"status": Product.Status.ACTIVE, "affiliate_commission_rate": 10} | product_kwargs))

    with pytest.raises(ValidationError) as excinfo:
        tags.add_tag(post=post, product_id=closed.pk, start_seconds="1")

    assert "product" in _fields(excinfo.value)
    assert closed not in tags.taggable_products()


def test_the_product_search_finds_taggable_products_by_title(product):
    ProductFactory(title="Silk tie", affiliate_commission_rate=0)
    ProductFactory(title="Silk gloves", status=Product.Status.ARCHIVED)
    other = ProductFactory(title="Wool hat")

    assert list(tags.taggable_products(q="silk")) == [product]
    assert set(tags.taggable_products()) == {product, other}


def test_a_post_holds_at_most_twenty_tags(post, product):
    for second in range(tags.MAX_TAGS_PER_POST):
        tags.add_tag(post=post, product_id=product.pk, start_seconds=second % 10)

    with pytest.raises(ValidationError) as excinfo:
        tags.add_tag(post=post, product_id=product.pk, start_seconds="1")

    assert excinfo.value.code == "too_many_tags"
    assert post.tags.count() == 20


def test_a_post_still_processing_cannot_be_tagged(product):
    post = VideoPostFactory(status="processing", duration_seconds=None, published_at=None)

    with pytest.raises(ValidationError) as excinfo:
        tags.add_tag(post=post, product_id=product.pk, start_seconds="1")

    assert excinfo.value.code == "not_ready"


def test_update_changes_times_and_position(post, product):
    tag = tags.add_tag(post=post, product_id=product.pk, start_seconds="1")

    tags.update_tag(tag=tag, start_seconds="5", end_seconds="7", position_x=10, position_y=None)

    tag.refresh_from_db()
    assert (tag.start_seconds, tag.end_seconds, tag.position_x, tag.position_y) == (5, 7, 10, None)


def test_an_archived_product_asks_for_a_relink_and_the_relink_fixes_it(product):
    creator = CreatorFactory()
    tag = ProductTagFactory(post=VideoPostFactory(creator=creator), product=product)
    ProductTagFactory()  # another creator's tag, archived too, is not theirs to see
    Product.objects.filter(pk=product.pk).update(status=Product.Status.ARCHIVED)
    replacement = ProductFactory(title="Linen scarf")

    assert list(tags.tags_needing_relink(creator=creator)) == [tag]
    assert not ProductTag.objects.visible().filter(pk=tag.pk).exists()

    tags.relink_tag(tag=tag, product_id=replacement.pk)

    assert list(tags.tags_needing_relink(creator=creator)) == []
    assert ProductTag.objects.visible().get(pk=tag.pk).product == replacement


def test_a_relink_to_an_untaggable_product_changes_nothing(product):
    tag = ProductTagFactory(product=product)
    closed = ProductFactory(affiliate_commission_rate=0)

    with pytest.raises(ValidationError):
        tags.relink_tag(tag=tag, product_id=closed.pk)

    tag.refresh_from_db()
    assert tag.product == product
