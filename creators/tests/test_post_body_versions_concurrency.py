"""Sellers change products tagged on the same posts at the same moment, for real, on PostgreSQL with threads:
every change commits and moves every tagging post's body version once (none lost), and the feed then shows
every new price."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
from django.db import connection

from creators.models import VideoPost
from creators.services import body_versions
from creators.services import tags as tag_services
from creators.tests.feed_helpers import post_with_tags, tagged_product
from shop.services import catalog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PRODUCTS = 4
POSTS = 6


def test_changes_to_products_tagged_on_the_same_posts_at_once_each_move_every_post(client, monkeypatch):
    variants = [tagged_product(title=f"Product {index}", price="10.00") for index in range(PRODUCTS)]
    posts = [post_with_tags(minutes_ago=index) for index in range(POSTS)]
    # Each post tags every product, in a different order, so the changes meet on every post.
    for index, post in enumerate(posts):
        for variant in variants[index % PRODUCTS :] + variants[: index % PRODUCTS]:
            tag_services.add_tag(post=post, product_id=variant.product_id, start_seconds=0)
    before = dict(VideoPost.objects.values_list("pk", "body_version"))
    client.get("/feed/")  # the bodies cached at the old prices
    barrier = Barrier(PRODUCTS)
    real_bump = body_versions._bump

    def bump_together(posts) -> None:
        barrier.wait(timeout=20)  # every change reaches the posts at the same moment
        real_bump(posts)

    monkeypatch.setattr(body_versions, "_bump", bump_together)

    def change(index: int) -> None:
        try:
            catalog.update_variant(variant=variants[index], data={"price": Decimal(f"2{index}.50")})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=PRODUCTS) as pool:
        list(pool.map(change, range(PRODUCTS)))

    after = dict(VideoPost.objects.values_list("pk", "body_version"))
    assert {pk: after[pk] - before[pk] for pk in before} == {post.pk: PRODUCTS for post in posts}
    html = client.get("/feed/").content.decode()
    assert all(f"$2{index}.50" in html for index in range(PRODUCTS)) and "$10.00" not in html
