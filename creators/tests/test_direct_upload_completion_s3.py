"""Joining a direct upload's parts happens on the media worker, never in the web request (moto's S3 server).

The browser's "done" is answered once ListParts shows every part; CompleteMultipartUpload, which takes
seconds to minutes for a large video, is the worker's, and survives being run twice. Each part URL signs
the part's exact length.
"""

import datetime
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from creators.models import VideoPost
from creators.services import direct_uploads, posts
from creators.tests import studio_helpers, test_direct_upload_s3
from creators.tests.test_direct_upload_s3 import PART, objects, open_uploads, put, send_parts, start

pytestmark = [pytest.mark.django_db, pytest.mark.s3]
creator = studio_helpers.creator
creator_client = studio_helpers.creator_client
isolated_media = studio_helpers.isolated_media
clip = test_direct_upload_s3.clip
MOTO_KEYS = "test"  # conftest's s3_storage: moto accepts any keys


@pytest.fixture
def small_parts(settings):
    settings.CREATOR_VIDEO_UPLOAD_PART_BYTES = PART


def sent_and_marked_done(client, clip: bytes) -> tuple[dict, object]:
    state = start(client, size=len(clip)).json()
    send_parts(state, clip, range(1, state["parts"] + 1))
    return state, client.post(state["complete_url"])


def test_done_is_answered_202_with_the_parts_still_unjoined(s3_storage, small_parts, creator_client, clip):
    state, done = sent_and_marked_done(creator_client, clip)

    post = VideoPost.objects.get(pk=state["post"])
    assert done.status_code == 202 and done.json() == {
        "post": post.pk,
        "status": "processing",
        "redirect": f"/studio/posts/{post.pk}/",
    }
    # No CompleteMultipartUpload yet: the upload is still open and no object exists at its key.
    assert open_uploads(s3_storage) == [f"private/{post.source.name}"]
    assert objects(s3_storage) == []
    assert post.status == VideoPost.Status.PROCESSING and post.upload_id


def test_the_media_worker_joins_the_parts_then_checks_and_processes_the_video(
    s3_storage, small_parts, creator_client, clip, deliver_events
):
    state, _ = sent_and_marked_done(creator_client, clip)

    deliver_events()

    post = VideoPost.objects.get(pk=state["post"])
    assert (post.status, post.upload_id, post.failure_reason) == ("ready", "", "")
    assert open_uploads(s3_storage) == []
    stored = s3_storage.client.get_object(Bucket=s3_storage.bucket, Key=f"private/{post.source.name}")
    assert stored["Body"].read() == clip


def test_a_worker_killed_after_joining_and_a_replayed_task_finish_the_same_post(
    s3_storage, small_parts, creator_client, clip
):
    state, _ = sent_and_marked_done(creator_client, clip)
    post = VideoPost.objects.get(pk=state["post"])
    # The first worker joined the parts, then died before writing anything.
    assert direct_uploads.join_parts(post=post) is None

    finished = posts.process_post(post_id=post.pk)  # redelivered: the upload is already joined
    again = posts.process_post(post_id=post.pk)  # and once more: nothing left to do

    post.refresh_from_db()
    assert finished is not None and again is None
    assert (post.status, post.upload_id) == ("ready", "")
    assert open_uploads(s3_storage) == []
    assert f"private/{post.source.name}" in objects(s3_storage)


def test_a_part_replaced_after_done_is_caught_by_the_worker_and_nothing_is_kept(
    s3_storage, small_parts, creator_client, clip, deliver_events
):
    state, done = sent_and_marked_done(creator_client, clip)
    # The part URLs are still valid: the client sends the last part again, shorter, after saying it was done.
    last = state["parts"]
    put(state["urls"][str(last)], b"x" * 10)

    deliver_events()

    post = VideoPost.objects.get(pk=state["post"])
    assert done.status_code == 202
    assert (post.status, post.source.name, post.upload_id) == ("failed", "", "")
    assert post.failure_reason == "A part of this upload does not have the size it was given; upload the video again."
    assert objects(s3_storage) == [] and open_uploads(s3_storage) == []


def _signature(url: str, *, content_length: int) -> str:
    """The SigV4 query signature of a PUT to `url` sent with this Content-Length (what S3 recomputes)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    params = dict(query)
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query))
    signed = params["X-Amz-SignedHeaders"]
    headers = {"content-length": str(content_length), "host": parts.netloc}
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in signed.split(";"))
    canonical = "\n".join(["PUT", parts.path, canonical_query, canonical_headers, signed, "UNSIGNED-PAYLOAD"])
    amz_date = params["X-Amz-Date"]
    scope = params["X-Amz-Credential"].split("/", 1)[1]
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{MOTO_KEYS}".encode()
    for piece in scope.split("/"):
        key = hmac.new(key, piece.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_each_part_url_signs_the_parts_exact_length(s3_storage, small_parts, creator_client):
    declared = 2 * PART + 100  # parts of 4096, 4096 and 100 bytes
    state = start(creator_client, size=declared).json()

    for number, length in ((1, PART), (2, PART), (3, 100)):
        url = state["urls"][str(number)]
        params = dict(parse_qsl(urlsplit(url).query))
        assert params["X-Amz-SignedHeaders"] == "content-length;host"
        # S3 recomputes the signature with the Content-Length the PUT carries: only the granted length matches.
        assert _signature(url, content_length=length) == params["X-Amz-Signature"]
        assert _signature(url, content_length=length + 1) != params["X-Amz-Signature"]
    assert datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert json.dumps(state["part_size"]) == str(PART)
