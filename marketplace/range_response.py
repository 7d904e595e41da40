"""File responses that honour a single HTTP byte range (RFC 9110 section 14), for video seeking.

Django's FileResponse ignores `Range` and always answers 200 with the whole file; Safari will not
play an MP4 served that way. `ranged_file_response` answers 206 with `Content-Range` for one
satisfiable range, 416 with `Content-Range: bytes */size` for an unsatisfiable one, and 200 with
the whole file otherwise (no Range, a malformed one, several ranges, or an `If-Range` that no longer
matches). Bodies are streamed in chunks; HEAD gets the same headers and no body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

CHUNK_SIZE = 64 * 1024
_RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class Unsatisfiable(Exception):
    """The range lies wholly outside the file."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, inclusive, for a single `bytes=` range; None to send the whole file.

    Raises Unsatisfiable when the range is valid but selects no byte of the file.
    """
    if not header:
        return None
    match = _RANGE_RE.match(header)
    if match is None:  # other units, several ranges, or garbage: ignore the header (allowed by RFC 9110)
        return None
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return None
    if not first_text:  # bytes=-n: the last n bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:  # an invalid range-spec: ignore the header
        return None
    if first >= size:
        raise Unsatisfiable
    return first, min(last, size - 1)


def _chunks(file: IO[bytes], start: int, length: int, chunk_size: int) -> Iterator[bytes]:
    try:
        file.seek(start)
        remaining = length
        while remaining > 0:
            data = file.read(min(chunk_size, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        file.close()


def _if_range_allows(request: HttpRequest, headers: Mapping[str, str]) -> bool:
    """A Range is honoured only when If-Range is absent or still matches the ETag / Last-Modified."""
    if_range = request.headers.get("If-Range")
    if if_range is None:
        return True
    if_range = if_range.strip()
    lowered = {key.lower(): value for key, value in headers.items()}
    if if_range.startswith(('"', "W/")):
        etag = lowered.get("etag")
        return etag is not None and not if_range.startswith("W/") and if_range == etag
    return lowered.get("last-modified") == if_range


def ranged_file_response(
    request: HttpRequest,
    file: IO[bytes],
    size: int,
    content_type: str,
    *,
    extra_headers: Mapping[str, str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> HttpResponseBase:
    """Serve an open binary file of `size` bytes, honouring one `Range: bytes=...`. Takes ownership of `file`."""
    extra_headers = dict(extra_headers or {})
    head = request.method == "HEAD"
    try:
        byte_range = (
            parse_range(request.headers.get("Range"), size) if _if_range_allows(request, extra_headers) else None
        )
    except Unsatisfiable:
        file.close()
        response: HttpResponseBase = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
        response["Content-Length"] = "0"
    else:
        if byte_range is None:
            status, start, length = 200, 0, size
        else:
            status, start, length = 206, byte_range[0], byte_range[1] - byte_range[0] + 1
        if head:
            file.close()
            response = HttpResponse(status=status, content_type=content_type)
        elif status == 200:
            # FileResponse can use the server's sendfile (wsgi.file_wrapper) for the whole file.
            response = FileResponse(file, content_type=content_type)
            response.block_size = chunk_size
        else:
            response = StreamingHttpResponse(_chunks(file, start, length, chunk_size), status=status)
            response["Content-Type"] = content_type
        response["Content-Length"] = str(length)
        if status == 206:
            response["Content-Range"] = f"bytes {start}-{start + length - 1}/{size}"
    response["Accept-Ranges"] = "bytes"
    for key, value in extra_headers.items():
        response[key] = value
    return response


__all__ = ["CHUNK_SIZE", "Unsatisfiable", "parse_range", "ranged_file_response"]
