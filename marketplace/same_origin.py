"""CSRF protection for forms on pages shared from the public page cache (no per-visitor token)."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt


def _posted_from_our_pages(request: HttpRequest) -> bool:
    """Whether the browser says the form was sent from one of our pages (Origin, else Referer)."""
    ours = {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}
    origin = request.headers.get("Origin")
    if origin is None:
        referer = urlsplit(request.headers.get("Referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.scheme and referer.netloc else None
    return origin in ours


def same_origin_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF protection for a form on pages shared from the cache, which cannot carry a visitor's token.

    Product pages go to visitors without cookies from the shared page cache, so their "Add to cart"
    form has no CSRF token (a token would set a cookie and make every page personal). Browsers name
    the page a POST comes from in `Origin` (every current browser, for every POST) or `Referer`; a
    POST that does not come from one of our pages is refused as Django refuses a bad token.
    """

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _posted_from_our_pages(request):
            refuse = import_string(settings.CSRF_FAILURE_VIEW)
            return refuse(request, reason="The form was not sent from one of our pages.")
        return view(request, *args, **kwargs)

    return wrapper
