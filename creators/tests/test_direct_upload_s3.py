"""Videos sent straight to object storage (moto's S3 server, the real boto3 client): the studio grants signed
part URLs for one key, resumes by listing what arrived, and accepts nothing it did not grant."""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import pytest
from django.test import Client

from creators.models import Creator, VideoPost
from creators.tests import studio_helpers
from creators.tests.factories import CreatorFactory
from marketplace.video import make_test_clip

pytestmark = [pytest.mark.django_db, pytest.mark.s3]
creator = studio_helpers.creator
creator_client = studio_helpers.creator_client
isolated_media = studio_helpers.isolated_media
PART = 4096


@pytest.fixture
def small_parts(settings):
    settings.CREATOR_VIDEO_UPLOAD_PART_BYTES = PART


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    """A real 1 s H.264 MP4, several parts long."""
    data = make_test_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1, width=160, height=284).read_bytes()
    assert len(data) > 2 * PART
    return data


def start(client, *, size: int, filename: str = "holiday.mp4", caption: str = "Sunset #beach"):
    return client.post(
        "/studio/uploads/",
        json.dumps({"filename": filename, "size": size, "caption": caption}),
        content_type="application/json",
    )


def put(url: str, data: bytes) -> str:
    """PUT one part as the browser does; the ETag the storage answers."""
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": "application/octet-stream"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.headers["ETag"]


def send_parts(state: dict, data: bytes, numbers) -> None:
    for number in numbers:
        put(state["urls"][str(number)], data[(number - 1) * PART : number * PART])


def objects(s3) -> list[str]:
    listing = s3.client.list_objects_v2(Bucket=s3.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def open_uploads(s3) -> list[str]:
    return [item["Key"] for item in s3.client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])]


def test_a_video_sent_in_parts_is_processed_and_plays_from_the_public_prefix(
    s3_storage, small_parts, creator_client, clip, deliver_events
):
    state = start(creator_client, size=len(clip)).json()
    send_parts(state, clip, range(1, state["parts"] + 1))

    done = creator_client.post(state["complete_url"])
    deliver_events()  # the media worker's turn: download, check by content, poster, publishable copy

    post = VideoPost.objects.get(pk=state["post"])
    assert state["parts"] == -(-len(clip) // PART) and set(state["urls"]) == {
        str(n) for n in range(1, state["parts"] + 1)
    }
    assert done.status_code == 202 and done.json()["redirect"] == f"/studio/posts/{post.pk}/"
    assert (post.status, post.caption, post.size_bytes, post.upload_id) == ("ready", "Sunset #beach", len(clip), "")
    assert post.source.name.startswith(f"studio/{post.creator_id}/") and post.source.name.endswith(".mp4")
    assert f"private/{post.source.name}" in objects(s3_storage)
    # A draft: its playable video is the private upload itself, nothing of it is public.
    assert (post.private_video.name, post.video.name) == (post.source.name, "")
    assert not [key for key in objects(s3_storage) if key.startswith("public/")]

    creator_client.post(f"/studio/posts/{post.pk}/publish/")
    deliver_events()  # the media worker copies it under the public prefix, in a folder of its own

    post.refresh_from_db()
    assert re.fullmatch(
        rf"{s3_storage.endpoint}/{s3_storage.bucket}/public/videos/{post.creator_id}/{post.pk}/[0-9a-f]{{16}}/"
        + PurePosixPath(post.source.name).name,
        post.video.url,
    )
    with urllib.request.urlopen(post.video.url, timeout=10) as response:  # noqa: S310
        assert response.read() == clip
    assert open_uploads(s3_storage) == []


def test_an_interrupted_upload_resumes_with_the_parts_it_lacks(s3_storage, small_parts, creator_client, clip):
    state = start(creator_client, size=len(clip)).json()
    send_parts(state, clip, [1, 2])  # then the train enters a tunnel

    early = creator_client.post(state["complete_url"])
    resumed = creator_client.get(state["status_url"]).json()
    send_parts(resumed, clip, [int(number) for number in resumed["urls"]])
    done = creator_client.post(state["complete_url"])

    assert early.status_code == 409 and early.json()["code"] == "incomplete"
    assert resumed["uploaded"] == [1, 2]
    assert sorted(map(int, resumed["urls"])) == list(range(3, state["parts"] + 1))
    assert done.status_code == 202
    assert VideoPost.objects.get(pk=state["post"]).status == VideoPost.Status.PROCESSING


