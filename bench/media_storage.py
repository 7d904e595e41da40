"""Media on object storage against media through the app: a large video uploaded, and media requests served.

    .venv/bin/python bench/media_storage.py [--megabytes 200] [--seconds 5] [--threads 8] [--redis-db 8]

Starts moto's S3 server on the loopback address (requirements-dev.txt), two gunicorn servers on a throwaway
SQLite database (one with media on the local disk, one with MEDIA_STORAGE_URL on moto, 2 sync workers each),
and a Redis db (8 unless --redis-db) as the broker so that no video is processed inside a request (flushed
before and after).

1. Upload: one video of --megabytes (a real MP4 padded with a `free` box, so the content checks pass), sent at
   --client-mbps (a creator's uplink; 100 Mbit/s by default) on both paths
   - through the app: POST /studio/upload/, the file in the request body; a web worker is busy the whole time;
   - direct: POST /studio/uploads/, the parts PUT to the bucket (4 at a time), POST .../complete/ (ListParts,
     then 202); a web worker is busy only for the two small requests. The media worker's first step, joining
     the parts (CompleteMultipartUpload, `direct_uploads.join_parts`), is then timed on its own: it is off
     the web workers, but a creator waits for it.
2. Media: GET of the same 1 MiB video for --seconds over --threads connections (wrk when installed)
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
import re
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
    from marketplace.video import make_test_clip

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
session[BACKEND_SESSION_KEY] = "shop.auth.ShopUserBackend"
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


class Throttled:
    """A body read at most `mbps` megabits a second (a creator's uplink), of known length (Content-Length)."""

    def __init__(self, parts: list, mbps: float) -> None:
        self.parts, self.rate = parts, mbps * 1_000_000 / 8
        self.length = sum(len(part) if isinstance(part, bytes) else part.stat().st_size for part in parts)
        self.sent, self.started, self.handle = 0, time.monotonic(), None

    def __len__(self) -> int:
        return self.length

    def read(self, size: int = 1024 * 1024) -> bytes:
        size = min(size if size and size > 0 else 1024 * 1024, 1024 * 1024)
        while self.parts:
            part = self.parts[0]
            if isinstance(part, bytes):
                chunk, self.parts[0] = part[:size], part[size:]
            else:
                self.handle = self.handle or part.open("rb")
                chunk = self.handle.read(size)
            if chunk:
                break
            self.parts.pop(0)
            if self.handle:
                self.handle.close()
                self.handle = None
        else:
            return b""
        self.sent += len(chunk)
        ahead = self.sent / self.rate - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(ahead)
        return chunk


def upload_through_app(base: str, session_key: str, video: Path, mbps: float) -> dict:
    http = client(base, session_key)
    boundary = "----bench-media-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{CSRF}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="caption"\r\n\r\nbench\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="video"; filename="bench.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    body = Throttled([head, video, f"\r\n--{boundary}--\r\n".encode()], mbps)
    started = time.monotonic()
    response = http.post(
        base + "/studio/upload/",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Content-Length": str(len(body))},
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 201, (response.status_code, response.text[:300])
    return {"total": elapsed, "web_busy": elapsed}


def upload_direct(base: str, session_key: str, video: Path, mbps: float) -> dict:
    http = client(base, session_key)
    size = video.stat().st_size
    started = time.monotonic()
    opened = http.post(base + "/studio/uploads/", json={"filename": "bench.mp4", "size": size, "caption": "bench"})
    web_busy = {"start": opened.elapsed.total_seconds()}
    assert opened.status_code == 201, (opened.status_code, opened.text[:300])
    state = opened.json()

    def send(number: int) -> None:
        with video.open("rb") as handle:
            handle.seek((number - 1) * state["part_size"])
            body = handle.read(state["part_size"])
        answer = requests.put(state["urls"][str(number)], data=Throttled([body], mbps / 4), timeout=600)
        assert answer.status_code == 200, answer.text[:200]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(send, range(1, state["parts"] + 1)))
    done = http.post(base + state["complete_url"])
    web_busy["complete"] = done.elapsed.total_seconds()
    assert done.status_code == 202, (done.status_code, done.text[:300])
    total = time.monotonic() - started
    # What the media worker does first (no worker runs here: the broker only collects the task).
    from creators.models import VideoPost  # after django.setup()
    from creators.services.direct_uploads import join_parts

    joining = time.monotonic()
    assert join_parts(post=VideoPost.objects.get(pk=state["post"])) is None
    joined = time.monotonic() - joining
    return {"total": total, "web_busy": sum(web_busy.values()), "join": joined, **web_busy}


def requests_per_second(url: str, *, seconds: float, threads: int, follow: bool) -> tuple[float, int]:
    """wrk when installed (scripts/install-debian-packages.sh; it never follows redirects), else Python threads."""
    status = requests.get(url, allow_redirects=False, timeout=60).status_code
    if shutil.which("wrk") and not follow:
        result = subprocess.run(
            ["wrk", "-t2", f"-c{threads}", f"-d{max(1, round(seconds))}s", url],
            capture_output=True,
            text=True,
            check=False,
        )
        rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
        if rate:
            return float(rate.group(1)), status
    return _python_requests_per_second(url, seconds=seconds, threads=threads, follow=follow)


def _python_requests_per_second(url: str, *, seconds: float, threads: int, follow: bool) -> tuple[float, int]:
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
    size = f"{options.megabytes} MB at {options.client_mbps:g} Mbit/s"
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {load}, Python {platform.python_version()}"
    )
    print(f"upload of {size} through the app: {through['total']:.1f} s, a web worker busy {through['web_busy']:.1f} s")
    print(
        f"upload of {size} direct to storage: {direct['total']:.1f} s, web workers busy {direct['web_busy']:.2f} s "
        f"(opening {direct['start']:.2f} s, done {direct['complete']:.2f} s); "
        f"then the media worker joins the parts in {direct['join']:.1f} s"
    )
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
    parser.add_argument("--client-mbps", type=float, default=100, help="the creator's uplink (both paths)")
    parser.add_argument("--redis-db", type=int, default=8, help="the broker's Redis db (flushed before and after)")
    options = parser.parse_args()
    broker = f"redis://127.0.0.1:6379/{options.redis_db}"
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
            "CELERY_BROKER_URL": broker,
            "MEDIA_ROOT": str(work / "media"),
            "CREATOR_VIDEO_MAX_BYTES": str((options.megabytes + 1) * 1024 * 1024),
            "DATA_UPLOAD_MAX_MEMORY_SIZE": str(16 * 1024 * 1024),
            "LOG_LEVEL": "WARNING",
        }
        on_s3 = {
            **common,
            "MEDIA_STORAGE_URL": f"s3://{KEY}:{KEY}@bench-media?endpoint_url={endpoint}&region=us-east-1",
        }
        subprocess.run(["redis-cli", "-n", str(options.redis_db), "flushdb"], check=True, capture_output=True)
        manage(common, "migrate", "--noinput")
        session_key = manage(common, "shell", "-c", SETUP).splitlines()[-1]

        import boto3

        s3 = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=KEY
        )
        s3.create_bucket(Bucket="bench-media")
        manage(on_s3, "setup_media_bucket")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
        # This process reads the bucket as the media worker would (it times the worker's join of the parts).
        os.environ.update(
            {key: on_s3[key] for key in ("SECRET_KEY", "DATABASE_URL", "MEDIA_STORAGE_URL", "CREATOR_VIDEO_MAX_BYTES")}
        )
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
        for base in (local, remote):  # each worker's first request pays for imports and boto3's set-up
            for _ in range(4):
                requests.get(f"{base}/media/videos/bench/clip.mp4", allow_redirects=False, timeout=60)

        through = upload_through_app(local, session_key, video, options.client_mbps)
        direct = upload_direct(remote, session_key, video, options.client_mbps)
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
        subprocess.run(["redis-cli", "-n", str(options.redis_db), "flushdb"], check=False, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
