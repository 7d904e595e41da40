"""The feed page's plain-SQL query lists exactly the posts of the ORM's `feed_posts`, in its order, for every
filter a page takes (following, a cursor, a hashtag), and knows each signed-in viewer's likes and follows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from creators import selectors
from creators.models import Creator, VideoPost
from creators.services import social
from creators.tests.factories import CreatorFactory, VideoPostFactory
from creators.tests.feed_helpers import post_with_tags
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Published posts of two creators, and posts no shopper may see (draft, processing, no public copy, a
    suspended creator's)."""
    ada, bob = CreatorFactory(handle="ada"), CreatorFactory(handle="bob")
    now = timezone.now()
    for minutes, creator, caption in [
        (1, ada, "Tea #tea"),
        (2, bob, "Mugs #mug"),
        (3, ada, "More tea #teapot"),
        (4, bob, "#tea time"),
        (5, ada, "Nothing tagged"),
    ]:
        post_with_tags(1, creator=creator, caption=caption, published_at=now - timedelta(minutes=minutes))
    # Two posts at the same instant: the id breaks the tie, on both sides of a cursor.
    post_with_tags(creator=bob, caption="Same time #tea", published_at=now - timedelta(minutes=6))
    post_with_tags(creator=ada, caption="Same time #tea", published_at=now - timedelta(minutes=6))
    VideoPostFactory(creator=ada, published_at=None, caption="Draft #tea")
    VideoPostFactory(creator=ada, status=VideoPost.Status.PROCESSING, caption="Processing #tea")
    VideoPostFactory(creator=bob, video="", caption="No public copy #tea")
    VideoPostFactory(creator=CreatorFactory(status=Creator.Status.SUSPENDED), caption="Suspended #tea")
    return ada, bob


def _both(**page) -> tuple[list, list]:
    orm = selectors.feed_posts(**page)
    sql = selectors.feed_posts_for_page(**page)
    assert sql.next_cursor == orm.next_cursor
    return [post.pk for post in sql.posts], [post.pk for post in orm.posts]


@pytest.mark.parametrize("hashtag", ["", "tea"])
@pytest.mark.parametrize("limit", [2, 3, 10])
def test_every_page_lists_the_orms_posts_in_its_order(world, hashtag, limit):
    cursor, pages = None, 0
    while True:
        sql, orm = _both(before_cursor=cursor, limit=limit, hashtag=hashtag)
        assert sql == orm and sql
        pages += 1
        cursor = selectors.feed_posts(before_cursor=cursor, limit=limit, hashtag=hashtag).next_cursor
        if cursor is None:
            break
    assert pages > 1 or limit == 10


def test_the_following_tab_lists_the_followed_creators_posts(world):
    ada, _ = world
    shopper = UserFactory()
    social.follow(user=shopper, creator=ada)

    sql, orm = _both(followed_by=shopper)

    assert sql == orm and len(sql) == 4


def test_each_viewer_gets_their_own_likes_and_follows_and_a_guest_none(world):
    ada, _ = world
    fan, stranger = UserFactory(), UserFactory()
    liked = VideoPost.objects.filter(creator=ada, caption="Tea #tea").get()
    social.like(user=fan, post=liked)
    social.follow(user=fan, creator=ada)

    pages = {who: selectors.feed_posts_for_page(viewer=who).posts for who in (fan, stranger, None)}

    assert {post.pk for post in pages[fan] if post.liked} == {liked.pk}
    assert {post.creator_handle for post in pages[fan] if post.followed} == {"ada"}
    for viewer in (stranger, None):
        assert not any(post.liked or post.followed for post in pages[viewer])
