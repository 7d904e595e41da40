"""A draft's files on object storage (moto's S3 server): under the private prefix, handed out by a signed
redirect after the permission check; public copies with long cache headers only while the post is published."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from creators.models import VideoPost
from creators.services import post_media
from creators.tests import studio_helpers
from creators.tests.factories import CreatorFactory
from creators.tests.studio_helpers import clip_upload
from creators.tests.test_direct_upload_s3 import objects
from shop.tests.test_media_storage_s3 import fetch

pytestmark = [pytest.mark.django_db, pytest.mark.s3]
creator = studio_helpers.creator
creator_client = studio_helpers.creator_client
isolated_media = studio_helpers.isolated_media


def test_a_draft_is_private_on_the_bucket_and_public_only_while_published(
    s3_storage, creator_client, tmp_path, deliver_events, django_capture_on_commit_callbacks
):
    creator_client.post("/studio/upload/", {"video": clip_upload(tmp_path), "caption": "Soon"})
    deliver_events()
    post = VideoPost.objects.get()
    stranger = Client()
    stranger.force_login(CreatorFactory().user)
    view = post.studio_video_url

    answer = creator_client.get(view)
    signed = urlsplit(answer["Location"])

    assert post.status == "ready" and view == f"/studio/posts/{post.pk}/media/{post.private_video.name.split('/')[-1]}"
    assert [key for key in objects(s3_storage) if not key.startswith(f"private/studio/{post.creator_id}/")] == []
    assert (answer.status_code, answer["Cache-Control"]) == (302, "private, no-store")
    assert signed.path == f"/{s3_storage.bucket}/private/{post.private_video.name}"
    assert parse_qs(signed.query)["X-Amz-Expires"] == ["300"]  # PRIVATE_MEDIA_URL_SECONDS
    status, headers, body = fetch(answer["Location"])
    assert (status, headers["Content-Type"], body[4:8]) == (200, "video/mp4", b"ftyp")
    assert stranger.get(view).status_code == 404

    creator_client.post(f"/studio/posts/{post.pk}/publish/")
    deliver_events()
    post.refresh_from_db()
    status, headers, body = fetch(post.poster.url)

    public = [key for key in objects(s3_storage) if key.startswith("public/")]
    assert public == sorted(f"public/{name}" for name in post_media.public_names(post)) and len(public) == 4
    assert (status, headers["Cache-Control"], headers["Content-Type"]) == (
        200,
        "public, max-age=31536000, immutable",
        "image/jpeg",
    )
    assert "X-Amz-Signature" not in post.video.url

    with django_capture_on_commit_callbacks(execute=True):
        creator_client.post(f"/studio/posts/{post.pk}/unpublish/")
    deliver_events()

    assert [key for key in objects(s3_storage) if key.startswith("public/")] == []
    assert creator_client.get(view).status_code == 302
