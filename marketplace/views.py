"""Project-level endpoints: health check, the benchmark's trivial view, and uploaded media."""

import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import PurePosixPath

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from marketplace.celery import app as celery_app
from marketplace.range_response import ranged_file_response
from marketplace.storage import is_remote

# Media are served only as these types, whatever a file holds; nothing is ever served as HTML.
MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
}


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    finally:
        connection.close()  # this runs in a checker thread: leave no connection behind it


def _check_cache() -> str:
    cache.set("healthz", "1", 10)
    return "ok" if cache.get("healthz") == "1" else "unreachable"


def _check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    timeout = settings.HEALTHZ_TIMEOUT_SECONDS
    # Socket timeouts too: a broker that accepts and never answers must not hold this thread for ever.
    options = {**celery_app.conf.broker_transport_options, "socket_timeout": timeout, "socket_connect_timeout": timeout}
    with celery_app.connection_for_write(url=settings.CELERY_BROKER_URL, transport_options=options) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
    return "ok"


# One thread per check at most: a check that hangs past its deadline is answered "timeout" and, while it
# still hangs, later probes wait on the same attempt instead of piling up threads behind it.
_CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
_checkers = ThreadPoolExecutor(max_workers=len(_CHECKS), thread_name_prefix="healthz")
_in_flight: dict[str, Future] = {}
_in_flight_lock = threading.Lock()


def _start(name: str) -> Future:
    with _in_flight_lock:
        future = _in_flight.get(name)
        if future is None or future.done():
            future = _in_flight[name] = _checkers.submit(_CHECKS[name])
        return future


def run_checks(timeout: float) -> dict[str, str]:
    """Every check at once, each answered within `timeout` seconds: ok, eager, unreachable or timeout."""
    futures = {name: _start(name) for name in _CHECKS}
    deadline = time.monotonic() + timeout
    results: dict[str, str] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            results[name] = "timeout"
        except Exception:  # noqa: BLE001  (any failure means unhealthy)
            results[name] = "unreachable"
    return results


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache and the broker answer within HEALTHZ_TIMEOUT_SECONDS, else 503."""
    results = run_checks(settings.HEALTHZ_TIMEOUT_SECONDS)
    healthy = all(state in {"ok", "eager"} for state in results.values())
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **results}, status=200 if healthy else 503)


@require_safe
def trivial(request: HttpRequest) -> HttpResponse:
    """No database, no template: the ceiling of this stack, for the benchmark (bench/run.py turns it on).

    Not found unless settings.BENCH_TRIVIAL_VIEW: a production site serves no benchmark endpoints.
    """
    if not settings.BENCH_TRIVIAL_VIEW:
        raise Http404("No such page.")
    return HttpResponse(b"ok", content_type="text/plain")


# Uploads that are not for everyone: shoppers' return photos (returns/<id>/...) are served by the staff
# admin only, never at a public, guessable address.
# Private files that share MEDIA_ROOT with public ones on the local disk: return photos, and creators' posts
# before they are published (creators.models.STUDIO_PREFIX); their own views hand them out after a check.
PRIVATE_MEDIA = {("returns",), ("studio",)}


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve an uploaded file as an image or video type only, with headers that forbid running it.

    Byte ranges are honoured (206 / 416), so video seeking works and Safari plays MP4.
    """
    path = PurePosixPath(name)
    content_type = MEDIA_TYPES.get(path.suffix.lower())
    private = path.parts[:1] in PRIVATE_MEDIA
    if content_type is None or private or ".." in path.parts:
        raise Http404("No such file.")
    if is_remote(default_storage):
        # Public media live in the bucket (or its CDN): an old /media/ link is sent there, never streamed here.
        return HttpResponsePermanentRedirect(default_storage.url(name))
    if not default_storage.exists(name):
        raise Http404("No such file.")
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "public, max-age=31536000, immutable",
    }
    with contextlib.suppress(NotImplementedError):  # storages without modification times
        headers["Last-Modified"] = http_date(default_storage.get_modified_time(name).timestamp())
    return ranged_file_response(
        request,
        default_storage.open(name, "rb"),
        default_storage.size(name),
        content_type,
        extra_headers=headers,
    )


__all__ = ["healthz", "media", "trivial"]
