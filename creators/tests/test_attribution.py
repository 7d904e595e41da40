"""Attribution at payment: the last click on the line's product by the same visitor within 7 days."""

from datetime import timedelta

import pytest
from django.utils import timezone

from creators.models import Creator
from creators.services.attribution import attribute_order
from creators.tests.factories import CreatorFactory, ProductTagFactory
from creators.tests.money import click, order_paid_at, tagged_variant
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "guest-cart-token"


def _credited(order):
    return [(line.attribution_tag_id, line.attribution_creator_id) for line in order.lines.order_by("pk")]


@pytest.fixture
def paid_at():
    return timezone.now().replace(microsecond=0)


def test_a_guest_click_6_days_23_hours_before_payment_credits_the_line(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(days=6, hours=23), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(tag.pk, tag.post.creator_id)]


def test_the_credited_creators_handle_is_kept_on_the_line_for_the_order_page(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(hours=1), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)
    handle = tag.post.creator.handle
    Creator.objects.filter(pk=tag.post.creator_id).update(handle="renamed.later")
    attribute_order(order_id=order.pk)  # again: the credit, and the name it was given under, stay

    assert order.lines.get().attribution_creator_handle == handle


def test_a_click_7_days_and_1_minute_before_payment_is_too_old(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(days=7, minutes=1), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_the_window_follows_the_setting(paid_at, settings):
    settings.CREATOR_ATTRIBUTION_WINDOW_DAYS = 1
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(hours=25), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_the_last_click_on_the_product_wins(paid_at):
    first, variant = tagged_variant()
    second = ProductTagFactory(product=first.product)
    click(first, at=paid_at - timedelta(days=3), session_key=TOKEN)
    click(second, at=paid_at - timedelta(days=1), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(second.pk, second.post.creator_id)]


def test_a_click_after_payment_does_not_count(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at + timedelta(minutes=1), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_another_visitors_click_does_not_count(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(hours=1), session_key="someone-else")
    click(tag, at=paid_at - timedelta(hours=1), user=UserFactory())
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_a_logged_in_buyer_is_matched_on_their_own_clicks(paid_at):
    buyer = UserFactory()
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(days=2), user=buyer)
    order = order_paid_at((variant, 1), paid_at=paid_at, user=buyer)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(tag.pk, tag.post.creator_id)]


def test_a_logged_in_buyer_is_also_matched_on_their_carts_token(paid_at):
    buyer = UserFactory()
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(days=2), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, user=buyer, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(tag.pk, tag.post.creator_id)]


def test_the_cart_tag_counts_after_log_in_when_its_anonymous_click_is_in_the_window(paid_at):
    # Clicked as a guest, then logged in: the token is gone, the cart line still names the tag.
    buyer = UserFactory()
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(days=2), session_key="token-dropped-at-log-in")
    order = order_paid_at((variant, 1), paid_at=paid_at, user=buyer, cart_tag=tag)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(tag.pk, tag.post.creator_id)]


def test_a_cart_tag_without_a_click_in_the_window_is_cleared(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(days=8), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN, cart_tag=tag)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_a_suspended_creator_is_never_credited(paid_at):
    tag, variant = tagged_variant(creator=CreatorFactory(status=Creator.Status.SUSPENDED))
    click(tag, at=paid_at - timedelta(hours=1), session_key=TOKEN)
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN, cart_tag=tag)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_a_tag_now_pointing_at_another_product_is_not_credited(paid_at):
    tag, variant = tagged_variant()
    click(tag, at=paid_at - timedelta(hours=1), session_key=TOKEN)
    other, _ = tagged_variant()
    tag.product = other.product  # the creator relinked the tag
    tag.save()
    order = order_paid_at((variant, 1), paid_at=paid_at, token=TOKEN, cart_tag=tag)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [(None, None)]


def test_each_line_goes_to_the_click_on_its_own_product(paid_at):
    shoes, shoe_variant = tagged_variant()
    hat, hat_variant = tagged_variant()
    _, untagged = tagged_variant()
    click(shoes, at=paid_at - timedelta(hours=3), session_key=TOKEN)
    click(hat, at=paid_at - timedelta(hours=2), session_key=TOKEN)
    order = order_paid_at((shoe_variant, 1), (hat_variant, 2), (untagged, 1), paid_at=paid_at, token=TOKEN)

    attribute_order(order_id=order.pk)

    assert _credited(order) == [
        (shoes.pk, shoes.post.creator_id),
        (hat.pk, hat.post.creator_id),
        (None, None),
    ]
