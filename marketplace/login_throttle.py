"""Slows password guessing on the log-in page and the token endpoint without handing anyone a lock-out.

Failures are counted in the cache (Redis in production) for LOGIN_FAILURE_WINDOW_SECONDS, three ways:

- one account from one address: past LOGIN_FAILURE_LIMIT, that address may not try that account
  again until the window passes. The owner, from anywhere else, logs in as usual: a guesser cannot
  lock them out (django-axes' lock-out "by combination of username and IP address").
- one address over all accounts: past LOGIN_ADDRESS_FAILURE_LIMIT (much higher, so that an office
  behind one address is not shut out by its own typos), that address may not log in at all
  (password spraying).
- one account from all addresses: past LOGIN_ACCOUNT_FAILURE_LIMIT (guesses spread over many
  addresses), the account asks for more evidence: only a client that logged into it before may
  try, that is from an address it logged in from, or from a browser holding the signed device
  cookie set at that log-in (OWASP's "device cookies"), both for LOGIN_KNOWN_CLIENT_DAYS. A password
  reset (control of the account's email) clears this count.

A successful log-in clears its own pair's count and remembers the client.
"""

import enum
import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

DEVICE_COOKIE = "login_device"
_DEVICE_SALT = "marketplace.login_throttle.device"


class Refusal(enum.Enum):
    """Why a log-in attempt is refused before the password is even checked."""

    PAIR = "pair"
    ADDRESS = "address"
    ACCOUNT = "account"

    @property
    def message(self) -> str:
        minutes = max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
        return {
            Refusal.PAIR: f"Too many failed log-ins for this account from your address. Wait {minutes} minutes "
            "and try again, or reset your password.",
            Refusal.ADDRESS: f"Too many failed log-ins from your address. Wait {minutes} minutes and try again.",
            Refusal.ACCOUNT: "Too many failed log-ins for this account from many places. Log in from a device "
            "you have used before, or reset your password.",
        }[self]


def client_address(request: HttpRequest) -> str:
    """The client's address: behind N trusted proxies, the Nth address from the right of X-Forwarded-For."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _account(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def _keys(request: HttpRequest, username: str) -> dict[Refusal, str]:
    account, address = _account(username), client_address(request)
    return {
        Refusal.PAIR: f"login-fail:pair:{account}:{address}",
        Refusal.ADDRESS: f"login-fail:addr:{address}",
        Refusal.ACCOUNT: f"login-fail:user:{account}",
    }


def _known_key(request: HttpRequest, username: str) -> str:
    return f"login-known:{_account(username)}:{client_address(request)}"


def _limits() -> dict[Refusal, int]:
    return {
        Refusal.PAIR: settings.LOGIN_FAILURE_LIMIT,
        Refusal.ADDRESS: settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        Refusal.ACCOUNT: settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
    }


def is_known_client(request: HttpRequest, username: str) -> bool:
    """True when this account logged in from this address, or from this browser, within the last days."""
    if cache.get(_known_key(request, username)):
        return True
    try:
        signed = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""),
            salt=_DEVICE_SALT,
            max_age=settings.LOGIN_KNOWN_CLIENT_DAYS * 86400,
        )
    except signing.BadSignature:
        return False
    return signed == _account(username)


def refusal(request: HttpRequest, username: str) -> Refusal | None:
    """Why this attempt may not even be checked, or None when it may."""
    keys = _keys(request, username)
    counts = cache.get_many(list(keys.values()))
    limits = _limits()
    for reason in (Refusal.PAIR, Refusal.ADDRESS, Refusal.ACCOUNT):
        if counts.get(keys[reason], 0) >= limits[reason]:
            if reason is Refusal.ACCOUNT and is_known_client(request, username):
                continue
            return reason
    return None


def record_failure(request: HttpRequest, username: str) -> None:
    for key in _keys(request, username).values():
        # add() starts the window; incr() keeps its expiry.
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def record_success(request: HttpRequest, username: str, response: HttpResponse | None = None) -> None:
    """Clear this pair's count and remember the client (the address; the browser, when a response is given).

    The address's and the account's counts stay: a guesser who also knows one password keeps them.
    """
    cache.delete(_keys(request, username)[Refusal.PAIR])
    days = settings.LOGIN_KNOWN_CLIENT_DAYS
    cache.set(_known_key(request, username), True, timeout=days * 86400)
    if response is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            signing.dumps(_account(username), salt=_DEVICE_SALT),
            max_age=days * 86400,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def record_password_reset(request: HttpRequest, username: str) -> None:
    """The owner proved control of the account's email: its guesses no longer hold it, here or anywhere."""
    keys = _keys(request, username)
    cache.delete_many([keys[Refusal.PAIR], keys[Refusal.ACCOUNT]])
