"""Fixtures shared by every app's tests: isolated media, logged-in clients, services tests need.

Markers: `postgres` (row locks, full-text search) runs only on PostgreSQL; `worker` needs Redis and
starts a real Celery worker process; `browser` drives Debian's Chromium; `s3` runs against a real S3 API
(moto's server on the loopback address, started once per session by `s3_server`). Each is skipped, with the
reason, when its service is missing, except under REQUIRE_SERVICES=1 (CI's PostgreSQL pass), where a
missing service fails the run instead.
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.celery import app as celery_app
from marketplace.fragments import clear_shared_fragments

BASE_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = BASE_DIR / "test-artifacts"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
BROWSER_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="marketplace-test-media-"))


def pytest_configure(config: pytest.Config) -> None:
    settings.MEDIA_ROOT = str(_MEDIA_ROOT)
    # Pages render fresh in tests; test_page_cache.py turns the shared cache on where it is the subject.
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    # A real hasher costs ~0.5 s per user; tests only need passwords that check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The manifest needs `collectstatic`; tests read static files from the source folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_MEDIA_ROOT, ignore_errors=True)


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: a missing service is a failure here)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _services_for_markers(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    if request.node.get_closest_marker("worker") and not settings.CELERY_BROKER_URL:
        _missing("needs Redis and a Celery worker: set CELERY_BROKER_URL=redis://... to run it")
    if request.node.get_closest_marker("s3") and importlib.util.find_spec("moto") is None:
        _missing("needs moto[server] (an S3-compatible server): pip install -r requirements-dev.txt")
    if request.node.get_closest_marker("browser") and not Path(BROWSER_PATH).exists():
        _missing(f"needs Chromium at {BROWSER_PATH}: run scripts/install-debian-packages.sh")


@pytest.fixture(autouse=True)
def _reference_rows_in_transactional_tests(request: pytest.FixtureRequest):
    """Transactional tests run on tables an earlier one emptied: put back the rows the migrations load.

    After the test, and before the tables are emptied, wait for the work the test started elsewhere (a
    live server's request, a worker's task) to finish: emptying the tables under a running transaction
    deadlocks on PostgreSQL, and then the next test starts on this one's rows.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from shop.tests.reference_rows import load_reference_rows

    load_reference_rows(apps)
    yield
    _wait_until_other_connections_are_quiet()


QUIET_FOR_SECONDS = 0.2


def _wait_until_other_connections_are_quiet(timeout: float = 20.0) -> None:
    """No other connection to the test database has been inside a statement or a transaction for a moment."""
    if connection.vendor != "postgresql":
        return  # SQLite's writers wait for the lock (busy timeout) instead of deadlocking
    deadline = time.monotonic() + timeout
    quiet_since = None
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'"
            )
            if cursor.fetchone()[0]:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_FOR_SECONDS:
                return
            time.sleep(0.05)


@pytest.fixture(autouse=True)
def _eager_tasks_and_clean_cache() -> None:
    """Unit tests run tasks in-process; tests marked `worker` switch to the real broker themselves."""
    clear_shared_fragments()
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def deliver_events():
    """Hand the outbox's pending facts to their handlers now, as the relay does after commit.

    Unit tests run inside a transaction that never commits, so the relay never runs by itself; a
    test calls this where, in production, the facts it just wrote would be delivered. Handlers run
    eagerly and may publish more facts: those are delivered too. Answers how many were dispatched.
    """
    from marketplace.outbox import deliver_pending

    return deliver_pending


@pytest.fixture
def user(db):
    from marketplace.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):
    from marketplace.tests.factories import UserFactory

    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def get_counting_queries():
    """GET a URL with a client; returns the response and how many SQL queries it took."""

    def get(client, url: str):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return response, len(queries)

    return get


