"""Who may see an order, and the signed links that let a guest reach theirs without an account."""

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode

from shop.models import Order

# Order numbers placed in this browser session: lets a guest come back from the payment page.
SESSION_ORDERS_KEY = "checkout_order_numbers"
_SESSION_ORDERS_KEPT = 20
_SIGNER = signing.Signer(salt="shop.checkout.guest-order-link")


def order_token(number: str) -> str:
    """The signature that opens a guest's order page; it never expires and fits one order only."""
    return _SIGNER.signature(number)


def token_matches(number: str, token: str) -> bool:
    return bool(token) and constant_time_compare(token, order_token(number))


def order_path(order: Order) -> str:
    """The order page's path: plain for an account's order, signed for a guest's."""
    return signed_for_guest(order, order.get_absolute_url())


def signed_for_guest(order: Order, path: str) -> str:
    """A path under the order (its page, its returns, a label), with the signed link's token if a guest's."""
    if order.user_id is None:
        path = f"{path}?{urlencode({'token': order_token(order.number)})}"
    return path


def order_url(order: Order) -> str:
    """The order page's absolute address, for emails."""
    return settings.SITE_URL.rstrip("/") + order_path(order)


def remember_order(request: HttpRequest, order: Order) -> None:
    """Note a guest's order placed in this session so its shopper can come back to it (pay again, see it).

    An account's order is opened by the account (`can_see_order`): the session is left as it was (no write).
    """
    if order.user_id is not None:
        return
    numbers = [n for n in request.session.get(SESSION_ORDERS_KEY, []) if n != order.number]
    request.session[SESSION_ORDERS_KEY] = [*numbers, order.number][-_SESSION_ORDERS_KEPT:]


def can_see_order(request: HttpRequest, order: Order, *, token: str = "") -> bool:
    """The account that placed the order; for a guest's order, the signed link or the session that placed it."""
    if order.user_id is not None:
        return request.user.is_authenticated and request.user.pk == order.user_id
    return token_matches(order.number, token) or order.number in request.session.get(SESSION_ORDERS_KEY, [])


def opens_order(request: HttpRequest, order: Order, *, token: str | None) -> bool:
    """The order pages' rule: a signed link (`token` given, even empty) opens that guest order and nothing else;
    without one, the account that placed the order, or the session that placed a guest order."""
    if token is not None:
        return order.user_id is None and token_matches(order.number, token)
    return can_see_order(request, order)


def cancelled_path(order: Order) -> str:
    return f"{reverse('checkout-cancelled')}?{urlencode({'order': order.number})}"
