"""The feed page, its next-page partial, the post and profile pages and the API read in a fixed number of queries."""

import pytest

from creators.tests.factories import CreatorFactory
from creators.tests.feed_helpers import post_with_tags

pytestmark = pytest.mark.django_db


def _counts(client, get_counting_queries, url, make_posts) -> tuple[int, int]:
    make_posts(1)
    client.get(url)  # warm per-process caches (content types)
    one_response, one = get_counting_queries(client, url)
    make_posts(19)
    many_response, many = get_counting_queries(client, url)
    assert (one_response.status_code, many_response.status_code) == (200, 200)
    return one, many


@pytest.mark.parametrize("url", ["/feed/", "/api/v1/feed/?limit=20", "/api/v1/creators/ada/", "/@ada/"])
def test_one_post_and_twenty_posts_with_five_tags_each_take_the_same_queries(client, get_counting_queries, url):
    creator = CreatorFactory(handle="ada")

    def make_posts(count):
        for _ in range(count):
            post_with_tags(5, creator=creator)

    one, many = _counts(client, get_counting_queries, url, make_posts)

    assert one == many
    if url.startswith("/api/v1/feed/"):
        body = client.get(url).json()
        assert len(body["results"]) == 20 and {len(post["tags"]) for post in body["results"]} == {5}


def test_the_feed_shows_twenty_posts_with_a_hundred_tags_in_the_same_queries_as_one(client, get_counting_queries):
    # The page shows 10 posts; both counts must include the tags' products, variants and images.
    one, many = _counts(client, get_counting_queries, "/feed/", lambda count: [post_with_tags(5) for _ in range(count)])
    html = client.get("/feed/").content.decode()

    assert one == many
    assert html.count("data-chip ") == 50


def test_a_post_page_takes_the_same_queries_with_one_tag_and_with_twenty(client, get_counting_queries):
    few = post_with_tags(1)
    lots = post_with_tags(20)
    client.get(f"/v/{few.pk}/")

    _, one = get_counting_queries(client, f"/v/{few.pk}/")
    _, twenty = get_counting_queries(client, f"/v/{lots.pk}/")

    assert one == twenty