@pytest.fixture
def assert_changelist_queries_constant(staff_client, get_counting_queries):
    """An admin changelist makes as many queries for 30 rows as for 1 (no N+1)."""

    def check(url: str, make_rows) -> None:
        make_rows(1)
        staff_client.get(url)  # warm per-process caches (content types)
        one_response, one_row = get_counting_queries(staff_client, url)
        make_rows(29)
        many_response, thirty_rows = get_counting_queries(staff_client, url)
        assert (one_response.status_code, many_response.status_code) == (200, 200)
        assert len(many_response.context["cl"].result_list) >= 30
        assert thirty_rows == one_row

    return check


@pytest.fixture
def seller_member(db):
    from shop.tests.factories import SellerMemberFactory

    return SellerMemberFactory()


@pytest.fixture
def seller_client(client, seller_member):
    client.force_login(seller_member.user)
    client.seller = seller_member.seller
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def seller_api_client(api_client, seller_member):
    api_client.force_authenticate(seller_member.user)
    api_client.seller = seller_member.seller
    return api_client


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real `celery worker` process on the test database and the configured broker."""
    if not settings.CELERY_BROKER_URL:
        yield None
        return
    with django_db_blocker.unblock():
        database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(database),
        "MEDIA_ROOT": str(_MEDIA_ROOT),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # A refund the worker sends to the stand-in keeps the stand-in's events: nothing is posted to a
        # SITE_URL no test serves (127.0.0.1:8000 may be someone's `make run`).
        "STRIPE_LOCAL_WEBHOOK_URL": "",
    }
    celery_app.control.purge()
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    log = ARTIFACTS_DIR.joinpath("celery-worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker",
         "-Q", "default,allocation,labels,returns,media,inbound,consolidation",
         "--pool=prefork", "--concurrency=2", "--loglevel=INFO", "--hostname", f"test-{os.getpid()}@%h"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for_worker(process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_until(condition, *, timeout: float, what: str) -> None:
    """Poll `condition` until it holds (a real worker is doing the work); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def swept(condition, sweep, *, every: float = 3.0):
    """`condition`, with the beat's sweep (`sweep`) run every few seconds meanwhile, as production runs it.

    Redis can lose a task for good when a worker is killed: kombu takes the message off the queue (BRPOP) and only
    then records it as unacknowledged, so a SIGKILL between the two leaves nothing for the next worker to restore.
    What the task was for is in the database, and the sweep sends it again.
    """
    last = time.monotonic()

    def check() -> bool:
        nonlocal last
        if condition():
            return True
        if time.monotonic() - last > every:
            sweep()
            last = time.monotonic()
        return False

    return check


def worker_idle(*queues: str) -> bool:
    """Nothing waits in these queues, and no worker has a task running or reserved."""
    with celery_app.connection_for_write() as connection:
        if any(connection.default_channel.client.llen(queue) for queue in queues):
            return False
    inspect = celery_app.control.inspect(timeout=1)
    return not any([*(inspect.active() or {}).values(), *(inspect.reserved() or {}).values()])


def start_killable_worker(
    log_name: str, *, queues: str, visibility_timeout: int = 3, env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A Celery worker of its own process group (so a test can SIGKILL it and its pool) on the test database;
    a dead worker's unacknowledged tasks come back after `visibility_timeout` seconds."""
    environment = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        **(env or {}),
    }
    log = (BASE_DIR / "test-artifacts").joinpath(log_name)
    log.parent.mkdir(exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-Q", queues,
         "--concurrency=2", "--prefetch-multiplier=4", "--loglevel=INFO", "--hostname", f"{log_name}@%h"],
        cwd=BASE_DIR, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def _database_url(database: dict) -> str:
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}/{database['NAME']}"


