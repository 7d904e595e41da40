"""Saved cards and buy-now against Stripe's own test mode, when a test key is given (no network here: skipped).

Run with: STRIPE_TEST_SECRET_KEY=sk_test_... make test PYTEST_ARGS="-m stripe_live"
"""

import os

import pytest

from shop.services.buy_now import buy_now, quote_buy_now
from shop.services.saved_details import remove_card, saved_cards
from shop.tests.buy_now_support import DECLINING, NEEDS_AUTHENTICATION, save_card
from shop.tests.test_payments_support import ADDRESS, stocked_variant

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
    settings.SITE_URL = "https://example.com"


def _tap(user, card, key):
    tea = stocked_variant()
    return buy_now(
        user=user,
        variant=tea,
        quantity=1,
        address=ADDRESS,
        payment_method_id=card,
        idempotency_key=key,
        expected_total=quote_buy_now(variant=tea, quantity=1, address=ADDRESS).total,
        return_url="https://example.com/feed/buy-now/return/?post=1&t=2.0",
    )


def test_a_card_is_saved_listed_and_removed_in_stripe_test_mode(user):
    card = save_card(user)

    assert [(c.id, c.last4) for c in saved_cards(user=user)] == [(card, "4242")]
    remove_card(user=user, payment_method_id=card)
    assert saved_cards(user=user) == []


def test_buy_now_pays_asks_for_authentication_and_is_declined_as_in_stripe_test_mode(user):
    paid = _tap(user, save_card(user), f"live-{user.pk}-paid")
    needs_bank = _tap(user, save_card(user, NEEDS_AUTHENTICATION), f"live-{user.pk}-3ds")
    declined = _tap(user, save_card(user, DECLINING), f"live-{user.pk}-declined")

    assert paid.status == "paid"
    assert needs_bank.status == "requires_action" and needs_bank.authentication_url.startswith("https://")
    assert declined.status == "declined"