def test_a_video_over_the_limit_is_refused_before_any_url_is_signed(s3_storage, creator_client, settings):
    settings.CREATOR_VIDEO_MAX_BYTES = 10_000

    response = start(creator_client, size=10_001)

    assert response.status_code == 413
    assert response.json()["message"] == "This video is larger than 9.8\xa0KB, the limit."
    assert not VideoPost.objects.exists() and open_uploads(s3_storage) == []


def test_a_part_larger_than_granted_is_refused_and_nothing_is_kept(s3_storage, small_parts, creator_client, clip):
    declared = PART + 100  # two parts: 4096 and 100 bytes
    state = start(creator_client, size=declared).json()
    put(state["urls"]["1"], clip[:PART])
    put(state["urls"]["2"], clip[PART : 2 * PART])  # the client sends more than it declared

    response = creator_client.post(state["complete_url"])

    post = VideoPost.objects.get(pk=state["post"])
    assert response.status_code == 400 and response.json()["code"] == "upload_refused"
    assert (post.status, post.source.name, post.upload_id) == ("failed", "", "")
    assert objects(s3_storage) == [] and open_uploads(s3_storage) == []


def test_an_object_at_another_key_is_never_accepted_for_the_post(s3_storage, small_parts, creator_client, clip):
    state = start(creator_client, size=len(clip)).json()
    # The client writes the whole video elsewhere in the bucket, then claims its post is done.
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key="private/videos/elsewhere.mp4", Body=clip)

    response = creator_client.post(state["complete_url"], {"key": "private/videos/elsewhere.mp4"})

    assert response.status_code == 409 and response.json()["code"] == "incomplete"
    assert VideoPost.objects.get(pk=state["post"]).status == VideoPost.Status.UPLOADING


def test_another_creators_upload_is_not_found(s3_storage, small_parts, creator_client, clip):
    state = start(creator_client, size=len(clip)).json()
    other = Client()
    other.force_login(CreatorFactory(status=Creator.Status.APPROVED).user)

    assert other.get(state["status_url"]).status_code == 404
    assert other.post(state["complete_url"]).status_code == 404


def test_a_stored_file_that_is_not_a_video_fails_and_is_deleted(
    s3_storage, small_parts, creator_client, deliver_events
):
    junk = b"<html>" + b"x" * 3000
    state = start(creator_client, size=len(junk), filename="clip.mp4").json()
    put(state["urls"]["1"], junk)

    creator_client.post(state["complete_url"])
    deliver_events()

    post = VideoPost.objects.get(pk=state["post"])
    assert post.status == VideoPost.Status.FAILED
    assert post.failure_reason == "This file is not a video we can read. Upload an MP4, MOV or WebM video."
    assert post.source.name == "" and objects(s3_storage) == []
    retry = creator_client.post(f"/studio/posts/{post.pk}/retry/", follow=True)
    assert "This video was refused and deleted; upload it again." in retry.content.decode()
    assert VideoPost.objects.get(pk=post.pk).status == VideoPost.Status.FAILED


def test_deleting_a_post_mid_upload_drops_its_parts(
    s3_storage, small_parts, creator_client, clip, django_capture_on_commit_callbacks
):
    state = start(creator_client, size=len(clip)).json()
    send_parts(state, clip, [1])

    with django_capture_on_commit_callbacks(execute=True):
        creator_client.post(f"/studio/posts/{state['post']}/delete/")

    assert not VideoPost.objects.filter(pk=state["post"]).exists()
    assert open_uploads(s3_storage) == [] and objects(s3_storage) == []


def test_on_local_storage_the_page_keeps_its_form_and_direct_uploads_are_refused(creator_client, tmp_path: Path):
    page = creator_client.get("/studio/upload/").content.decode()
    response = start(creator_client, size=1000)

    assert 'id="studio-upload-form"' in page and "data-direct-url" not in page
    assert response.status_code == 409 and response.json()["code"] == "direct_upload_unavailable"
