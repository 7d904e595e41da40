"""`/api/v1/feed/` items shared through the fragment cache: the same JSON as the serializer gives, and every
change a reader could see (a price, a title, a tag, a like) in the next answer.

The fragment cache is on here (FRAGMENT_CACHE_SECONDS) and empty at the start of each test; the page cache
is off, so each GET is answered fresh.
"""

from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIRequestFactory

from creators import selectors
from creators.api.serializers_feed import FeedPageSerializer
from creators.services import social
from creators.services import tags as tag_services
from creators.tests.feed_helpers import cold_and_warm, post_with_tags, tagged_product
from marketplace.tests.factories import UserFactory
from shop.services import catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged():
    variant = tagged_product(title="Blue teapot", price="19.99")
    post = post_with_tags(2, caption="Morning tea #tea")
    return tag_services.add_tag(post=post, product_id=variant.product_id, start_seconds=0)


def _serialized(url: str, **page) -> bytes:
    """What FeedPageSerializer makes of `feed_posts` (the full selector), as the API renders it."""
    request = APIRequestFactory().get(url)
    return JSONRenderer().render(FeedPageSerializer(selectors.feed_posts(**page), context={"request": request}).data)


@pytest.mark.parametrize(("query", "page"), [("", {}), ("?limit=2", {"limit": 2}), ("?tag=tea", {"hashtag": "tea"})])
def test_the_answer_is_the_serializers_from_the_database_and_from_the_cache(api_client, tagged, query, page):
    post_with_tags(1, minutes_ago=5)
    post_with_tags(3, minutes_ago=10, caption="Later #tea")
    url = f"/api/v1/feed/{query}"

    cold = api_client.get(url).content
    warm = api_client.get(url).content

    assert cold == warm == _serialized(url, **page)


def test_the_next_page_is_the_serializers_too(api_client, tagged):
    for minutes in range(1, 4):
        post_with_tags(1, minutes_ago=minutes)
    first = api_client.get("/api/v1/feed/?limit=2").json()
    cursor = first["next_cursor"]

    url = f"/api/v1/feed/?limit=2&cursor={cursor}"
    assert api_client.get(url).content == _serialized(url, limit=2, before_cursor=cursor)


def test_a_new_price_title_and_tag_show_in_the_next_answer(api_client, get_counting_queries, tagged):
    _, cold, warm = cold_and_warm(api_client, get_counting_queries, "/api/v1/feed/")
    assert warm < cold
    other = tagged_product(title="Red mug", price="8.00")

    catalog.update_variant(variant=tagged.product.variants.get(), data={"price": Decimal("24.50")})
    catalog.update_product(product=tagged.product, data={"title": "Green teapot"})
    tag_services.add_tag(post=tagged.post, product_id=other.product_id, start_seconds=1)

    [item] = api_client.get("/api/v1/feed/").json()["results"]
    products = {tag["product"]["title"]: tag["product"]["price"] for tag in item["tags"]}
    assert products["Green teapot"] == "24.50" and products["Red mug"] == "8.00"
    assert "Blue teapot" not in products


def test_a_like_counts_in_the_next_answer_while_the_item_stays_cached(api_client, get_counting_queries, tagged):
    _, cold, warm = cold_and_warm(api_client, get_counting_queries, "/api/v1/feed/")
    assert warm < cold

    social.like(user=UserFactory(), post=tagged.post)
    response, queries = get_counting_queries(api_client, "/api/v1/feed/")

    assert response.json()["results"][0]["like_count"] == 1
    assert queries == warm  # the item was not built again


def test_a_signed_in_reader_gets_the_same_answer_as_a_guest(api_client, tagged):
    social.like(user=(fan := UserFactory()), post=tagged.post)
    guest = api_client.get("/api/v1/feed/").content

    api_client.force_login(fan)

    assert api_client.get("/api/v1/feed/").content == guest
