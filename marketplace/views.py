"""Project-level endpoints: health check, the benchmark's trivial view, and uploaded media."""

import contextlib
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from marketplace.celery import app as celery_app
from marketplace.range_response import ranged_file_response

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


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001  (any failure means unhealthy)
        return False


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "eager"
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # noqa: BLE001
        return "unreachable"


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when not; the broker's state is reported too."""
    database = "ok" if _database_ok() else "unreachable"
    broker = _broker_status()
    healthy = database == "ok" and broker != "unreachable"
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


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
PRIVATE_MEDIA = {("returns",)}


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponseBase:
    """Serve an uploaded file as an image or video type only, with headers that forbid running it.

    Byte ranges are honoured (206 / 416), so video seeking works and Safari plays MP4.
    """
    path = PurePosixPath(name)
    content_type = MEDIA_TYPES.get(path.suffix.lower())
    private = path.parts[:1] in PRIVATE_MEDIA
    if content_type is None or private or ".." in path.parts or not default_storage.exists(name):
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
