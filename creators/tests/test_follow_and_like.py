"""Following creators and liking posts: idempotent toggles, counts that move once, guests sent to log in."""

import pytest

from creators.models import Creator, Follow, Like, VideoPost
from creators.services import social
from creators.tests.factories import CreatorFactory, VideoPostFactory
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
HTMX = {**ORIGIN, "HTTP_HX_REQUEST": "true"}


@pytest.fixture
def shopper_client(client):
    shopper = UserFactory()
    client.force_login(shopper)
    client.shopper = shopper
    return client


def followers(creator: Creator) -> int:
    creator.refresh_from_db()
    return creator.follower_count


def likes(post: VideoPost) -> int:
    post.refresh_from_db()
    return post.like_count


# --- services ------------------------------------------------------------------------------------


def test_following_twice_follows_once_and_unfollowing_twice_unfollows_once():
    shopper, creator = UserFactory(), CreatorFactory()

    assert [social.follow(user=shopper, creator=creator), social.follow(user=shopper, creator=creator)] == [True, False]
    assert followers(creator) == 1
    assert [social.unfollow(user=shopper, creator=creator), social.unfollow(user=shopper, creator=creator)] == [
        True,
        False,
    ]
    assert followers(creator) == 0 and not Follow.objects.exists()


def test_liking_twice_likes_once_and_counts_each_shopper():
    post = VideoPostFactory()
    first, second = UserFactory(), UserFactory()

    social.like(user=first, post=post)
    social.like(user=first, post=post)
    social.like(user=second, post=post)
    social.unlike(user=second, post=post)
    social.unlike(user=second, post=post)

    assert likes(post) == 1
    assert list(Like.objects.values_list("user", flat=True)) == [first.pk]


# --- the buttons ---------------------------------------------------------------------------------


def test_a_shopper_follows_from_the_feed_and_the_button_says_following_with_the_count(shopper_client):
    creator = CreatorFactory(handle="ada")

    response = shopper_client.post("/@ada/follow/", {"action": "follow"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-pressed="true"' in html and "Following" in html
    assert "1 follower<" in html
    assert 'name="action" value="unfollow"' in html
    assert followers(creator) == 1


def test_the_same_follow_sent_twice_leaves_one_follow_and_the_count_at_one(shopper_client):
    creator = CreatorFactory(handle="ada")

    shopper_client.post("/@ada/follow/", {"action": "follow"}, **HTMX)
    response = shopper_client.post("/@ada/follow/", {"action": "follow"}, **HTMX)

    assert "1 follower<" in response.content.decode()
    assert followers(creator) == 1


def test_unfollowing_without_script_goes_back_to_the_page_it_came_from(shopper_client):
    creator = CreatorFactory(handle="ada")
    social.follow(user=shopper_client.shopper, creator=creator)

    response = shopper_client.post("/@ada/follow/", {"action": "unfollow", "next": "/feed/?tag=ootd"}, **ORIGIN)

    assert response.status_code == 302 and response["Location"] == "/feed/?tag=ootd"
    assert followers(creator) == 0


def test_a_next_pointing_elsewhere_is_ignored(shopper_client):
    CreatorFactory(handle="ada")

    response = shopper_client.post("/@ada/follow/", {"action": "follow", "next": "https://evil.example/"}, **ORIGIN)

    assert response["Location"] == "/@ada/"


def test_a_shopper_likes_and_unlikes_a_post_and_sees_the_count(shopper_client):
    post = VideoPostFactory()
    VideoPost.objects.filter(pk=post.pk).update(like_count=4)

    liked = shopper_client.post(f"/v/{post.pk}/like/", {"action": "like"}, **HTMX).content.decode()
    unliked = shopper_client.post(f"/v/{post.pk}/like/", {"action": "unlike"}, **HTMX).content.decode()

    assert "5 likes<" in liked and "Liked" in liked and 'aria-pressed="true"' in liked
    assert "4 likes<" in unliked and 'aria-pressed="false"' in unliked


def test_a_guest_is_sent_to_log_in_and_back(client):
    CreatorFactory(handle="ada")
    post = VideoPostFactory()

    plain = client.post("/@ada/follow/", {"action": "follow", "next": "/feed/"}, **ORIGIN)
    htmx = client.post(f"/v/{post.pk}/like/", {"action": "like", "next": f"/v/{post.pk}/"}, **HTMX)

    assert plain.status_code == 302 and plain["Location"] == "/accounts/login/?next=%2Ffeed%2F"
    assert htmx["HX-Redirect"] == f"/accounts/login/?next=%2Fv%2F{post.pk}%2F"
    assert not Follow.objects.exists() and not Like.objects.exists()


def test_a_guest_tapping_a_video_loaded_by_scrolling_comes_back_to_the_feed_not_its_partial(client):
    post = VideoPostFactory()

    response = client.post(
        f"/v/{post.pk}/like/",
        {"action": "like", "next": "/feed/page/?cursor=abc"},
        **HTMX,
        HTTP_HX_CURRENT_URL="http://testserver/feed/?tag=ootd",
    )

    assert response["HX-Redirect"] == "/accounts/login/?next=%2Ffeed%2F%3Ftag%3Dootd"


@pytest.mark.parametrize("action", ["", "toggle", "follow'--"])
def test_an_unknown_action_is_refused_and_changes_nothing(shopper_client, action):
    creator = CreatorFactory(handle="ada")

    response = shopper_client.post("/@ada/follow/", {"action": action}, **HTMX)

    assert response.status_code == 400
    assert response.json()["message"] == "Send action follow or unfollow."
    assert followers(creator) == 0 and not Follow.objects.exists()


def test_a_post_from_another_site_is_refused(shopper_client):
    post = VideoPostFactory()

    response = shopper_client.post(f"/v/{post.pk}/like/", {"action": "like"}, HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403
    assert likes(post) == 0


def test_a_draft_or_an_unapproved_creator_cannot_be_liked_or_followed(shopper_client):
    draft = VideoPostFactory(published_at=None)
    CreatorFactory(handle="pending", status=Creator.Status.PENDING)

    assert shopper_client.post(f"/v/{draft.pk}/like/", {"action": "like"}, **HTMX).status_code == 404
    assert shopper_client.post("/@pending/follow/", {"action": "follow"}, **HTMX).status_code == 404
    assert not Like.objects.exists() and not Follow.objects.exists()


def test_the_feed_shows_what_the_shopper_follows_and_likes(shopper_client):
    ada, bob = CreatorFactory(handle="ada"), CreatorFactory(handle="bob")
    liked, other = VideoPostFactory(creator=ada), VideoPostFactory(creator=bob)
    social.follow(user=shopper_client.shopper, creator=ada)
    social.like(user=shopper_client.shopper, post=liked)

    html = shopper_client.get("/feed/").content.decode()

    liked_part = html[html.index(f'id="post-{liked.pk}"') :]
    other_part = html[html.index(f'id="post-{other.pk}"') :]
    assert "Following<span" in liked_part.split("</article>")[0]
    assert "Liked</button>" in liked_part.split("</article>")[0]
    assert "Follow<span" in other_part.split("</article>")[0]
    assert "Like</button>" in other_part.split("</article>")[0]


def test_a_creators_page_has_the_follow_button_with_the_count(shopper_client):
    creator = CreatorFactory(handle="ada")
    Creator.objects.filter(pk=creator.pk).update(follower_count=1204)

    html = shopper_client.get("/@ada/").content.decode()

    assert "1204 followers" in html
    assert 'Follow<span class="visually-hidden"> @ada</span>' in html
