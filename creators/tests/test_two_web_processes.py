"""Two web processes on two ports share PostgreSQL and the bucket: a video uploaded through one plays
through the other (as on two machines behind a load balancer)."""

import os
import subprocess
import sys

import pytest
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from conftest import BASE_DIR, _database_url, _free_loopback_port, wait_until
from creators.models import Creator, VideoPost
from creators.tests.factories import CreatorFactory
from marketplace.video import make_test_clip

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.django_db(transaction=True)]
CSRF = "c" * 32


def _web_process(port: int, s3) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "MEDIA_STORAGE_URL": f"s3://test:test@{s3.bucket}?endpoint_url={s3.endpoint}&region=us-east-1",
        "CELERY_BROKER_URL": "",  # tasks run in the web process here: no worker to wait for
        "CACHE_URL": "locmemcache://",
        "CREATOR_VIDEO_UPLOAD_PART_BYTES": "4096",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true",  # static files from the source folders: no collectstatic in a test
    }
    log = (BASE_DIR / "test-artifacts").joinpath(f"web-{port}.log")
    log.parent.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "marketplace.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _logged_in(user) -> requests.Session:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "shop.auth.ShopUserBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    http = requests.Session()
    http.cookies.set("sessionid", session.session_key)
    http.cookies.set("csrftoken", CSRF)
    http.headers.update({"X-CSRFToken": CSRF, "X-Requested-With": "XMLHttpRequest"})
    return http


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def test_a_video_uploaded_through_one_web_process_plays_through_the_other(s3_storage, tmp_path):
    creator = CreatorFactory(status=Creator.Status.APPROVED)
    clip = make_test_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=284).read_bytes()
    ports = [_free_loopback_port(), _free_loopback_port()]
    web = [_web_process(port, s3_storage) for port in ports]
    one, other = (f"http://127.0.0.1:{port}" for port in ports)
    try:
        wait_until(lambda: _answers(f"{one}/healthz") and _answers(f"{other}/healthz"), timeout=60, what="gunicorn")
        http = _logged_in(creator.user)

        opened = http.post(f"{one}/studio/uploads/", json={"filename": "clip.mp4", "size": len(clip)}).json()
        for number in range(1, opened["parts"] + 1):
            part = clip[(number - 1) * 4096 : number * 4096]
            assert requests.put(opened["urls"][str(number)], data=part, timeout=10).status_code == 200
        done = http.post(f"{one}{opened['complete_url']}")
        page = http.get(f"{other}/studio/posts/{opened['post']}/")

        post = VideoPost.objects.get(pk=opened["post"])
        assert done.status_code == 202 and post.status == VideoPost.Status.READY
        assert f'src="{post.studio_video_url}"' in page.text
        # A draft plays for its creator through the other process: permission check, signed redirect, bucket.
        played = http.get(f"{other}{post.studio_video_url}", headers={"Range": "bytes=0-99"}, timeout=10)
        assert (played.status_code, played.content) == (206, clip[:100])
        assert played.history[0].status_code == 302
    finally:
        for process in web:
            process.terminate()
            process.wait(timeout=20)
