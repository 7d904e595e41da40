"""/healthz answers fast whatever is down: each check (database, cache, broker) is bounded by a timeout."""

import socket
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db.utils import OperationalError

from marketplace import views

pytestmark = pytest.mark.django_db
BROKER = "ok" if settings.CELERY_BROKER_URL else "eager"  # tasks run in-process when no broker is set


def test_healthy_when_the_database_the_cache_and_the_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": BROKER}
    assert "no-cache" in response["Cache-Control"]


def test_503_when_the_database_is_unreachable(client):
    refused = mock.Mock(side_effect=OperationalError("connection refused"))
    with mock.patch.dict(views._CHECKS, {"database": refused}):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "database": "unreachable", "cache": "ok", "broker": BROKER}


@pytest.fixture
def broker_at(settings):
    """Point the health check at another broker URL for one test (as a deploy with a dead Redis would be)."""

    def point(url: str) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = url

    return point


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_dead_broker_answers_503_within_two_seconds(client, broker_at):
    broker_at(f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["broker"] in {"unreachable", "timeout"}
    assert elapsed < 2


def test_a_broker_that_accepts_and_never_answers_answers_503_within_two_seconds(client, broker_at, settings):
    settings.HEALTHZ_TIMEOUT_SECONDS = 0.5
    with socket.socket() as silent:  # the kernel completes the handshake; nobody ever reads or writes
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")

        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["broker"] in {"timeout", "unreachable"}
    assert response.json()["database"] == "ok"
    assert elapsed < 2
    assert views._in_flight["broker"].exception(timeout=5) is not None  # the hung attempt ends with the socket
