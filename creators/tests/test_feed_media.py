"""A post's media as the feed plays them: a real clip in byte ranges, a long-cached poster, tag cues in WebVTT."""

import json
from pathlib import Path

import pytest
from django.core.files import File

from creators.tests.factories import ProductTagFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product
from marketplace.video import make_test_clip, probe_video
from shop.models import Product
from shop.tests.factories import image_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip_post(tmp_path: Path):
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=2, width=180, height=320)
    post = post_with_tags(duration_seconds=2)
    with clip.open("rb") as handle:
        post.video.save("clip.mp4", File(handle))
    post.poster.save("poster.jpg", image_upload(size=(180, 320)))
    return post, clip.read_bytes()


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_feed_points_at_the_clip_and_seeking_gets_206_with_the_right_bytes(client, clip_post):
    post, data = clip_post
    html = client.get("/feed/").content.decode()
    assert f'src="/media/{post.video.name}"' in html and f'poster="/media/{post.poster.name}"' in html

    start = client.get(f"/media/{post.video.name}", HTTP_RANGE="bytes=0-1")  # what browsers ask first
    middle = client.get(f"/media/{post.video.name}", HTTP_RANGE=f"bytes={len(data) // 2}-")

    assert start.status_code == middle.status_code == 206
    assert start["Content-Range"] == f"bytes 0-1/{len(data)}"
    assert _body(start) == data[:2]
    assert middle["Content-Range"] == f"bytes {len(data) // 2}-{len(data) - 1}/{len(data)}"
    assert _body(middle) == data[len(data) // 2 :]
    assert middle["Content-Type"] == "video/mp4" and middle["Accept-Ranges"] == "bytes"


def test_the_whole_clip_is_a_playable_mp4(client, clip_post, tmp_path):
    post, _ = clip_post
    response = client.get(f"/media/{post.video.name}")
    copy = tmp_path / "served.mp4"
    copy.write_bytes(_body(response))

    assert response.status_code == 200
    assert probe_video(copy).codec == "h264"
    assert probe_video(copy).duration_seconds == pytest.approx(2, abs=0.1)


def test_a_range_past_the_end_of_the_clip_is_416(client, clip_post):
    post, data = clip_post

    response = client.get(f"/media/{post.video.name}", HTTP_RANGE=f"bytes={len(data)}-")

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_the_poster_is_cached_for_a_year(client, clip_post):
    post, _ = clip_post

    response = client.get(f"/media/{post.poster.name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_tags_track_has_a_cue_per_visible_tag_with_a_json_payload(client):
    post = post_with_tags(duration_seconds="12.5")
    teapot = tagged_product("Glass teapot --> <b>", "24.00")
    early = ProductTagFactory(post=post, product=teapot.product, start_seconds=2, end_seconds="4.25")
    late = ProductTagFactory(post=post, product=teapot.product, start_seconds=10)  # no end: to the end of the video
    archived = ProductTagFactory(post=post, product=tagged_product("Old kettle").product, start_seconds=1)
    Product.objects.filter(pk=archived.product_id).update(status=Product.Status.ARCHIVED)

    response = client.get(f"/v/{post.pk}/tags.vtt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    blocks = response.content.decode().strip().split("\n\n")
    assert blocks[0] == "WEBVTT"
    cues = [block.split("\n") for block in blocks[1:]]
    assert [cue[:2] for cue in cues] == [
        [f"tag-{early.pk}", "00:00:02.000 --> 00:00:04.250"],
        [f"tag-{late.pk}", "00:00:10.000 --> 00:00:12.500"],
    ]
    assert "-->" not in cues[0][2] and "<b>" not in cues[0][2]
    assert json.loads(cues[0][2]) == {
        "tag": early.pk,
        "product": "Glass teapot --> <b>",
        "price": "24.00",
        "currency": "USD",
        "url": f"/feed/sheet/{early.pk}/",
    }
