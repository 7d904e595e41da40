"""Helpers shared by the payment tests (this module holds no tests of its own).

Orders are placed as a shopper would (a cart through shop.services.cart, then place_order), paid on
the local stand-in's hosted page with the Django test client, and the events the stand-in stored are
posted, signed, to our webhook endpoint; nothing reaches the network.
"""

import json
import time
import uuid
from decimal import Decimal

import pytest
import stripe
from django.conf import settings

from fulfillment.models import Warehouse
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.models import OutboxEvent
from shop.models import Cart, LocalStripeObject, Order, Payment
from shop.payments.local_stripe.testing import pay_with_test_card
from shop.services.cart import add_to_cart
from shop.services.orders import ShippingAddress, place_order
from shop.tests.factories import VariantFactory, cart_shipping

WEBHOOK_URL = "/stripe/webhook/"
ADDRESS = ShippingAddress(name="Ada Shopper", line1="1 Main St", city="Springfield", country="US", postal_code="62701")


@pytest.fixture(name="local_stripe")
def local_stripe_fixture(settings):
    """The stand-in plays Stripe; its events are posted by the test itself (no HTTP delivery)."""
    settings.STRIPE_USE_LOCAL = True
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""
    settings.SITE_URL = "http://testserver"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


class AnnouncedFacts:
    """The order_paid / order_refunded facts written to the outbox so far, as (name, payload), read when asked."""

    def _rows(self) -> list[tuple[str, dict]]:
        rows = OutboxEvent.objects.filter(name__in=["shop.order_paid", "shop.order_refunded"]).order_by("pk")
        return [(name.removeprefix("shop."), payload) for name, payload in rows.values_list("name", "payload")]

    def __iter__(self):
        return iter(self._rows())

    def __getitem__(self, index: int) -> tuple[str, dict]:
        return self._rows()[index]

    def __eq__(self, other: object) -> bool:
        return self._rows() == other

    __hash__ = None


@pytest.fixture(name="paid_signals")
def paid_signals_fixture():
    """Every order_paid / order_refunded announced while the test runs, as (fact name, payload)."""
    return AnnouncedFacts()


def stocked_variant(*, quantity: int = 5, price: str = "12.50"):
    """A 250 g product stocked in the test's one fulfillment centre (Newark, NJ: zone 7 from ADDRESS)."""
    variant = VariantFactory(price=Decimal(price))
    warehouse = Warehouse.objects.filter(code="TEST-FC").first() or WarehouseFactory(code="TEST-FC")
    stock_of(variant, warehouse, quantity=quantity)
    return variant


def place_test_order(*items, email: str = "ada@example.com") -> Order:
    """A pending_payment order placed from a fresh cart holding (variant, quantity) items."""
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        add_to_cart(cart=cart, variant=variant, quantity=quantity)
    shipping = cart_shipping(cart, country=ADDRESS.country, postal_code=ADDRESS.postal_code)
    return place_order(cart=cart, email=email, address=ADDRESS, shipping=shipping)


def pay_on_page(client, payment: Payment, *, number: str = "4242 4242 4242 4242"):
    """Pay the attempt's session on the stand-in's hosted page (a POST of its card form)."""
    return pay_with_test_card(client, payment.checkout_session_id, number=number)


def stand_in_events(event_type: str | None = None) -> list[dict]:
    """The events the stand-in emitted (Stripe's shape), oldest first."""
    rows = LocalStripeObject.objects.filter(object="event").order_by("created_at", "pk")
    events = [row.data for row in rows]
    return [event for event in events if event_type is None or event["type"] == event_type]


def make_event(event_type: str, data_object: dict, *, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": data_object},
    }


def signed(payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp
    )


def post_event(client, event: dict, *, secret: str | None = None, timestamp: int | None = None):
    """POST the event to our webhook as Stripe does: JSON body, Stripe-Signature over that body."""
    payload = json.dumps({key: value for key, value in event.items() if not key.startswith("_")})
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signed(payload, secret=secret, timestamp=timestamp),
    )


def deliver_stand_in_events(client, event_type: str | None = None) -> list[dict]:
    """Post each event the stand-in stored (of a type, if given) to our webhook; answers them."""
    from shop.payments.local_stripe.store import public

    events = [public(event) for event in stand_in_events(event_type)]
    for event in events:
        assert post_event(client, event).status_code == 200
    return events
