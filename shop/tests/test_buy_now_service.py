"""Buy now with a saved card: priced as checkout prices, one order per tap, paid by the webhook path."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from fulfillment.models import Reservation
from fulfillment.selectors import available_by_variant
from fulfillment.services.stock import InsufficientStock
from shop.models import BuyNowRequest, Cart, LocalStripeObject, Order, Payment
from shop.payments.gateway import get_client
from shop.services.buy_now import NotBuyable, buy_now, quote_buy_now
from shop.services.cart import add_to_cart
from shop.services.checkout import TotalChanged, check_out
from shop.services.payments import expire_stale_checkouts
from shop.services.saved_details import CardNotFound
from shop.tests.buy_now_support import DECLINING, NEEDS_AUTHENTICATION, save_card
from shop.tests.test_payments_support import (
    ADDRESS,
    deliver_stand_in_events,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    paid_signals_fixture,  # noqa: F401  (fixture "paid_signals")
    stand_in_events,
    stocked_variant,
)

pytestmark = pytest.mark.django_db

RETURN_URL = "http://testserver/buy-now/return/?post=3&t=4.2"


def tap(user, variant, card, *, key="tap-1", quantity=1, expected=None, **extra):
    if expected is None:
        expected = quote_buy_now(variant=variant, quantity=quantity, address=ADDRESS).total
    return buy_now(
        user=user,
        variant=variant,
        quantity=quantity,
        address=ADDRESS,
        payment_method_id=card,
        idempotency_key=key,
        expected_total=expected,
        return_url=RETURN_URL,
        **extra,
    )


def active_reservations(variant) -> int:
    return Reservation.objects.active().filter(order_line__variant=variant).count()


def test_the_confirm_step_total_is_what_checking_out_the_same_item_costs(local_stripe):
    tea = stocked_variant(price="12.50")
    cart = Cart.objects.create(session_key="cart-a")
    add_to_cart(cart=cart, variant=tea, quantity=2)

    quote = quote_buy_now(variant=tea, quantity=2, address=ADDRESS)
    checked_out = check_out(
        cart=cart, email="a@example.com", address=ADDRESS, shipping_code=quote.shipping.code, expected_total=None
    )

    assert quote.total == checked_out.order.total
    assert quote.total == quote.subtotal + quote.shipping.amount + quote.charges.at_sale
    assert (quote.subtotal, quote.currency) == (Decimal("25.00"), "USD")


def test_one_tap_places_the_order_charges_the_saved_card_and_the_order_is_paid(local_stripe, user, paid_signals):
    tea = stocked_variant(quantity=3)
    card = save_card(user)

    result = tap(user, tea, card, attribution_tag_id=77, attribution_creator_id=5)

    order = Order.objects.get()
    assert (result.status, result.order, result.authentication_url) == ("paid", order, "")
    assert (order.status, order.user, order.amount_paid) == ("paid", user, order.total)
    [line] = order.lines.all()
    assert (line.variant, line.quantity, line.attribution_tag_id) == (tea, 1, 77)
    [payment] = order.payments.all()
    assert (payment.status, payment.checkout_session_id) == ("paid", None)
    assert payment.payment_intent_id.startswith("pi_")
    assert [name for name, _ in paid_signals] == ["order_paid"]
    assert available_by_variant(variant_ids=[tea.pk])[tea.pk] == 2


def test_a_double_tap_with_the_same_key_makes_one_order_and_one_charge(local_stripe, user):
    tea = stocked_variant(quantity=3)
    card = save_card(user)

    first = tap(user, tea, card, key="same")
    second = tap(user, tea, card, key="same")

    assert first.order == second.order
    assert (second.status, Order.objects.count()) == ("paid", 1)
    assert LocalStripeObject.objects.filter(object="payment_intent").count() == 1
    assert available_by_variant(variant_ids=[tea.pk])[tea.pk] == 2


def test_another_key_is_another_order(local_stripe, user):
    tea = stocked_variant(quantity=3)
    card = save_card(user)

    tap(user, tea, card, key="a")
    tap(user, tea, card, key="b")

    assert Order.objects.filter(status="paid").count() == 2


def test_a_declined_card_leaves_no_order_reserved_and_says_why(local_stripe, user):
    tea = stocked_variant(quantity=1)
    card = save_card(user, DECLINING)

    result = tap(user, tea, card)

    assert (result.status, result.message) == ("declined", "Your card was declined.")
    assert not Order.objects.exclude(status="cancelled").exists()
    assert active_reservations(tea) == 0
    assert available_by_variant(variant_ids=[tea.pk])[tea.pk] == 1
    assert Payment.objects.get().status == "failed"
    # The same tap again answers the same decline, without charging again.
    assert tap(user, tea, card).status == "declined"
    assert LocalStripeObject.objects.filter(object="payment_intent").count() == 1


def test_a_card_that_needs_authentication_answers_the_bank_page_and_the_webhook_pays_the_order(
    local_stripe, user, client, paid_signals, django_capture_on_commit_callbacks
):
    tea = stocked_variant(quantity=2)
    card = save_card(user, NEEDS_AUTHENTICATION)

    result = tap(user, tea, card)

    assert result.status == "requires_action"
    assert "/test-payments/authenticate/pi_" in result.authentication_url
    assert result.order.status == "pending_payment"
    assert active_reservations(tea) == 1
    client.post(urlsplit(result.authentication_url).path, {"action": "complete"})
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client, "payment_intent.succeeded")
        deliver_stand_in_events(client, "payment_intent.succeeded")  # delivered twice: paid once

    result.order.refresh_from_db()
    assert result.order.status == "paid"
    assert [name for name, _ in paid_signals] == ["order_paid"]
    assert tap(user, tea, card).status == "paid"


def test_a_failed_authentication_cancels_the_order_through_the_webhook(
    local_stripe, user, client, django_capture_on_commit_callbacks
):
    tea = stocked_variant(quantity=2)
    card = save_card(user, NEEDS_AUTHENTICATION)
    result = tap(user, tea, card)

    client.post(urlsplit(result.authentication_url).path, {"action": "fail"})
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client, "payment_intent.payment_failed")

    result.order.refresh_from_db()
    assert result.order.status == "cancelled"
    assert active_reservations(tea) == 0
    assert tap(user, tea, card).status == "declined"


def test_a_changed_total_is_refused_with_the_new_total_and_nothing_is_placed_or_charged(local_stripe, user):
    tea = stocked_variant(quantity=2)
    card = save_card(user)
    shown = quote_buy_now(variant=tea, quantity=1, address=ADDRESS).total
    tea.price += Decimal("1.00")
    tea.save(update_fields=["price"])

    with pytest.raises(TotalChanged) as refused:
        tap(user, tea, card, expected=shown)

    assert refused.value.expected == shown
    assert refused.value.total == shown + Decimal("1.00")
    assert (Order.objects.count(), BuyNowRequest.objects.count()) == (0, 0)
    assert stand_in_events("payment_intent.created") == []


def test_someone_elses_card_is_refused(local_stripe, user):
    from marketplace.tests.factories import UserFactory

    tea = stocked_variant()
    stranger_card = save_card(UserFactory())
    save_card(user)

    with pytest.raises(CardNotFound):
        tap(user, tea, stranger_card)

    assert Order.objects.count() == 0


def test_sold_out_is_refused_and_the_key_can_be_used_again(local_stripe, user):
    tea = stocked_variant(quantity=1)
    card = save_card(user)

    with pytest.raises(InsufficientStock):
        tap(user, tea, card, quantity=2, key="k")
    with pytest.raises(TotalChanged):
        tap(user, tea, card, quantity=1, expected=Decimal("1"), key="k")

    assert (Order.objects.count(), BuyNowRequest.objects.count()) == (0, 0)
    assert tap(user, tea, card, key="k").status == "paid"


def test_a_quantity_out_of_range_is_refused(local_stripe, user):
    tea = stocked_variant()

    with pytest.raises(NotBuyable):
        quote_buy_now(variant=tea, quantity=0, address=ADDRESS)


def test_a_tap_left_at_the_bank_page_is_cancelled_with_its_intent_when_the_reservation_runs_out(local_stripe, user):
    tea = stocked_variant(quantity=1)
    card = save_card(user, NEEDS_AUTHENTICATION)
    result = tap(user, tea, card)
    Order.objects.filter(pk=result.order.pk).update(reserved_until=timezone.now() - timedelta(minutes=1))

    assert expire_stale_checkouts() == 1

    result.order.refresh_from_db()
    intent_id = Payment.objects.get().payment_intent_id
    assert result.order.status == "cancelled"
    assert get_client().v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert available_by_variant(variant_ids=[tea.pk])[tea.pk] == 1


def test_a_tap_authenticated_just_before_the_reservation_ran_out_is_paid_not_cancelled(local_stripe, user, client):
    tea = stocked_variant(quantity=1)
    card = save_card(user, NEEDS_AUTHENTICATION)
    result = tap(user, tea, card)
    client.post(urlsplit(result.authentication_url).path, {"action": "complete"})  # its webhook not yet here
    Order.objects.filter(pk=result.order.pk).update(reserved_until=timezone.now() - timedelta(minutes=1))

    assert expire_stale_checkouts() == 0

    result.order.refresh_from_db()
    assert result.order.status == "paid"
