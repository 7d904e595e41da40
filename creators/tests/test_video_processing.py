"""The media task: poster, dimensions and a browser-ready MP4; failures shown with their reason; retry."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from creators.models import VideoPost
from creators.services import posts
from creators.tests import studio_helpers
from creators.tests.studio_helpers import clip_upload, stored_files
from marketplace.video import mp4_top_level_boxes, probe_video

pytestmark = pytest.mark.django_db

# Fixtures shared with the other studio test modules.
creator = studio_helpers.creator
isolated_media = studio_helpers.isolated_media


def _upload(creator, upload, django_capture_on_commit_callbacks) -> VideoPost:
    with django_capture_on_commit_callbacks(execute=True):
        post = posts.create_post_from_upload(creator=creator, upload=upload, caption="New look #ootd #Summer")
    post.refresh_from_db()
    return post


def test_a_webm_vp9_upload_is_transcoded_to_a_fast_start_h264_mp4(
    creator, tmp_path, django_capture_on_commit_callbacks
):
    upload = clip_upload(tmp_path, "clip.webm", seconds=2, codec="libvpx-vp9", container="webm", with_audio=True)

    post = _upload(creator, upload, django_capture_on_commit_callbacks)

    assert post.status == VideoPost.Status.READY
    assert post.source.name.endswith(".webm")
    assert post.private_video.name.endswith(".mp4") and post.private_video.name != post.source.name
    video_path = default_storage.path(post.private_video.name)
    info = probe_video(video_path)
    assert (info.container, info.codec, info.audio_codec) == ("mp4", "h264", "aac")
    boxes = mp4_top_level_boxes(video_path)
    assert boxes.index("moov") < boxes.index("mdat")
    assert (post.width, post.height) == (160, 284)
    assert float(post.duration_seconds) == pytest.approx(2.0, abs=0.15)


def test_an_h264_mp4_is_served_as_uploaded_without_re_encoding(creator, tmp_path, django_capture_on_commit_callbacks):
    post = _upload(creator, clip_upload(tmp_path, "clip.mp4"), django_capture_on_commit_callbacks)

    assert post.status == VideoPost.Status.READY
    assert post.private_video.name == post.source.name
    assert not any(name.endswith("video.mp4") for name in stored_files())


def test_the_poster_and_its_renditions_are_made(creator, tmp_path, django_capture_on_commit_callbacks):
    post = _upload(creator, clip_upload(tmp_path), django_capture_on_commit_callbacks)

    assert post.private_poster.name.endswith("poster.jpg")
    assert default_storage.exists(post.private_poster.name)
    # 160 px wide: every configured width collapses to the original width (never upscaled).
    assert sorted(post.private_poster_renditions) == ["jpeg", "webp"]
    assert list(post.private_poster_renditions["webp"]) == ["160"]
    assert all(
        default_storage.exists(name) for widths in post.private_poster_renditions.values() for name in widths.values()
    )


def test_a_failure_is_shown_with_its_reason_and_retry_processes_again(
    creator, creator_client_for, tmp_path, django_capture_on_commit_callbacks
):
    # Given an upload whose stored source was damaged before processing
    with django_capture_on_commit_callbacks(execute=False):
        post = posts.create_post_from_upload(creator=creator, upload=clip_upload(tmp_path))
    good = Path(default_storage.path(post.source.name)).read_bytes()
    Path(default_storage.path(post.source.name)).write_bytes(b"garbage" * 100)

    posts.process_post(post_id=post.pk)

    post.refresh_from_db()
    assert post.status == VideoPost.Status.FAILED
    assert post.failure_reason == "This file is not a video we can read. Upload an MP4, MOV or WebM video."
    page = creator_client_for(creator).get("/studio/")
    assert post.failure_reason in page.text
    assert f"/studio/posts/{post.pk}/retry/" in page.text

    # When the file is whole again and the creator retries
    Path(default_storage.path(post.source.name)).write_bytes(good)
    with django_capture_on_commit_callbacks(execute=True):
        response = creator_client_for(creator).post(f"/studio/posts/{post.pk}/retry/")

    post.refresh_from_db()
    assert response.status_code == 302
    assert (post.status, post.failure_reason) == (VideoPost.Status.READY, "")


def test_processing_twice_is_harmless(creator, tmp_path, django_capture_on_commit_callbacks):
    post = _upload(creator, clip_upload(tmp_path), django_capture_on_commit_callbacks)
    files = stored_files()

    assert posts.process_post(post_id=post.pk) is None  # a redelivered handler finds the post done
    post.refresh_from_db()
    assert post.status == VideoPost.Status.READY
    assert stored_files() == files


def test_only_a_failed_post_can_be_retried(creator, tmp_path, django_capture_on_commit_callbacks):
    post = _upload(creator, clip_upload(tmp_path), django_capture_on_commit_callbacks)

    with pytest.raises(Exception, match="Only a video whose processing failed"):
        posts.retry_post(post=post)


def test_deleting_a_post_removes_its_files(creator, tmp_path, django_capture_on_commit_callbacks):
    post = _upload(
        creator,
        clip_upload(tmp_path, "c.webm", codec="libvpx-vp9", container="webm"),
        django_capture_on_commit_callbacks,
    )
    assert len(stored_files()) >= 4  # source, video, poster, renditions

    with django_capture_on_commit_callbacks(execute=True):
        posts.delete_post(post=post)

    assert not VideoPost.objects.exists()
    assert stored_files() == []


def test_hashtags_are_read_from_the_caption():
    assert posts.hashtags("New look #ootd #Summer, again #ootd and a#not #2025") == ["ootd", "summer", "2025"]


@pytest.fixture
def creator_client_for(client):
    def login(creator):
        client.force_login(creator.user)
        return client

    return login


def test_a_post_deleted_while_processing_leaves_no_files(
    creator, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        post = posts.create_post_from_upload(
            creator=creator, upload=clip_upload(tmp_path, "c.webm", codec="libvpx-vp9", container="webm")
        )
    source = post.source.name
    real_transcode = posts.media.transcode_to_mp4

    def delete_meanwhile(*args, **kwargs):
        real_transcode(*args, **kwargs)
        VideoPost.objects.filter(pk=post.pk).delete()  # the creator deletes it during the transcode

    monkeypatch.setattr(posts.media, "transcode_to_mp4", delete_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        assert posts.process_post(post_id=post.pk) is None

    # Only the upload is left: a row deleted by a bare queryset delete (not delete_post) keeps its source.
    assert stored_files() == [source]
