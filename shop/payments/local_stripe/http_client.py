"""`LocalStripeHTTPClient`: plug into the real SDK and it answers from the stand-in, not from api.stripe.com.

    client = stripe.StripeClient("sk_test_local", http_client=LocalStripeHTTPClient())
    session = client.v1.checkout.sessions.create(params={...}, options={"idempotency_key": "order-42-1"})

Refused (ImproperlyConfigured) whenever a live key is configured or used.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import stripe
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .api import handle_request
from .encoding import decode_form

LIVE_KEY_PREFIXES = ("sk_live_", "rk_live_")


def ensure_not_live(api_key: str | None = None) -> None:
    """The stand-in never runs beside a live key (in settings or on a request)."""
    for key in (getattr(settings, "STRIPE_SECRET_KEY", "") or "", api_key or ""):
        if key.startswith(LIVE_KEY_PREFIXES):
            raise ImproperlyConfigured(
                "The local Stripe stand-in refuses to run with a live Stripe key: unset STRIPE_USE_LOCAL "
                "or use a test key."
            )


class LocalStripeHTTPClient(stripe.HTTPClient):
    """A `stripe.HTTPClient` whose requests are answered in-process by the local stand-in."""

    name = "local_stripe"

    def __init__(self, **kwargs) -> None:
        ensure_not_live()
        super().__init__(**kwargs)

    def request(self, method, url, headers, post_data=None, *, _usage=None):

        headers = dict(headers or {})
        authorization = next((value for key, value in headers.items() if key.lower() == "authorization"), "")
        ensure_not_live(authorization.removeprefix("Bearer ").strip())
        parts = urlsplit(url)
        method = method.upper()
        params = decode_form(parts.query) if method in ("GET", "DELETE") else decode_form(post_data)
        status, body, response_headers = handle_request(method, parts.path, params, headers)
        return body, status, response_headers

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        body, status, response_headers = self.request(method, url, headers, post_data)
        return io.BytesIO(body.encode("utf-8")), status, response_headers

    def close(self) -> None:
        """Nothing to close: no sockets."""

    async def request_async(self, method, url, headers, post_data=None, *, _usage=None):
        return await sync_to_async(self.request)(method, url, headers, post_data)

    async def request_stream_async(self, method, url, headers, post_data=None, *, _usage=None):
        return await sync_to_async(self.request_stream)(method, url, headers, post_data)

    async def close_async(self) -> None:
        """Nothing to close."""
