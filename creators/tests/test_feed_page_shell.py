"""The feed's pages shared whole per kind of header (shop.page_shell): every shopper still sees their own likes,
follows, name and cart count, and the counts, tags and prices as they are now.

The page is stored once per kind of header with a marker where each post's like and follow row goes; these tests
sign in more than one shopper on the same stored page and check that nothing of one shows to another.
"""

import re
from decimal import Decimal

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.shortcuts import render
from django.test import Client, RequestFactory
from django.urls import reverse

from creators import selectors
from creators.feed.bodies import post_items
from creators.feed.views import feed
from creators.services import social
from creators.services import tags as tag_services
from creators.tests.factories import CreatorFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product
from fulfillment.tests.factories import stock_of
from marketplace.tests.factories import UserFactory
from shop.models import Cart
from shop.services import catalog
from shop.services.cart import add_to_cart
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db
OUR_ORIGIN = {"Origin": "http://testserver"}


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def article(html: str, post) -> str:
    """The post's article on the page: its body and the like, share and follow row under it."""
    start = html.index(f'id="post-{post.pk}"')
    return html[start : html.index("</article>", start)]


def likes(html: str, post) -> bool:
    shown = article(html, post)
    liked = 'aria-pressed="true"><span aria-hidden="true">♥</span> Liked</button>' in shown
    assert liked or 'aria-pressed="false"><span aria-hidden="true">♥</span> Like</button>' in shown
    return liked


def follows(html: str, post) -> bool:
    shown = article(html, post)
    followed = 'aria-pressed="true">Following<' in shown
    assert followed or 'aria-pressed="false">Follow<' in shown
    return followed


def signed_in(username: str, cart_units: int = 0) -> Client:
    user = UserFactory(username=username)
    if cart_units:
        variant = stock_of(VariantFactory(), quantity=10).variant
        add_to_cart(cart=Cart.objects.create(user=user), variant=variant, quantity=cart_units)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def two_posts():
    """Two posts by two creators, each tagging a product."""
    first = post_with_tags(1, creator=CreatorFactory(handle="ada"), minutes_ago=1)
    second = post_with_tags(1, creator=CreatorFactory(handle="bob"), minutes_ago=2)
    return first, second


def test_two_shoppers_on_one_shared_page_each_see_their_own_likes_follows_name_and_cart(two_posts):
    first, second = two_posts
    ann, ben = signed_in("ann", cart_units=2), signed_in("ben", cart_units=5)
    social.like(user=ann.user, post=first)
    social.follow(user=ann.user, creator=first.creator)
    social.like(user=ben.user, post=second)
    social.follow(user=ben.user, creator=second.creator)
    social.follow(user=ben.user, creator=first.creator)

    anns, bens, anns_again = (client.get("/feed/").content.decode() for client in (ann, ben, ann))

    assert (likes(anns, first), likes(anns, second), follows(anns, first), follows(anns, second)) == (
        True,
        False,
        True,
        False,
    )
    assert (likes(bens, first), likes(bens, second), follows(bens, first), follows(bens, second)) == (
        False,
        True,
        True,
        True,
    )
    assert anns_again == anns
    # Counts are everyone's: one like each, and ada has two followers, bob one.
    for html in (anns, bens):
        assert "1 like<" in article(html, first) and "1 like<" in article(html, second)
        assert "2 followers<" in article(html, first) and "1 follower<" in article(html, second)
    assert "Log out ann" in anns and "ben" not in words(anns) and "Cart (2)" in words(anns)
    assert "Log out ben" in bens and "ann" not in words(bens) and "Cart (5)" in words(bens)
    assert "personal-" not in anns + bens


def test_a_like_and_a_follow_show_on_that_shoppers_next_page_only(two_posts):
    first, _ = two_posts
    ann, ben = signed_in("ann"), signed_in("ben")
    for client in (ann, ben):
        assert not likes(client.get("/feed/").content.decode(), first)

    ann.post(reverse("feed-post-like", args=[first.pk]), {"action": "like", "next": "/feed/"}, headers=OUR_ORIGIN)
    ann.post(
        reverse("feed-creator-follow", args=[first.creator.handle]),
        {"action": "follow", "next": "/feed/"},
        headers=OUR_ORIGIN,
    )

    anns, bens = ann.get("/feed/").content.decode(), ben.get("/feed/").content.decode()
    assert likes(anns, first) and follows(anns, first)
    assert not likes(bens, first) and not follows(bens, first)
    assert "1 like<" in article(bens, first) and "1 follower<" in article(bens, first)


