"""The feed page, its next-page partial, the post and profile pages and the API read in a fixed number of queries.

Post bodies on the feed and post pages come from the cache when it holds them ("warm"); with an empty
cache ("cold") their tags, variants and images are read too. Both are counted, for one post and many.
"""

import pytest

from creators.services import social
from creators.tests.factories import CreatorFactory
from creators.tests.feed_helpers import cold_and_warm, post_with_tags
from fulfillment.tests.factories import stock_of
from marketplace.tests.factories import UserFactory
from shop.models import Cart
from shop.services.cart import add_to_cart
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

# The posts with their creators, body versions and the viewer's likes and follows.
POSTS = 1
# Only for posts whose body is not cached: the posts with their creators, their visible tags with products, the
# variants, the images.
BODIES = 4
# A signed-in shopper's page: the user (who knows whether they sell: the header's seller-dashboard link) and the
# header's cart count; the next-page partial has no header. The session comes from the cache: a query only cold.
SIGNED_IN = 2
SIGNED_IN_PARTIAL = 1
# The feed's pages are shared whole (shop.page_shell): the header's cart count comes with the user.
SIGNED_IN_FEED = 1
SESSION = 1


def _counts(client, get_counting_queries, url, make_posts) -> tuple[tuple[int, int], tuple[int, int]]:
    """((cold, warm) with one post, (cold, warm) with twenty)."""
    make_posts(1)
    client.get(url)  # warm per-process caches (content types)
    one_response, *one = cold_and_warm(client, get_counting_queries, url)
    make_posts(19)
    many_response, *many = cold_and_warm(client, get_counting_queries, url)
    assert (one_response.status_code, many_response.status_code) == (200, 200)
    return tuple(one), tuple(many)


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

    assert one == many == (POSTS + BODIES, POSTS)
    assert html.count("data-chip ") == 50


def test_a_post_page_takes_the_same_queries_with_one_tag_and_with_twenty(client, get_counting_queries):
    few = post_with_tags(1)
    lots = post_with_tags(20)
    client.get(f"/v/{few.pk}/")

    _, *one = cold_and_warm(client, get_counting_queries, f"/v/{few.pk}/")
    _, *twenty = cold_and_warm(client, get_counting_queries, f"/v/{lots.pk}/")

    assert one == twenty == [POSTS + BODIES, POSTS]


@pytest.fixture
def shopper(client):
    """A signed-in shopper with a cart line, who follows one creator and likes one post."""
    shopper = UserFactory()
    client.force_login(shopper)
    add_to_cart(cart=Cart.objects.create(user=shopper), variant=stock_of(VariantFactory(), quantity=5).variant)
    liked = post_with_tags(2, minutes_ago=100)
    social.like(user=shopper, post=liked)
    social.follow(user=shopper, creator=liked.creator)
    return shopper


@pytest.mark.parametrize(
    ("url", "signed_in"),
    [("/feed/", SIGNED_IN_FEED), ("/feed/following/", SIGNED_IN_FEED), ("/feed/page/?following=1", SIGNED_IN_PARTIAL)],
)
def test_a_signed_in_shoppers_feed_takes_the_same_few_queries_for_one_post_and_ten(
    client, get_counting_queries, shopper, url, signed_in
):
    def make_posts(count):
        for _ in range(count):
            post = post_with_tags(5)
            social.follow(user=shopper, creator=post.creator)
            social.like(user=shopper, post=post)

    one, many = _counts(client, get_counting_queries, url, make_posts)

    assert one == many == (SESSION + signed_in + POSTS + BODIES, signed_in + POSTS)
    assert client.get(url).content.decode().count('aria-pressed="true">Following') == 10


def test_a_signed_in_shoppers_post_page_takes_the_same_queries_as_a_guests_and_the_session(
    client, get_counting_queries, shopper
):
    post = post_with_tags(20)
    client.get(f"/v/{post.pk}/")

    _, cold, warm = cold_and_warm(client, get_counting_queries, f"/v/{post.pk}/")

    assert (cold, warm) == (SESSION + SIGNED_IN + POSTS + BODIES, SIGNED_IN + POSTS)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_feed_api_takes_one_query_with_its_items_cached_for_one_post_and_twenty(
    client, get_counting_queries, signed_in
):
    # Items are shared from the cache like bodies; a signed-in reader adds the user (the session is cached).
    if signed_in:
        client.force_login(UserFactory())
    user = 1 if signed_in else 0
    session = SESSION if signed_in else 0

    one, many = _counts(
        client, get_counting_queries, "/api/v1/feed/?limit=20", lambda n: [post_with_tags(5) for _ in range(n)]
    )

    assert one == many == (session + user + POSTS + BODIES, user + POSTS)
