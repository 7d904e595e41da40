"""Creator API: posts and tags of the requesting creator only, errors in the API's shape."""

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from rest_framework.authtoken.models import Token

from creators.models import ProductTag, VideoPost
from creators.tests import studio_helpers
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from creators.tests.studio_helpers import clip_upload
from shop.models import Product
from shop.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

# Fixtures shared with the other studio test modules.
creator = studio_helpers.creator
creator_api = studio_helpers.creator_api
isolated_media = studio_helpers.isolated_media


def test_upload_with_a_token_processes_the_video(api_client, creator, tmp_path, django_capture_on_commit_callbacks):
    token = Token.objects.create(user=creator.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/creator/posts/", {"video": clip_upload(tmp_path), "caption": "Hi #new"}, format="multipart"
        )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["hashtags"], body["is_published"]) == ("processing", ["new"], False)
    detail = api_client.get(f"/api/v1/creator/posts/{body['id']}/").json()
    assert detail["status"] == "ready"
    assert detail["video_url"].endswith(".mp4")
    assert detail["width"] == 160


def test_anonymous_and_non_creators_are_refused(api_client, user):
    assert api_client.get("/api/v1/creator/posts/").status_code in (401, 403)
    api_client.force_authenticate(user)

    response = api_client.get("/api/v1/creator/posts/")

    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "fields"}


def test_the_list_shows_only_own_posts_with_constant_queries(creator_api, get_counting_queries):
    VideoPostFactory(creator=creator_api.creator)
    VideoPostFactory()  # another creator's
    creator_api.get("/api/v1/creator/posts/")
    _, one = get_counting_queries(creator_api, "/api/v1/creator/posts/")
    for _ in range(5):
        ProductTagFactory.create_batch(3, post=VideoPostFactory(creator=creator_api.creator))

    response, many = get_counting_queries(creator_api, "/api/v1/creator/posts/")

    assert response.json()["count"] == 6
    assert many == one


def test_another_creators_post_and_tag_answer_404_and_nothing_changes(creator_api):
    other = VideoPostFactory(caption="Theirs", published_at=None)
    tag = ProductTagFactory(post=other, start_seconds=3)
    base = f"/api/v1/creator/posts/{other.pk}/"

    responses = [
        creator_api.get(base),
        creator_api.patch(base, {"caption": "Mine now"}),
        creator_api.post(f"{base}publish/"),
        creator_api.post(f"{base}tags/", {"product": tag.product_id, "start_seconds": 1}),
        creator_api.patch(f"/api/v1/creator/tags/{tag.pk}/", {"start_seconds": 5}),
        creator_api.delete(f"/api/v1/creator/tags/{tag.pk}/"),
        creator_api.delete(base),
    ]

    assert [response.status_code for response in responses] == [404] * 7
    assert responses[0].json()["code"] == "not_found"
    other.refresh_from_db()
    tag.refresh_from_db()
    assert (other.caption, other.published_at, tag.start_seconds) == ("Theirs", None, 3)


def test_caption_publish_unpublish(creator_api):
    post = VideoPostFactory(creator=creator_api.creator, published_at=None)
    base = f"/api/v1/creator/posts/{post.pk}/"

    caption = creator_api.patch(base, {"caption": "Now #live"})
    published = creator_api.post(f"{base}publish/")
    unpublished = creator_api.post(f"{base}unpublish/")

    assert caption.json()["hashtags"] == ["live"]
    assert published.json()["is_published"] is True
    assert unpublished.json()["is_published"] is False


