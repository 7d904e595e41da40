"""The gateway against Stripe's own test mode, when a test key is given (these machines have no network).

Run with: STRIPE_TEST_SECRET_KEY=sk_test_... make test PYTEST_ARGS="-m stripe_live"
"""

import os

import pytest

from shop.payments import gateway
from shop.services.payments import start_payment
from shop.tests.test_payments_support import place_test_order, stocked_variant

TEST_KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")
pytestmark = [
    pytest.mark.stripe_live,
    pytest.mark.django_db,
    pytest.mark.skipif(not TEST_KEY, reason="needs STRIPE_TEST_SECRET_KEY (Stripe test mode over the network)"),
]


@pytest.fixture(autouse=True)
def _real_stripe_test_mode(settings):
    assert TEST_KEY.startswith("sk_test_"), "only a test-mode key may be used here"
    settings.STRIPE_USE_LOCAL = False
    settings.STRIPE_SECRET_KEY = TEST_KEY


def test_a_checkout_session_is_created_read_back_and_expired_in_stripe_test_mode():
    order = place_test_order((stocked_variant(), 2))

    payment = start_payment(order=order)
    session = gateway.retrieve_checkout_session(payment.checkout_session_id)
    again = gateway.create_checkout_session(payment)  # the same idempotency key replays the session
    expired = gateway.expire_checkout_session(payment.checkout_session_id)

    assert payment.checkout_url.startswith("https://checkout.stripe.com/")
    assert (session["amount_total"], session["currency"]) == (gateway.to_minor_units(order.total, "USD"), "usd")
    assert session["metadata"]["order_number"] == order.number
    assert again["id"] == session["id"]
    assert expired["status"] == "expired"
