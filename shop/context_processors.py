"""Template context every page gets: the header's cart count."""

from functools import cached_property

from django.http import HttpRequest

from shop import selectors
from shop.services.cart import CART_SESSION_KEY


class HeaderCart:
    """The visitor's cart as the header shows it, counted only when a template asks (at most one query)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def item_count(self) -> int:
        user = getattr(self._request, "user", None)
        if user is not None and user.is_authenticated:
            return selectors.cart_item_count(user=user)
        session = getattr(self._request, "session", None)
        # No session cookie: an empty session, read without a query; and no cart.
        token = session.get(CART_SESSION_KEY) if session is not None else None
        return selectors.cart_item_count(session_token=token) if token else 0


def cart(request: HttpRequest) -> dict[str, HeaderCart]:
    return {"header_cart": HeaderCart(request)}