def test_publishing_a_failed_post_is_a_clear_error_and_retry_restarts_it(creator_api):
    # Its upload is still kept (failed in processing, not refused by content), so it can be processed again.
    post = VideoPostFactory(
        creator=creator_api.creator,
        status="failed",
        failure_reason="Bad",
        published_at=None,
        source=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="upload.mp4"),
    )

    refused = creator_api.post(f"/api/v1/creator/posts/{post.pk}/publish/")
    retried = creator_api.post(f"/api/v1/creator/posts/{post.pk}/retry/")

    assert (refused.status_code, refused.json()["code"]) == (400, "not_ready")
    assert retried.status_code == 200
    post.refresh_from_db()
    assert (post.status, post.failure_reason) == (VideoPost.Status.PROCESSING, "")
    assert retried.json()["status"] == "processing"


def test_tags_add_list_update_relink_delete(creator_api):
    post = VideoPostFactory(creator=creator_api.creator, duration_seconds=Decimal("8"))
    product, replacement = ProductFactory(), ProductFactory()

    created = creator_api.post(
        f"/api/v1/creator/posts/{post.pk}/tags/", {"product": product.pk, "start_seconds": "2", "position_y": 80}
    )
    tag_id = created.json()["id"]
    listed = creator_api.get(f"/api/v1/creator/posts/{post.pk}/tags/")
    Product.objects.filter(pk=product.pk).update(status=Product.Status.ARCHIVED)
    flagged = creator_api.get(f"/api/v1/creator/posts/{post.pk}/tags/").json()[0]["needs_relink"]
    updated = creator_api.patch(f"/api/v1/creator/tags/{tag_id}/", {"product": replacement.pk, "end_seconds": "5"})
    deleted = creator_api.delete(f"/api/v1/creator/tags/{tag_id}/")

    assert created.status_code == 201
    assert [tag["id"] for tag in listed.json()] == [tag_id]
    assert flagged is True
    assert updated.status_code == 200
    assert (updated.json()["product"]["id"], updated.json()["end_seconds"]) == (replacement.pk, "5.00")
    assert updated.json()["needs_relink"] is False
    assert deleted.status_code == 204
    assert not ProductTag.objects.exists()


def test_a_bad_tag_answers_with_the_field_in_error(creator_api):
    post = VideoPostFactory(creator=creator_api.creator, duration_seconds=Decimal("8"))
    closed = ProductFactory(affiliate_commission_rate=0)

    outside = creator_api.post(
        f"/api/v1/creator/posts/{post.pk}/tags/", {"product": ProductFactory().pk, "start_seconds": 9}
    )
    untaggable = creator_api.post(f"/api/v1/creator/posts/{post.pk}/tags/", {"product": closed.pk, "start_seconds": 1})

    assert outside.status_code == 400
    assert "start_seconds" in outside.json()["fields"]
    assert (untaggable.status_code, list(untaggable.json()["fields"])) == (400, ["product"])
    assert not ProductTag.objects.exists()


def test_the_taggable_product_search(creator_api):
    ProductFactory(title="Silk scarf")
    ProductFactory(title="Silk tie", affiliate_commission_rate=0)
    ProductFactory(title="Silk gloves", status=Product.Status.ARCHIVED)

    response = creator_api.get("/api/v1/creator/products/?q=silk")

    assert [product["title"] for product in response.json()["results"]] == ["Silk scarf"]


def test_deleting_a_post_through_the_api(creator_api, django_capture_on_commit_callbacks):
    post = VideoPostFactory(creator=creator_api.creator)

    with django_capture_on_commit_callbacks(execute=True):
        response = creator_api.delete(f"/api/v1/creator/posts/{post.pk}/")

    assert response.status_code == 204
    assert not VideoPost.objects.filter(pk=post.pk).exists()


def test_a_suspended_creator_cannot_publish(api_client):
    suspended = CreatorFactory(status="suspended")
    post = VideoPostFactory(creator=suspended, published_at=None)
    api_client.force_authenticate(suspended.user)

    response = api_client.post(f"/api/v1/creator/posts/{post.pk}/publish/")

    assert (response.status_code, response.json()["code"]) == (403, "creator_not_approved")
    post.refresh_from_db()
    assert post.published_at is None