def _wait_for_worker(process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited with {process.returncode}; see test-artifacts/celery-worker.log")
        if celery_app.control.ping(timeout=1):
            return
    raise RuntimeError("celery worker did not answer a ping within 60 s")


BROWSER_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; never a browser Playwright downloads."""
    if not Path(BROWSER_PATH).exists():
        yield None
        return
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER_PATH, args=BROWSER_ARGS)
        yield browser
        browser.close()


def _watched_page(chromium):
    """A mobile-sized page in a browser context of its own, collecting CSP violations from the console."""
    context = chromium.new_context(viewport={"width": 414, "height": 896}, device_scale_factor=1)
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    browser_page.csp_violations = []
    browser_page.on(
        "console",
        lambda message: (
            browser_page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return context, browser_page


@pytest.fixture
def page(chromium, request: pytest.FixtureRequest):
    """A fresh mobile-sized page; its screenshot is kept in test-artifacts/, and CSP violations fail the test."""
    context, browser_page = _watched_page(chromium)
    yield browser_page
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    browser_page.screenshot(path=str(ARTIFACTS_DIR / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert browser_page.csp_violations == [], browser_page.csp_violations


@pytest.fixture
def second_page(chromium):
    """Another visitor's page (a separate browser context, logged out), watched for CSP violations like `page`."""
    context, browser_page = _watched_page(chromium)
    yield browser_page
    context.close()
    assert browser_page.csp_violations == [], browser_page.csp_violations


@pytest.fixture
def stand_in_on_live_server(live_server, settings):
    """Stripe's stand-in sends the shopper and its webhooks to the live server, as on `make run`."""
    settings.SITE_URL = live_server.url
    settings.STRIPE_LOCAL_WEBHOOK_URL = f"{live_server.url}/stripe/webhook/"
    return live_server


# --- object storage: moto's S3 server on the loopback address ------------------------------------------

S3_TEST_PART_MIN_BYTES = 1024  # moto's rule for every part but the last (real S3: 5 MiB); tests send small parts


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server in a subprocess of its own (`python -m moto.server`); its endpoint URL."""
    if importlib.util.find_spec("moto") is None:
        yield None
        return
    port = _free_loopback_port()
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    log = ARTIFACTS_DIR.joinpath("moto-server.log").open("w")
    env = {**os.environ, "S3_UPLOAD_PART_MIN_SIZE": str(S3_TEST_PART_MIN_BYTES)}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's server did not start; see test-artifacts/moto-server.log") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def s3_storage(s3_server, settings, request: pytest.FixtureRequest):
    """Media on a fresh bucket of the S3 server for one test (STORAGES as MEDIA_STORAGE_URL makes them).

    The bucket allows browser uploads from any origin (CORS, the ETag header exposed), as a deployment
    must for the studio's direct uploads. Gives the boto3 client, the bucket's name and the endpoint.
    """
    if s3_server is None:
        _missing("needs moto[server] (an S3-compatible server): pip install -r requirements-dev.txt")
    import boto3

    from marketplace import storage_config

    bucket = f"test-{uuid.uuid4().hex[:12]}"
    moto_keys = "test"  # moto accepts any keys
    options = storage_config.S3Options(
        bucket=bucket, endpoint_url=s3_server, region="us-east-1", access_key=moto_keys, secret_key=moto_keys
    )
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=moto_keys,
        aws_secret_access_key=moto_keys,
    )
    client.create_bucket(Bucket=bucket)
    client.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": ["*"],
                    "AllowedMethods": ["GET", "PUT", "HEAD"],
                    "AllowedHeaders": ["*"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 600,
                }
            ]
        },
    )
    # As the README's deployment asks: anyone may read the public prefix, nobody the private one unsigned.
    client.put_bucket_policy(Bucket=bucket, Policy=storage_config.public_read_policy(bucket))
    settings.STORAGES = {
        **settings.STORAGES,
        **storage_config.s3_storages(options, private_url_seconds=settings.PRIVATE_MEDIA_URL_SECONDS),
    }
    settings.MEDIA_S3 = options
    return SimpleNamespace(client=client, bucket=bucket, endpoint=s3_server)
