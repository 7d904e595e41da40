"""GET /api/v1/creator/earnings/: the creator's own numbers only, permissions, constant queries."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from creators.models import Creator, PostImpression
from creators.services.commissions import record_order_commissions
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from creators.tests.money import click, order_paid_at, tagged_variant
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/creator/earnings/"


def _sale(creator, *, quantity=2):
    token = uuid.uuid4().hex
    now = timezone.now()
    tag, variant = tagged_variant(creator=creator, price="20.00")
    PostImpression.objects.create(post=tag.post, creator=creator, session_key=token)
    # Earlier today, even in the first hour of a day: the last day of the summary counts it.
    click(
        tag, at=max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=0, microsecond=0)), session_key=token
    )
    order = order_paid_at((variant, quantity), paid_at=now, token=token)
    record_order_commissions(order_id=order.pk)
    return tag


def test_the_summary_posts_tags_and_days_of_the_creator(api_client):
    creator = CreatorFactory()
    tag = _sale(creator)
    _sale(CreatorFactory())  # someone else's
    api_client.force_authenticate(creator.user)

    response = api_client.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["impressions"], body["clicks"], body["add_to_carts"], body["orders"]) == (1, 1, 1, 1)
    assert body["money"] == [
        {
            "currency": "USD",
            "sales": "40.00",
            "commission_pending_cents": 400,
            "commission_payable_cents": 0,
            "commission_paid_cents": 0,
        }
    ]
    [post] = body["posts"]
    assert (post["id"], post["impressions"], post["orders"], post["commission_cents"]) == (tag.post_id, 1, 1, 400)
    [tag_stats] = post["tags"]
    assert (tag_stats["id"], tag_stats["clicks"], tag_stats["orders"], tag_stats["sales"]) == (tag.pk, 1, 1, "40.00")
    assert tag_stats["conversion_percent"] == "100.0"
    assert len(body["days"]) == 30
    assert body["days"][-1] == {
        "day": timezone.now().date().isoformat(),
        "clicks": 1,
        "orders": 1,
        "commission_cents": 400,
    }
    assert body["payouts"] == [] and body["payouts_enabled"] is False


def test_anonymous_is_refused(api_client):
    response = api_client.get(URL)

    assert response.status_code in (401, 403)
    assert response.json()["code"]


def test_a_user_without_a_creator_profile_is_refused(api_client):
    api_client.force_authenticate(UserFactory())

    response = api_client.get(URL)

    assert response.status_code == 403


def test_a_suspended_creator_is_refused(api_client):
    creator = CreatorFactory(status=Creator.Status.SUSPENDED)
    api_client.force_authenticate(creator.user)

    response = api_client.get(URL)

    assert (response.status_code, response.json()["code"]) == (403, "creator_not_approved")


def test_as_many_queries_for_many_posts_and_tags_as_for_one(api_client):
    creator = CreatorFactory()
    _sale(creator)
    api_client.force_authenticate(creator.user)
    api_client.get(URL)
    with CaptureQueriesContext(connection) as one:
        api_client.get(URL)
    for _ in range(5):
        post = VideoPostFactory(creator=creator)
        for _ in range(4):
            ProductTagFactory(post=post)
    _sale(creator)

    with CaptureQueriesContext(connection) as many:
        response = api_client.get(URL)

    assert len(response.json()["posts"]) == 7
    assert len(many) == len(one)
