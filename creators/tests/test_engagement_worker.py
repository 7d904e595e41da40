"""A batch from the feed is written by a real Celery worker process, over the real broker, off the request."""

import json
import time

import pytest

from creators.models import PostImpression, TagClick
from creators.tests.feed_helpers import post_with_tags
from marketplace.celery import app as celery_app
from shop.services.cart import CART_SESSION_KEY

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_stores_the_batch(client, celery_worker_process):
    celery_app.conf.task_always_eager = False
    post = post_with_tags(1)
    tag = post.tags.get()

    response = client.post(
        "/feed/events/",
        data=json.dumps([{"type": "impression", "post": post.pk}, {"type": "click", "tag": tag.pk}]),
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
    )

    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not TagClick.objects.exists():
        time.sleep(0.2)
    token = client.session[CART_SESSION_KEY]
    assert list(PostImpression.objects.values_list("post_id", "session_key")) == [(post.pk, token)]
    assert list(TagClick.objects.values_list("tag_id", "session_key")) == [(tag.pk, token)]
