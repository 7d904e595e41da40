"""Whole pages shared through the cache, with the visitor's own parts filled in per request.

A page whose body is shared (`marketplace.fragments`) still costs a template render per request for
what is around it: the layout, the header with its links, the title. That render is the same for
every visitor with the same kind of header (signed out; signed in, and whether they sell or run the
shop), except for four values: the username, the CSRF token of the log-out form, the cart count and
the search box's text. So the page is rendered once per kind of header with a marker in place of each
of those, stored under a key of what it shows, and each request swaps the markers for its own values,
escaped. Nothing personal is ever stored: the markers are all that is. A request with flash messages
to show gets the page rendered in full (they are shown once).
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.html import escape

from marketplace.fragments import cached_fragment, fragment_key
from shop.context_processors import HeaderCart


@functools.cache
def _marker(name: str) -> str:
    """Where a personal value goes. Letters, digits and dashes, which escaping leaves as they are; derived from
    the secret key, so no seller's or creator's text can hold one and have a shopper's value put in its place."""
    return f"personal-{name}-{salted_hmac('shop.page_shell', name).hexdigest()[:20]}"


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
    request: HttpRequest, template_name: str, context: Callable[[], dict[str, Any]], *, key: tuple
) -> HttpResponse:
    """`render(request, template_name, context())`, from a shared copy of the page when there is one.

    `key` names everything the page shows besides the header (the versions of its rows, the shopper's
    country, the URL): the shared copy is reused only while it is the same, and `context` is called only
    when the page is rendered.
    """
    if len(get_messages(request)):
        return render(request, template_name, context())
    user = request.user
    header = _HeaderUser(
        is_authenticated=user.is_authenticated,
        is_seller=bool(getattr(user, "is_seller", False)),
        is_staff=bool(user.is_staff),
        username=_marker("username"),
    )

    def render_shell() -> str:
        markers = {
            "user": header,
            "request": _ShellRequest(GET={"q": _marker("search-text")}),
            "csrf_token": _marker("csrf-token"),
            "header_cart": {"item_count": _marker("cart-count")},
            "messages": (),
        }
        return render_to_string(template_name, {**context(), **markers})

    shell = cached_fragment(
        fragment_key(f"page:{template_name}", (*key, header.is_authenticated, header.is_seller, header.is_staff)),
        render_shell,
    )
    html = shell.replace(_marker("search-text"), escape(request.GET.get("q", "")))
    # Loaded with the user (`shop.auth`): right here, where nothing changes the cart before the page is shown.
    cart_units = getattr(user, "cart_units", None)
    if cart_units is None:
        cart_units = HeaderCart(request).item_count
    html = html.replace(_marker("cart-count"), str(cart_units))
    if header.is_authenticated:
        html = html.replace(_marker("username"), escape(user.get_username()))
    if _marker("csrf-token") in html:
        html = html.replace(_marker("csrf-token"), get_token(request))
    return HttpResponse(html)
