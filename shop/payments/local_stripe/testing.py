"""Test helpers for code that pays through the stand-in: an SDK client, a webhook receiver, a payer.

client = local_client()
with WebhookReceiver(statuses=[500, 200]) as receiver:   # settings.STRIPE_LOCAL_WEBHOOK_URL = receiver.url
    ...
response = pay_with_test_card(django_client, session_id, number="4242 4242 4242 4242")
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import stripe
from django.urls import reverse

from .http_client import LocalStripeHTTPClient

TEST_API_KEY = "sk_test_local"


def local_client() -> stripe.StripeClient:
    """The real SDK, answered by the stand-in."""
    return stripe.StripeClient(TEST_API_KEY, http_client=LocalStripeHTTPClient())


def pay_with_test_card(client, session_id: str, *, number: str = "4242 4242 4242 4242", **fields):
    """POST the hosted page's form with a Django test client; answers the response (302 to success_url if paid)."""
    data = {
        "email": "shopper@example.com",
        "card_number": number,
        "expiry": "12 / 34",
        "cvc": "123",
        "name": "Ada Shopper",
    }
    data.update(fields)
    return client.post(reverse("local_stripe:checkout", args=[session_id]), data)


@dataclass
class ReceivedWebhook:
    body: bytes
    headers: dict[str, str]

    @property
    def payload(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class WebhookReceiver:
    """A tiny HTTP endpoint on 127.0.0.1 (a free port) that records POSTs and answers `statuses` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    received: list[ReceivedWebhook] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append(ReceivedWebhook(body=body, headers=dict(self.headers.items())))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"received": true}')

            def log_message(self, format, *args) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/stripe/webhook/"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def checkout_session_params(**overrides) -> dict:
    """Parameters of a valid Checkout Session (two lines, 2 x 12.50 + 1 x 5.00 USD), for tests."""

    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {"currency": "usd", "unit_amount": 1250, "product_data": {"name": "Blue mug"}},
                "quantity": 2,
            },
            {"price_data": {"currency": "usd", "unit_amount": 500, "product_data": {"name": "Sticker"}}, "quantity": 1},
        ],
        "customer_email": "shopper@example.com",
        "metadata": {"order_number": "M-1001"},
        "success_url": "http://testserver/checkout/done/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://testserver/checkout/cancelled/",
        "expires_at": int(time.time()) + 3600,
        "payment_intent_data": {"transfer_group": "M-1001", "metadata": {"order_number": "M-1001"}},
        "client_reference_id": "order-1001",
    }
    params.update(overrides)
    return params
