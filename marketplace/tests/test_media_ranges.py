"""The media view answers byte ranges (206 / 416) so video seeking works and Safari plays MP4."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from marketplace.range_response import Unsatisfiable, parse_range

pytestmark = pytest.mark.django_db

BODY = bytes(range(256)) * 4  # 1024 distinct-enough bytes


@pytest.fixture
def video_name():
    return default_storage.save("videos/1/clip.mp4", ContentFile(BODY))


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _assert_media_headers(response):
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, 1023), ("bytes=-50", 974, 1023), ("bytes=1000-5000", 1000, 1023)],
)
def test_a_range_gets_206_with_those_bytes(client, video_name, header, start, end):
    response = client.get(f"/media/{video_name}", HTTP_RANGE=header)

    assert response.status_code == 206
    assert _body(response) == BODY[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/1024"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Content-Type"] == "video/mp4"
    _assert_media_headers(response)


def test_an_unsatisfiable_range_gets_416(client, video_name):
    response = client.get(f"/media/{video_name}", HTTP_RANGE="bytes=999999-")

    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


def test_no_range_gets_the_whole_file(client, video_name):
    response = client.get(f"/media/{video_name}")

    assert response.status_code == 200
    assert _body(response) == BODY
    assert response["Content-Length"] == "1024"
    assert "Content-Range" not in response
    _assert_media_headers(response)


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-5", "bytes=9-2", "garbage"])
def test_ranges_we_do_not_serve_get_the_whole_file(client, video_name, header):
    response = client.get(f"/media/{video_name}", HTTP_RANGE=header)

    assert response.status_code == 200
    assert _body(response) == BODY


def test_a_stale_if_range_gets_the_whole_file(client, video_name):
    fresh = client.get(f"/media/{video_name}")["Last-Modified"]

    stale = client.get(f"/media/{video_name}", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE="Thu, 01 Jan 1970 00:00:00 GMT")
    matching = client.get(f"/media/{video_name}", HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=fresh)

    assert stale.status_code == 200
    assert matching.status_code == 206


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("a.mp4", "video/mp4"), ("a.webm", "video/webm"), ("a.MOV", "video/quicktime"), ("a.png", "image/png")],
)
def test_media_types(client, name, content_type):
    saved = default_storage.save(f"videos/2/{name}", ContentFile(b"0123456789"))

    response = client.get(f"/media/{saved}", HTTP_RANGE="bytes=2-5")

    assert response.status_code == 206
    assert response["Content-Type"] == content_type
    assert _body(response) == b"2345"


def test_head_sends_the_headers_without_a_body(client, video_name):
    whole = client.head(f"/media/{video_name}")
    part = client.head(f"/media/{video_name}", HTTP_RANGE="bytes=0-99")

    assert whole.status_code == 200
    assert whole["Content-Length"] == "1024"
    assert whole.content == b""
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 0-99/1024"
    assert part["Content-Length"] == "100"
    assert part.content == b""


def test_other_methods_are_refused(client, video_name):
    assert client.post(f"/media/{video_name}").status_code == 405


def test_a_larger_file_streams_in_chunks(client):
    big = bytes(range(256)) * 1024  # 256 KiB: several 64 KiB chunks
    name = default_storage.save("videos/3/big.webm", ContentFile(big))

    response = client.get(f"/media/{name}", HTTP_RANGE="bytes=1000-200000")

    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert b"".join(chunks) == big[1000:200001]


def test_parse_range_edges():
    assert parse_range(None, 10) is None
    assert parse_range("bytes=-100", 10) == (0, 9)
    assert parse_range("bytes=9-", 10) == (9, 9)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=10-", 10)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=-0", 10)
    with pytest.raises(Unsatisfiable):
        parse_range("bytes=0-", 0)
