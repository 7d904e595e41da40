"""The feed's Following tab: the posts of followed creators only, an empty state, constant queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from creators.services import social
from creators.tests.factories import CreatorFactory, VideoPostFactory
from creators.tests.feed_helpers import cold_and_warm, post_with_tags
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper_client(client):
    shopper = UserFactory()
    client.force_login(shopper)
    client.shopper = shopper
    return client


def test_the_following_tab_shows_only_followed_creators_posts_newest_first(shopper_client):
    ada, bob = CreatorFactory(handle="ada"), CreatorFactory(handle="bob")
    older = VideoPostFactory(creator=ada, published_at=timezone.now() - timedelta(hours=2))
    newer = VideoPostFactory(creator=ada)
    strangers = VideoPostFactory(creator=bob)
    social.follow(user=shopper_client.shopper, creator=ada)

    response = shopper_client.get("/feed/following/")

    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    assert html.index(f'id="post-{newer.pk}"') < html.index(f'id="post-{older.pk}"')
    assert f'id="post-{strangers.pk}"' not in html
    assert '<a href="/feed/following/" aria-current="page">Following</a>' in html


def test_following_nobody_says_how_to_fill_the_tab(shopper_client):
    VideoPostFactory()

    html = shopper_client.get("/feed/following/").content.decode()

    assert "No videos from creators you follow yet." in html
    assert 'id="post-' not in html


def test_the_next_page_of_the_following_tab_stays_on_followed_creators(shopper_client):
    ada = CreatorFactory(handle="ada")
    for minutes in range(12):
        VideoPostFactory(creator=ada, published_at=timezone.now() - timedelta(minutes=minutes))
    VideoPostFactory(published_at=timezone.now() - timedelta(hours=1))
    social.follow(user=shopper_client.shopper, creator=ada)

    first = shopper_client.get("/feed/following/").content.decode()
    next_url = first.split('data-feed-sentinel hx-get="')[1].split('"')[0].replace("&amp;", "&")
    second = shopper_client.get(next_url).content.decode()

    assert "following=1" in next_url
    assert second.count('id="post-') == 2


def test_a_guest_is_asked_to_log_in_for_the_following_tab(client):
    assert client.get("/feed/following/")["Location"] == "/accounts/login/?next=/feed/following/"
    assert client.get("/feed/page/?following=1")["Location"] == "/accounts/login/?next=%2Ffeed%2Ffollowing%2F"


@pytest.mark.parametrize("url", ["/feed/", "/feed/following/"])
def test_the_feed_and_the_following_tab_take_the_same_queries_for_one_post_and_twenty(
    shopper_client, get_counting_queries, url
):
    creator = CreatorFactory(handle="ada")
    social.follow(user=shopper_client.shopper, creator=creator)
    post_with_tags(3, creator=creator)
    shopper_client.get(url)
    _, *one = cold_and_warm(shopper_client, get_counting_queries, url)  # post bodies read, then cached
    for _ in range(19):
        post = post_with_tags(3, creator=CreatorFactory())
        social.follow(user=shopper_client.shopper, creator=post.creator)
        social.like(user=shopper_client.shopper, post=post)

    response, *many = cold_and_warm(shopper_client, get_counting_queries, url)

    assert response.content.decode().count('class="feed-item"') == 10
    assert one == many
