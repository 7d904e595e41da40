"""The video task goes to the `media` queue and a real Celery worker process makes the post ready."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from creators.models import VideoPost
from creators.services.posts import create_post_from_upload
from creators.tests.factories import CreatorFactory
from marketplace.celery import app as celery_app
from marketplace.outbox import event_named
from marketplace.video import make_test_clip


def test_video_and_avatar_work_is_handled_on_the_media_queue_with_room_for_long_videos():
    video = event_named("creators.video_uploaded").handlers["creators.process_video"]
    avatar = event_named("creators.avatar_uploaded").handlers["creators.avatar_renditions"]

    assert (video.queue, avatar.queue) == ("media", "media")
    assert video.soft_time_limit == 30 * 60
    assert not video.atomic  # minutes of work run outside a transaction


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_an_uploaded_webm(celery_worker_process, tmp_path):
    celery_app.conf.task_always_eager = False
    clip = make_test_clip(tmp_path / "c.webm", seconds=1, width=160, height=284, codec="libvpx-vp9", container="webm")

    post = create_post_from_upload(
        creator=CreatorFactory(), upload=SimpleUploadedFile("c.webm", clip.read_bytes()), caption="#worker"
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        post.refresh_from_db()
        if post.status != VideoPost.Status.PROCESSING:
            break
        time.sleep(0.2)
    assert (post.status, post.failure_reason) == (VideoPost.Status.READY, "")
    assert post.private_video.name.endswith("/video.mp4")  # a draft: private until published
    assert post.private_poster_renditions["jpeg"] and post.video.name == ""