def test_a_new_tag_and_a_new_price_show_on_a_signed_in_shoppers_next_page(two_posts):
    first, _ = two_posts
    ann = signed_in("ann")
    variant = tagged_product(title="Blue teapot", price="17.25")
    tag = tag_services.add_tag(post=first, product_id=variant.product_id, start_seconds=0)
    assert "$17.25" in article(ann.get("/feed/").content.decode(), first)

    catalog.update_variant(variant=variant, data={"price": Decimal("24.50")})
    repriced = article(ann.get("/feed/").content.decode(), first)
    tag_services.delete_tag(tag=tag)
    untagged = article(ann.get("/feed/").content.decode(), first)

    assert "$24.50" in repriced and "$17.25" not in repriced
    assert "Blue teapot" not in untagged and f'data-tag-id="{tag.pk}"' not in untagged


def _rendered_in_full(path: str, user) -> str:
    """The feed as it was rendered before pages were shared: the template with every post's row in place."""
    request = RequestFactory().get(path)
    request.user, request.session = user, {}
    page = selectors.feed_posts_for_page(viewer=user)
    context = {"posts": page.posts, "posts_html": post_items(page.posts, request), "next_query": ""}
    return render(request, "creators/feed/feed.html", {**context, "hashtag": "", "following": False}).content.decode()


def test_a_guest_gets_the_page_rendered_in_full_byte_for_byte(client, two_posts):
    client.get("/feed/")  # stored

    assert client.get("/feed/").content.decode() == _rendered_in_full("/feed/", AnonymousUser())


def test_a_shopper_gets_the_page_rendered_in_full_byte_for_byte(two_posts):
    ann = signed_in("ann")
    social.like(user=ann.user, post=two_posts[1])
    ann.get("/feed/")  # stored

    shared = ann.get("/feed/").content.decode()
    full = _rendered_in_full("/feed/", ann.user)

    assert shared == full


def test_the_following_tab_shows_each_shopper_the_posts_of_those_they_follow(two_posts):
    first, second = two_posts
    ann, ben, cat = signed_in("ann"), signed_in("ben"), signed_in("cat")
    social.follow(user=ann.user, creator=first.creator)
    social.follow(user=ben.user, creator=second.creator)
    social.follow(user=cat.user, creator=first.creator)

    anns, bens, cats = (client.get("/feed/following/").content.decode() for client in (ann, ben, cat))

    assert f'id="post-{first.pk}"' in anns and f'id="post-{second.pk}"' not in anns
    assert f'id="post-{second.pk}"' in bens and f'id="post-{first.pk}"' not in bens
    assert "Log out cat" in cats and "Log out ann" not in cats and follows(cats, first)


@pytest.mark.parametrize("count", [1, 10])
def test_a_second_shopper_gets_the_first_ones_stored_page_in_two_queries(get_counting_queries, count):
    # The user (with their cart's units) and the page's posts with their likes and follows; no body is read.
    for _ in range(count):
        post_with_tags(3)
    ann, ben = signed_in("ann", cart_units=1), signed_in("ben", cart_units=3)
    ann.get("/feed/")

    response, queries = get_counting_queries(ben, "/feed/")

    html = response.content.decode()
    assert queries == 2
    assert html.count("<article") == count and "Log out ben" in html and "Cart (3)" in words(html)


def test_a_flash_message_shows_on_a_feed_page_rendered_in_full_with_the_shoppers_own_rows(rf, two_posts):
    first, _ = two_posts
    ann = signed_in("ann")
    social.like(user=ann.user, post=first)
    ann.get("/feed/")  # stored
    request = rf.get("/feed/")
    request.user = ann.user
    SessionMiddleware(lambda _request: None).process_request(request)
    MessageMiddleware(lambda _request: None).process_request(request)
    messages.success(request, "Welcome back, ann.")

    html = feed(request).content.decode()

    assert "Welcome back, ann." in html and "personal-" not in html
    assert likes(html, first) and not follows(html, first) and "1 like<" in article(html, first)
