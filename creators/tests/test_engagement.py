"""Impressions and tag clicks from the feed: checked, stored append-only in one batch, one click per tap."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creators.models import PostImpression, TagClick
from creators.tasks.engagement import record_engagement_task
from creators.tests.factories import VideoPostFactory
from creators.tests.feed_helpers import post_with_tags
from shop.models import Product
from shop.services.cart import CART_SESSION_KEY

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def _send(client, events, **headers):
    return client.post(
        "/feed/events/", data=json.dumps(events), content_type="application/json", **{**ORIGIN, **headers}
    )


def test_a_batch_of_impressions_and_clicks_is_stored_with_the_visitors_cart_token(client):
    first, second = post_with_tags(1), post_with_tags(0)
    tag = first.tags.get()

    response = _send(
        client,
        [
            {"type": "impression", "post": first.pk},
            {"type": "impression", "post": second.pk},
            {"type": "click", "tag": tag.pk},
        ],
    )

    assert response.status_code == 202
    token = client.session[CART_SESSION_KEY]
    assert len(token) >= 32
    assert sorted(PostImpression.objects.values_list("post_id", "creator_id", "session_key", "user_id")) == sorted(
        [(first.pk, first.creator_id, token, None), (second.pk, second.creator_id, token, None)]
    )
    click = TagClick.objects.get()
    assert (click.tag_id, click.post_id, click.product_id, click.creator_id) == (
        tag.pk,
        first.pk,
        tag.product_id,
        first.creator_id,
    )
    assert (click.session_key, click.user_id) == (token, None)


def test_the_visitor_keeps_one_key_across_batches_and_it_is_the_cart_token(client):
    post = post_with_tags(0)
    _send(client, [{"type": "impression", "post": post.pk}])
    token = client.session[CART_SESSION_KEY]

    _send(client, [{"type": "impression", "post": post.pk}])

    assert list(PostImpression.objects.values_list("session_key", flat=True)) == [token, token]


def test_a_logged_in_shoppers_events_carry_the_user(client, user):
    post = post_with_tags(0)
    client.force_login(user)

    _send(client, [{"type": "impression", "post": post.pk}])

    assert PostImpression.objects.get().user == user


@pytest.mark.parametrize(
    "bad",
    [
        "not a list",
        [],
        [{"type": "impression"}],
        [{"type": "view", "post": "POST"}],
        [{"type": "impression", "post": "1"}],
        [{"type": "impression", "post": True}],
        [{"type": "click", "post": "POST"}],
        [{"type": "impression", "post": "POST"}, "impression"],
    ],
)
def test_a_malformed_batch_is_a_400_and_nothing_is_stored(client, bad):
    post = post_with_tags(1)
    events = json.loads(json.dumps(bad).replace('"POST"', str(post.pk)))

    response = _send(client, events)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert PostImpression.objects.count() == TagClick.objects.count() == 0


def test_ids_of_drafts_hidden_tags_or_nothing_refuse_the_whole_batch(client):
    shown = post_with_tags(1)
    draft = VideoPostFactory(published_at=None)
    hidden_tag = post_with_tags(1).tags.get()
    Product.objects.filter(pk=hidden_tag.product_id).update(status=Product.Status.ARCHIVED)

    for bad in (
        {"type": "impression", "post": draft.pk},
        {"type": "click", "tag": hidden_tag.pk},
        {"type": "impression", "post": 999999},
    ):
        response = _send(client, [{"type": "impression", "post": shown.pk}, bad])
        assert response.status_code == 400

    assert PostImpression.objects.count() == TagClick.objects.count() == 0


def test_a_batch_above_the_limit_or_not_json_is_refused(client):
    post = post_with_tags(0)

    too_many = _send(client, [{"type": "impression", "post": post.pk}] * 51)
    not_json = client.post("/feed/events/", data="{oops", content_type="application/json", **ORIGIN)

    assert (too_many.status_code, not_json.status_code) == (400, 400)
    assert PostImpression.objects.count() == 0


def test_a_batch_from_another_site_is_refused(client):
    post = post_with_tags(0)

    response = _send(client, [{"type": "impression", "post": post.pk}], HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403
    assert PostImpression.objects.count() == 0


def test_one_batch_is_one_task_that_makes_one_insert_per_kind(client, monkeypatch):
    posts = [post_with_tags(1) for _ in range(3)]
    sent = []
    monkeypatch.setattr("creators.feed.views.record_engagement_task.delay", lambda **kwargs: sent.append(kwargs))

    _send(
        client,
        [{"type": "impression", "post": post.pk} for post in posts]
        + [{"type": "click", "tag": posts[0].tags.get().pk}],
    )
    assert PostImpression.objects.count() == 0  # the request itself writes nothing
    [task_kwargs] = sent
    with CaptureQueriesContext(connection) as queries:
        record_engagement_task(**task_kwargs)

    inserts = [query["sql"].split('"')[1] for query in queries if query["sql"].startswith("INSERT")]
    assert sorted(inserts) == ["creators_postimpression", "creators_tagclick"]
    assert PostImpression.objects.count() == 3 and TagClick.objects.count() == 1


def test_opening_the_sheet_records_the_tap_once_even_if_the_feed_reports_it_too(client):
    tag = post_with_tags(1).tags.get()

    client.get(f"/feed/sheet/{tag.pk}/")
    _send(client, [{"type": "click", "tag": tag.pk}])  # a beacon retried or sent by an older page

    click = TagClick.objects.get()
    assert click.session_key == client.session[CART_SESSION_KEY]


def test_stored_rows_are_appended_not_updated(client):
    post = post_with_tags(0)
    _send(client, [{"type": "impression", "post": post.pk}])
    first = PostImpression.objects.get()

    _send(client, [{"type": "impression", "post": post.pk}])

    assert PostImpression.objects.count() == 2
    assert PostImpression.objects.get(pk=first.pk).created_at == first.created_at
