"""Media on object storage against media through the app: a large video uploaded, and media requests served.

    .venv/bin/python bench/media_storage.py [--megabytes 200] [--seconds 5] [--threads 8]

Starts moto's S3 server on the loopback address (requirements-dev.txt), two gunicorn servers on a throwaway
SQLite database (one with media on the local disk, one with MEDIA_STORAGE_URL on moto, 2 sync workers each),
and Redis db 8 as the broker so that no video is processed inside a request (flushed before and after).

1. Upload: one video of --megabytes (a real MP4 padded with a `free` box, so the content checks pass)
   - through the app: POST /studio/upload/, the file in the request body; a web worker is busy the whole time;
   - direct: POST /studio/uploads/, the parts PUT to the bucket (4 at a time), POST .../complete/; a web worker
     is busy only for the two small requests.
2. Media: GET of the same 1 MiB video for --seconds from --threads threads
   - through Django: /media/<name> streamed by gunicorn from the disk;
   - redirect: /media/<name> answered 301 to the bucket (counted without following it: the bucket or a CDN
     serves the bytes, not our workers).

moto is a Python server on this machine: the direct upload's transfer time says little about S3; the web
worker occupancy does not depend on it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
BROKER = "redis://127.0.0.1:6379/8"
KEY = "bench"  # moto accepts any keys
CSRF = "b" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{what} did not start")


def padded_video(path: Path, megabytes: int) -> Path:
    from creators.video import make_test_clip

    clip = make_test_clip(path.with_suffix(".small.mp4"), seconds=2, width=320, height=568).read_bytes()
    padding = megabytes * 1024 * 1024 - len(clip)
    with path.open("wb") as out:
        out.write(clip)
        out.write(struct.pack(">I", 1) + b"free" + struct.pack(">Q", padding))  # a 64-bit `free` box
        chunk = b"\0" * (1024 * 1024)
        remaining = padding - 16
        while remaining > 0:
            out.write(chunk[: min(len(chunk), remaining)])
            remaining -= len(chunk)
    return path


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


SETUP = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from creators.models import Creator
from marketplace.models import User
user = User.objects.create_user("bench-creator", password="x")
Creator.objects.create(user=user, handle="benchcreator", display_name="Bench", status=Creator.Status.APPROVED)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "marketplace.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "600", "--log-level", "warning"],
        cwd=BASE_DIR, env=env,
    )  # fmt: skip
    wait_for(port, process, "gunicorn")
    return process


def client(base: str, session_key: str) -> requests.Session:
    http = requests.Session()
    http.cookies.set("sessionid", session_key, domain="127.0.0.1")
    http.cookies.set("csrftoken", CSRF, domain="127.0.0.1")
    http.headers.update({"X-CSRFToken": CSRF, "Referer": base + "/", "X-Requested-With": "XMLHttpRequest"})
    return http


def upload_through_app(base: str, session_key: str, video: Path) -> dict:
    http = client(base, session_key)
    started = time.monotonic()
    with video.open("rb") as handle:
        response = http.post(
            base + "/studio/upload/", data={"caption": "bench"}, files={"video": ("bench.mp4", handle, "video/mp4")}
        )
    elapsed = time.monotonic() - started
    assert response.status_code == 201, (response.status_code, response.text[:300])
    return {"total": elapsed, "web_busy": elapsed}


def upload_direct(base: str, session_key: str, video: Path) -> dict:
    http = client(base, session_key)
    size = video.stat().st_size
    started = time.monotonic()
    opened = http.post(base + "/studio/uploads/", json={"filename": "bench.mp4", "size": size, "caption": "bench"})
    web_busy = opened.elapsed.total_seconds()
    assert opened.status_code == 201, (opened.status_code, opened.text[:300])
    state = opened.json()

    def send(number: int) -> None:
        with video.open("rb") as handle:
            handle.seek((number - 1) * state["part_size"])
            body = handle.read(state["part_size"])
        answer = requests.put(state["urls"][str(number)], data=body, timeout=600)
        assert answer.status_code == 200, answer.text[:200]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(1, state["parts"] + 1)))
    done = http.post(base + state["complete_url"])
    web_busy += done.elapsed.total_seconds()
    assert done.status_code == 200, (done.status_code, done.text[:300])
    return {"total": time.monotonic() - started, "web_busy": web_busy}


def requests_per_second(url: str, *, seconds: float, threads: int, follow: bool) -> tuple[float, int]:
    stop = time.monotonic() + seconds
    counts: list[int] = []
    statuses: set[int] = set()
    lock = threading.Lock()

    def run() -> None:
        http = requests.Session()
        count = 0
        while time.monotonic() < stop:
            response = http.get(url, allow_redirects=follow)
            _ = response.content
            statuses.add(response.status_code)
            count += 1
        with lock:
            counts.append(count)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(statuses) == 1, statuses
    return sum(counts) / seconds, statuses.pop()


def report(options, through: dict, direct: dict, streamed: tuple, redirected: tuple) -> None:
    size = f"{options.megabytes} MB"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"upload of {size} through the app: {through['total']:.1f} s, a web worker busy {through['web_busy']:.1f} s")
    print(f"upload of {size} direct to storage: {direct['total']:.1f} s, web workers busy {direct['web_busy']:.3f} s")
    print(f"1 MiB video through Django: {streamed[0]:.0f} requests/s (status {streamed[1]})")
    print(f"1 MiB video as a redirect to the bucket: {redirected[0]:.0f} requests/s (status {redirected[1]})")


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(port, moto, "moto")
    return moto, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=8)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-media-"))
    processes: list[subprocess.Popen] = []
    try:
        moto, endpoint = start_moto()
        processes.append(moto)
        common = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CELERY_BROKER_URL": BROKER,
            "MEDIA_ROOT": str(work / "media"),
            "CREATOR_VIDEO_MAX_BYTES": str((options.megabytes + 1) * 1024 * 1024),
            "DATA_UPLOAD_MAX_MEMORY_SIZE": str(16 * 1024 * 1024),
            "LOG_LEVEL": "WARNING",
        }
        on_s3 = {
            **common,
            "MEDIA_STORAGE_URL": f"s3://{KEY}:{KEY}@bench-media?endpoint_url={endpoint}&region=us-east-1",
        }
        subprocess.run(["redis-cli", "-n", "8", "flushdb"], check=True, capture_output=True)
        manage(common, "migrate", "--noinput")
        session_key = manage(common, "shell", "-c", SETUP).splitlines()[-1]

        import boto3

        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=KEY
        )
        s3.create_bucket(Bucket="bench-media")
        manage(on_s3, "setup_media_bucket")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        os.environ.update({"SECRET_KEY": common["SECRET_KEY"], "DATABASE_URL": common["DATABASE_URL"]})
        import django

        django.setup()
        video = padded_video(work / "bench.mp4", options.megabytes)
        small = padded_video(work / "small.mp4", 1)
        (work / "media/videos/bench").mkdir(parents=True, exist_ok=True)
        shutil.copy(small, work / "media/videos/bench/clip.mp4")
        s3.upload_file(str(small), "bench-media", "public/videos/bench/clip.mp4")

        local_port, s3_port = free_port(), free_port()
        processes += [gunicorn(common, local_port), gunicorn(on_s3, s3_port)]
        local, remote = f"http://127.0.0.1:{local_port}", f"http://127.0.0.1:{s3_port}"

        through = upload_through_app(local, session_key, video)
        direct = upload_direct(remote, session_key, video)
        streamed = requests_per_second(
            f"{local}/media/videos/bench/clip.mp4", seconds=options.seconds, threads=options.threads, follow=False
        )
        redirected = requests_per_second(
            f"{remote}/media/videos/bench/clip.mp4", seconds=options.seconds, threads=options.threads, follow=False
        )
        report(options, through, direct, streamed, redirected)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["redis-cli", "-n", "8", "flushdb"], check=False, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
