"""Uploads are judged by content, through the studio page and the API; a refused upload stores nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creators.models import Creator, VideoPost
from creators.tests import studio_helpers
from creators.tests.factories import CreatorFactory
from creators.tests.studio_helpers import clip_upload, stored_files
from marketplace.video import make_test_clip

pytestmark = pytest.mark.django_db

# Fixtures shared with the other studio test modules.
creator = studio_helpers.creator
creator_api = studio_helpers.creator_api
creator_client = studio_helpers.creator_client
isolated_media = studio_helpers.isolated_media
huge_clip = studio_helpers.huge_clip

PAGE, API = "/studio/upload/", "/api/v1/creator/posts/"


def _text_named_mp4() -> SimpleUploadedFile:
    return SimpleUploadedFile("holiday.mp4", b"this is just text, not a video\n" * 50, content_type="video/mp4")


def _audio_only(tmp_path) -> SimpleUploadedFile:
    import av

    from marketplace.video import write_test_audio

    path = tmp_path / "song.mp4"
    with av.open(str(path), mode="w", format="mp4") as output:
        stream = output.add_stream("aac", rate=48000)
        stream.layout = "mono"
        write_test_audio(output, stream, 1)
    return SimpleUploadedFile("song.mp4", path.read_bytes(), content_type="video/mp4")


def _post_page(client, upload, **extra):
    return client.post(PAGE, {"video": upload, "caption": "hi"}, **extra)


def _post_api(api, upload):
    return api.post(API, {"video": upload, "caption": "hi"}, format="multipart")


def _assert_nothing_stored():
    assert not VideoPost.objects.exists()
    assert stored_files() == []


def test_a_valid_clip_uploaded_on_the_page_becomes_a_processing_post(creator_client, tmp_path):
    response = _post_page(creator_client, clip_upload(tmp_path))

    post = VideoPost.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/studio/posts/{post.pk}/"
    assert (post.creator, post.status, post.original_filename) == (creator_client.creator, "processing", "clip.mp4")
    assert stored_files() == [post.source.name]


def test_the_progress_bar_upload_gets_json_with_the_next_page(creator_client, tmp_path):
    response = _post_page(creator_client, clip_upload(tmp_path), headers={"X-Requested-With": "XMLHttpRequest"})

    assert response.status_code == 201
    assert response.json() == {"redirect": f"/studio/posts/{VideoPost.objects.get().pk}/"}


def test_a_text_file_named_mp4_is_refused_on_the_page(creator_client):
    response = _post_page(creator_client, _text_named_mp4())

    assert response.status_code == 400
    assert "This file is not a video we can read" in response.text
    _assert_nothing_stored()


def test_a_text_file_named_mp4_is_refused_by_the_api(creator_api):
    response = _post_api(creator_api, _text_named_mp4())

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unreadable"
    assert "not a video we can read" in body["fields"]["video"][0]
    _assert_nothing_stored()


def test_an_audio_only_file_is_refused_on_the_page_and_by_the_api(creator_client, creator_api, tmp_path):
    page = _post_page(creator_client, _audio_only(tmp_path))
    api = _post_api(creator_api, _audio_only(tmp_path))

    assert page.status_code == 400
    assert "no video stream" in page.text
    assert (api.status_code, api.json()["code"]) == (400, "no_video_stream")
    _assert_nothing_stored()


def test_a_too_long_clip_is_refused(creator_client, creator_api, tmp_path, settings):
    settings.CREATOR_VIDEO_MAX_SECONDS = 1
    clip = make_test_clip(tmp_path / "long.mp4", seconds=2, width=160, height=284)

    page = _post_page(creator_client, SimpleUploadedFile("long.mp4", clip.read_bytes()))
    api = _post_api(creator_api, SimpleUploadedFile("long.mp4", clip.read_bytes()))

    assert page.status_code == 400
    assert "This video is 2 s long; the limit is 1 s." in page.text
    assert (api.status_code, api.json()["code"]) == (400, "too_long")
    _assert_nothing_stored()


def test_a_10000x10000_clip_is_refused_on_the_page_and_by_the_api(creator_client, creator_api, huge_clip):
    page = _post_page(creator_client, SimpleUploadedFile("huge.mp4", huge_clip.read_bytes()))
    api = _post_api(creator_api, SimpleUploadedFile("huge.mp4", huge_clip.read_bytes()))

    assert page.status_code == 400
    assert "This video is 10000\u00d710000 pixels; the largest accepted is 4096 pixels" in page.text
    assert (api.status_code, api.json()["code"]) == (400, "too_many_pixels")
    _assert_nothing_stored()


def test_an_oversized_upload_is_stopped_by_the_handler_before_it_is_stored(creator_client, settings):
    # Given a limit of 100 kB and a 130 kB file (within the Content-Length slack, so the handler decides)
    settings.CREATOR_VIDEO_MAX_BYTES = 100 * 1024
    big = SimpleUploadedFile("big.mp4", b"\0" * (130 * 1024), content_type="video/mp4")

    response = _post_page(creator_client, big)

    assert response.status_code == 413
    assert "larger than 100.0\xa0KB" in response.text
    request = response.wsgi_request
    assert request.upload_too_large
    # The handler stopped counting at the first chunk past the limit: the rest never reached a file.
    assert 100 * 1024 < request.upload_bytes_received < 130 * 1024
    _assert_nothing_stored()


def test_an_oversized_upload_is_stopped_by_the_handler_in_the_api(creator_api, settings):
    settings.CREATOR_VIDEO_MAX_BYTES = 100 * 1024
    big = SimpleUploadedFile("big.mp4", b"\0" * (130 * 1024), content_type="video/mp4")

    response = _post_api(creator_api, big)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.wsgi_request.upload_bytes_received < 130 * 1024
    _assert_nothing_stored()


def test_a_declared_oversized_body_is_refused_before_reading_it(creator_client, creator_api, settings):
    # Given a Content-Length far above the limit: the answer comes without reading the body at all.
    settings.CREATOR_VIDEO_MAX_BYTES = 10 * 1024
    body = b"\0" * (400 * 1024)
    for client in (creator_client, creator_api):
        big = SimpleUploadedFile("big.mp4", body, content_type="video/mp4")
        response = client.post(PAGE if client is creator_client else API, {"video": big}, format="multipart")

        assert response.status_code == 413
        stream = response.wsgi_request.META["wsgi.input"]
        assert len(stream) > len(body)  # FakePayload: bytes still unread
        assert not hasattr(response.wsgi_request, "upload_bytes_received") or not (
            response.wsgi_request.upload_bytes_received
        )
    _assert_nothing_stored()


def test_only_approved_creators_upload(client, tmp_path):
    pending = CreatorFactory(status=Creator.Status.PENDING)
    client.force_login(pending.user)

    response = _post_page(client, clip_upload(tmp_path))

    assert response.status_code == 403
    assert "awaiting approval" in response.text
    _assert_nothing_stored()


def test_a_pending_creator_is_refused_by_the_api(api_client, tmp_path):
    pending = CreatorFactory(status=Creator.Status.PENDING)
    api_client.force_authenticate(pending.user)

    response = _post_api(api_client, clip_upload(tmp_path))

    assert (response.status_code, response.json()["code"]) == (403, "creator_not_approved")
    _assert_nothing_stored()
