"""The public feed API: pages of posts with their tagged products, a post, a creator; drafts stay hidden."""

import pytest
from django.utils import timezone

from creators.models import Creator
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product

pytestmark = pytest.mark.django_db


def test_the_feed_lists_published_posts_with_their_tags_and_products(api_client):
    post = post_with_tags(caption="Tea time #morning", duration_seconds=4)
    teapot = tagged_product("Glass teapot", "24.00")
    tag = ProductTagFactory(
        post=post, product=teapot.product, start_seconds=2, end_seconds=3, position_x=10, position_y=20
    )
    VideoPostFactory(published_at=None)

    response = api_client.get("/api/v1/feed/")

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [item] = body["results"]
    assert item["id"] == post.pk
    assert item["caption"] == "Tea time #morning"
    assert item["duration_seconds"] == "4.000"
    assert item["video_url"] == f"http://testserver/media/{post.video.name}"
    assert item["poster_url"] is None
    assert item["url"] == f"http://testserver/v/{post.pk}/"
    assert item["like_count"] == 0
    assert item["creator"] == {
        "handle": post.creator.handle,
        "display_name": post.creator.display_name,
        "url": f"http://testserver/@{post.creator.handle}/",
    }
    image = teapot.product.images.get()
    assert item["tags"] == [
        {
            "id": tag.pk,
            "start_seconds": "2.00",
            "end_seconds": "3.00",
            "position_x": 10,
            "position_y": 20,
            "product": {
                "id": teapot.product.pk,
                "title": "Glass teapot",
                "slug": teapot.product.slug,
                "price": "24.00",
                "currency": "USD",
                "variant_id": teapot.pk,
                "image": f"http://testserver/media/{image.image.name}",
                "url": f"http://testserver{teapot.product.get_absolute_url()}",
            },
        }
    ]


def test_the_feed_pages_with_an_opaque_cursor(api_client):
    posts = [post_with_tags(minutes_ago=minute) for minute in range(13)]

    first = api_client.get("/api/v1/feed/").json()
    second = api_client.get("/api/v1/feed/", {"cursor": first["next_cursor"]}).json()

    assert [item["id"] for item in first["results"]] == [post.pk for post in posts[:10]]
    assert [item["id"] for item in second["results"]] == [post.pk for post in posts[10:]]
    assert second["next_cursor"] is None


def test_posts_published_at_the_same_moment_are_paged_by_id_without_gaps_or_repeats(api_client):
    moment = timezone.now()
    posts = [post_with_tags(published_at=moment) for _ in range(7)]

    first = api_client.get("/api/v1/feed/", {"limit": 3}).json()
    second = api_client.get("/api/v1/feed/", {"limit": 3, "cursor": first["next_cursor"]}).json()
    third = api_client.get("/api/v1/feed/", {"limit": 3, "cursor": second["next_cursor"]}).json()

    seen = [item["id"] for page in (first, second, third) for item in page["results"]]
    assert seen == sorted((post.pk for post in posts), reverse=True)
    assert third["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "WzEsMl0", "WyIyMDI2LTAxLTAxIiwgMV0"])
def test_a_cursor_we_did_not_make_is_a_400(api_client, cursor):
    response = api_client.get("/api/v1/feed/", {"cursor": cursor})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()["fields"]


@pytest.mark.parametrize("limit", ["0", "31", "ten"])
def test_a_limit_out_of_range_is_a_400(api_client, limit):
    response = api_client.get("/api/v1/feed/", {"limit": limit})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["limit"]


def test_a_post_by_id(api_client):
    post = post_with_tags(2)

    response = api_client.get(f"/api/v1/posts/{post.pk}/")

    assert response.status_code == 200
    assert response.json()["id"] == post.pk
    assert len(response.json()["tags"]) == 2


def test_a_draft_is_not_found_except_by_its_creator(api_client, user):
    draft = VideoPostFactory(published_at=None)

    anonymous = api_client.get(f"/api/v1/posts/{draft.pk}/")
    api_client.force_authenticate(user)
    other = api_client.get(f"/api/v1/posts/{draft.pk}/")
    api_client.force_authenticate(draft.creator.user)
    own = api_client.get(f"/api/v1/posts/{draft.pk}/")

    assert (anonymous.status_code, other.status_code, own.status_code) == (404, 404, 200)
    assert anonymous.json()["code"] == "not_found"


def test_a_creator_with_posts_and_showcase(api_client):
    creator = CreatorFactory(handle="ada.makes", display_name="Ada", bio="Tea")
    teapot = tagged_product("Glass teapot")
    older = post_with_tags(creator=creator, minutes_ago=3)
    newer = post_with_tags(creator=creator)
    ProductTagFactory(post=older, product=teapot.product)
    ProductTagFactory(post=newer, product=teapot.product)

    body = api_client.get("/api/v1/creators/ada.makes/").json()

    assert (body["handle"], body["display_name"], body["bio"], body["follower_count"]) == ("ada.makes", "Ada", "Tea", 0)
    assert [post["id"] for post in body["posts"]] == [newer.pk, older.pk]
    assert [product["title"] for product in body["products"]] == ["Glass teapot"]


def test_an_unapproved_creator_is_not_found(api_client):
    CreatorFactory(handle="waiting", status=Creator.Status.PENDING)

    assert api_client.get("/api/v1/creators/waiting/").status_code == 404


def test_the_feed_api_is_read_only(api_client, user):
    api_client.force_authenticate(user)

    assert api_client.post("/api/v1/feed/", {}).status_code == 405
