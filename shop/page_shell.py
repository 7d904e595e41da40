"""Whole pages shared through the cache, with the visitor's own parts filled in per request.

A page whose body is shared (`marketplace.fragments`) still costs a template render per request for
what is around it: the layout, the header with its links, the title. That render is the same for
every visitor with the same kind of header (signed out; signed in, and whether they sell or run the
shop), except for three values: the username, the cart count and the search box's text (and a CSRF
token, where a shared page has a form that carries one: the header's log-out form does not, its POST is
checked by Origin, `marketplace.accounts.log_out`). So the page is rendered once per kind of header with
a marker in place of each of those, stored under a key of what it shows (split at the markers), and each
request joins the pieces with its own values, escaped. Nothing personal is ever stored: the markers are
all that is. A request with flash messages to show gets the page rendered in full (they are shown once).
A page with personal parts of its own (the feed's like and follow rows) puts `page_marker`s in its context
and passes their HTML as `personal`.
"""

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from marketplace.fragments import cached_value, fragment_key
from shop.context_processors import HeaderCart


@functools.cache
def page_marker(name: str) -> str:
    """Where a personal value goes. Letters, digits and dashes, which escaping leaves as they are; derived from
    the secret key, so no seller's or creator's text can hold one and have a shopper's value put in its place.
    Kept per process: use a bounded set of names (a post's place on its page, not its id)."""
    return f"personal-{name}-{salted_hmac('shop.page_shell', name).hexdigest()[:20]}"


_HEADER_MARKERS = ("search-text", "cart-count", "username", "csrf-token")


@dataclass(frozen=True)
class _HeaderUser:
    """What the layout reads of `user`: the kind of header, and a marker for the name."""

    is_authenticated: bool
    is_seller: bool
    is_staff: bool
    username: str

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated


@dataclass(frozen=True)
class _ShellRequest:
    """What the layout reads of `request`: the search box's text."""

    GET: dict[str, str]


def render_page(
    request: HttpRequest,
    template_name: str,
    context: Callable[[], dict[str, Any]],
    *,
    key: tuple,
    personal: Mapping[str, str] | None = None,
) -> HttpResponse:
    """`render(request, template_name, context())`, from a shared copy of the page when there is one.

    `key` names everything the page shows besides the header (the versions of its rows, the shopper's
    country, the URL): the shared copy is reused only while it is the same, and `context` is called only
    when the page is rendered. `personal` maps each `page_marker` the context holds to the visitor's HTML
    for it (escaped by the caller), put in on every request.
    """
    personal = personal or {}
    if len(get_messages(request)):
        response = render(request, template_name, context())
        if not personal:
            return response
        return HttpResponse(_fill(_split(response.content.decode(), personal), personal))
    user = request.user
    header = _HeaderUser(
        is_authenticated=user.is_authenticated,
        is_seller=bool(getattr(user, "is_seller", False)),
        is_staff=bool(user.is_staff),
        username=page_marker("username"),
    )

    def render_shell() -> tuple[str, ...]:
        markers = {
            "user": header,
            "request": _ShellRequest(GET={"q": page_marker("search-text")}),
            "csrf_token": page_marker("csrf-token"),
            "header_cart": {"item_count": page_marker("cart-count")},
            "messages": (),
        }
        return _split(render_to_string(template_name, {**context(), **markers}), personal)

    shell = cached_value(
        fragment_key(
            f"page-pieces:{template_name}", (*key, header.is_authenticated, header.is_seller, header.is_staff)
        ),
        render_shell,
    )

    def value(marker: str) -> str:
        if marker in personal:
            return personal[marker]
        if marker == page_marker("search-text"):
            return escape(request.GET.get("q", ""))
        if marker == page_marker("cart-count"):
            # Loaded with the user (`shop.auth`): here, where nothing changes the cart before the page is shown.
            cart_units = getattr(user, "cart_units", None)
            return str(HeaderCart(request).item_count if cart_units is None else cart_units)
        if marker == page_marker("username"):
            return escape(user.get_username())
        if marker == page_marker("csrf-token"):
            return get_token(request)  # only for a page with a form that needs it: it sets a cookie
        raise LookupError(f"{template_name} was shared with a marker this request has no value for.")

    return HttpResponse(_fill(shell, {marker: value(marker) for marker in set(shell[1::2])}))


def _split(html: str, personal: Mapping[str, str]) -> tuple[str, ...]:
    """The page as text and markers in turn (each odd item a marker), so that filling it in is one join."""
    markers = [page_marker(name) for name in _HEADER_MARKERS] + list(personal)
    return tuple(re.split("(" + "|".join(map(re.escape, markers)) + ")", html))


def _fill(pieces: tuple[str, ...], values: Mapping[str, str]) -> str:
    filled = list(pieces)
    filled[1::2] = [values[marker] for marker in pieces[1::2]]
    return "".join(filled)
