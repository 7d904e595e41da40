"""Refuses input no view can use, once, before any view sees it: NUL characters and JSON nested too deep.

PostgreSQL cannot store or even compare text holding a NUL character (the query fails: a 500), and
Python's JSON parser recurses once per nesting level (5,000 levels: RecursionError, a 500). Checked here:

- the path and every query parameter (name and value), every header, and form-encoded bodies: a NUL
  is refused (400; a page whose path holds one is not found, 404);
- cookies: one holding a NUL is dropped, as if it had not been sent (a cookie can be set by a
  neighbouring site, so refusing would let that site lock a visitor out);
- any other body that is JSON (whatever its Content-Type: the webhooks parse their bodies as JSON
  themselves): deeper than settings.REQUEST_JSON_MAX_DEPTH, or holding a NUL in a key or a string, 400.

Multipart bodies (uploads) are left to their views: their files are checked by content there, and
reading them here would defeat the upload handlers that stop an oversized upload while it streams.
Answers are JSON in the API's error shape under /api/ and for JSON bodies, Django's error pages otherwise.
"""

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.views import defaults

NUL = "\x00"
API_PREFIX = "/api/"
NUL_MESSAGE = "Null characters are not allowed."
JSON_MESSAGE = "The JSON body is nested too deeply or holds a null character."


class Refusal(Exception):
    """Input refused before any view runs: which part of the request, and why."""

    def __init__(self, part: str, message: str = NUL_MESSAGE, *, not_found: bool = False, is_json: bool = False):
        super().__init__(message)
        self.part, self.message, self.not_found, self.is_json = part, message, not_found, is_json


def json_problem(value: object, *, max_depth: int) -> str | None:
    """Why a decoded JSON document is refused ("depth" or "nul"), or None. Iterative: no recursion to exhaust."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return "depth"
            if isinstance(item, dict):
                if any(NUL in key for key in item):
                    return "nul"
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and NUL in item:
            return "nul"
    return None


def _json_readings(body: bytes, declared: str | None) -> list[str]:
    """The body as text, decoded as DRF would (the declared charset) and as json.loads(bytes) would."""
    readings = []
    for encoding, errors in ((declared or settings.DEFAULT_CHARSET, "strict"), (None, "surrogatepass")):
        try:
            text = body.decode(encoding or json.detect_encoding(body), errors)
        except (UnicodeDecodeError, LookupError):
            continue
        if text not in readings:
            readings.append(text)
    return readings


def check_json_body(body: bytes, *, declared_charset: str | None = None) -> None:
    """Raise Refusal for a JSON body nested too deep or holding a NUL; a body that is not JSON passes."""
    for text in _json_readings(body, declared_charset):
        try:
            document = json.loads(text)
        except RecursionError as error:
            raise Refusal("body", JSON_MESSAGE, is_json=True) from error
        except ValueError:
            continue
        if json_problem(document, max_depth=settings.REQUEST_JSON_MAX_DEPTH):
            raise Refusal("body", JSON_MESSAGE, is_json=True)


def check_request(request: HttpRequest) -> None:
    """Raise Refusal for a request with input no view can use; drop cookies that hold a NUL."""
    if NUL in request.path:
        raise Refusal("path", not_found=True)
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            raise Refusal(name.replace(NUL, "\\0"))
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and NUL in value:
            raise Refusal(key.removeprefix("HTTP_").replace("_", "-").title())
    request.COOKIES = {name: value for name, value in request.COOKIES.items() if NUL not in name + value}
    content_type = request.content_type or ""
    if content_type.startswith("multipart/"):
        return
    body = request.body  # empty without a Content-Length; over DATA_UPLOAD_MAX_MEMORY_SIZE, Django answers 400
    if not body:
        return
    if content_type == "application/x-www-form-urlencoded":
        for name, values in QueryDict(body, encoding=request.encoding).lists():
            if NUL in name or any(NUL in value for value in values):
                raise Refusal(name.replace(NUL, "\\0"))
        return
    check_json_body(body, declared_charset=request.content_params.get("charset"))


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """JSON in the API's error shape under /api/ and for JSON bodies; Django's 404 or 400 page otherwise."""
    if refusal.is_json or request.path.startswith(API_PREFIX):
        message = "This address holds a null character." if refusal.part == "path" else refusal.message
        body = {"code": "invalid", "message": message, "fields": {refusal.part: [refusal.message]}}
        return JsonResponse(body, status=400)
    if refusal.not_found:
        return defaults.page_not_found(request, refusal)
    return defaults.bad_request(request, refusal)


class RequestGuardMiddleware:
    """Runs check_request before anything reads the request (sessions, CSRF, authentication, views)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except Refusal as refusal:
            return refusal_response(request, refusal)
        return self.get_response(request)
