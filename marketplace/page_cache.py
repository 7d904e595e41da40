"""A short-lived shared cache of public pages (and public API reads) for visitors without a session.

Product, category and home pages are the same for every anonymous visitor, and rendering them
costs far more than serving them from the cache (see BENCHMARKS.md). A request that carries a
session or flash-message cookie (logged in, or with a cart later), or an API token, always gets a fresh page, so
nothing personal is ever cached or served to someone else. Stock shown to anonymous visitors may
lag by up to PUBLIC_PAGE_CACHE_SECONDS; checkout always re-checks stock.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

PERSONAL_COOKIES = ("messages",)


def _is_anonymous_visit(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "HTTP_AUTHORIZATION" not in request.META
        and not any(name in cookies for name in PERSONAL_COOKIES)
    )


def _key(request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"public-page:{request.get_host()}:{path}"


def cache_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the page from the shared cache to cookie-less visitors; store fresh 200s for them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        timeout = settings.PUBLIC_PAGE_CACHE_SECONDS
        if timeout <= 0 or not _is_anonymous_visit(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
            response["Vary"] = "Cookie"  # the same URL reads differently with a session
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not response.is_rendered:  # DRF and template responses
            response.render()
        # A response that sets a cookie (a CSRF token, a session) is personal: never shared.
        if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
            cache.set(key, (response.content, response["Content-Type"]), timeout)
        return response

    return wrapper
