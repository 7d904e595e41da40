"""A video uploaded while the broker is down: the post is saved once and answered 201; processing follows."""

import pytest
from kombu.exceptions import OperationalError as BrokerDown

from creators.models import VideoPost
from creators.tests import studio_helpers
from creators.tests.studio_helpers import clip_upload
from marketplace import outbox

pytestmark = pytest.mark.django_db

creator = studio_helpers.creator
creator_api = studio_helpers.creator_api
isolated_media = studio_helpers.isolated_media


def test_a_post_uploaded_while_the_broker_is_down_is_processed_once_it_is_back(
    creator_api, tmp_path, monkeypatch, django_capture_on_commit_callbacks, deliver_events
):
    def refuse(*args, **kwargs):
        raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox.run_event_handler, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = creator_api.post("/api/v1/creator/posts/", {"video": clip_upload(tmp_path)}, format="multipart")

    assert response.status_code == 201
    assert VideoPost.objects.get().status == VideoPost.Status.PROCESSING

    monkeypatch.undo()
    deliver_events()

    post = VideoPost.objects.get()
    assert (post.status, post.failure_reason) == (VideoPost.Status.READY, "")
    assert post.private_poster
