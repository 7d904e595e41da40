"""Back from the payment page without paying: the checkout is filled with what the shopper typed before."""

import re

import pytest
from django.test import Client

from shop.models import Order
from shop.payments.local_stripe.testing import pay_with_test_card
from shop.tests.test_checkout_pages import (
    green_tea,
    guest_cart,
    local_path,
    pay,
    session_id_of,
    total_shown_on,
    user_cart,
)

pytestmark = pytest.mark.django_db

LONDON = {
    "email": "grace@example.com",
    "country": "GB",
    "name": "Grace Guest",
    "line1": "10 Downing Street",
    "line2": "Flat 2",
    "city": "London",
    "region": "",
    "postal_code": "SW1A 2AA",
    "phone": "+44 20 7946 0000",
    "shipping_method": "express",
    "quoted_country": "GB",
}


@pytest.fixture(autouse=True)
def _no_webhook_delivery(settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""


def filled_in(page: str) -> dict[str, str]:
    """What the checkout form shows in each field: text values, the country chosen, the method checked."""
    values = dict(re.findall(r'<input type="(?:text|email|tel)" name="(\w+)"(?: value="([^"]*)")?', page))
    country = re.search(r'<option value="(\w+)" selected>', page)
    method = re.search(r'name="shipping_method" value="(\w+)" id="[\w]+" checked', page)
    return {
        **values,
        "country": country.group(1) if country else "",
        "shipping_method": method.group(1) if method else "",
    }


def leave_the_payment_page(client, to_payment) -> str:
    """From the stand-in's page (where `to_payment` led), "Cancel and return to the shop": its cancel URL."""
    assert to_payment.status_code == 303
    order = Order.objects.order_by("-pk").first()
    back = client.get(f"/checkout/cancelled/?order={order.number}")
    assert back.status_code == 200
    assert "Payment not completed" in back.content.decode()
    return back.content.decode()


def test_a_guest_back_from_the_payment_page_finds_the_checkout_filled_in(client):
    guest_cart(client, (green_tea(), 1))
    cancelled_page = leave_the_payment_page(client, pay(client, **LONDON))
    assert '<a href="/checkout/">Change the address or shipping</a>' in cancelled_page
    page = client.get("/checkout/").content.decode()

    assert filled_in(page) == {key: LONDON[key] for key in LONDON if key != "quoted_country"}
    # $12.50 + express to Britain $53.00 (zone 2, up to 500 g) + 20 % UK VAT collected at sale (under 135 GBP): $13.10
    assert total_shown_on(client.get("/checkout/")) == "78.60"
    assert '<button type="submit" name="action" value="pay" class="checkout-pay-button">Pay $78.60</button>' in page


def test_paying_from_the_filled_in_checkout_orders_the_same_again(client):
    guest_cart(client, (green_tea(), 1))
    leave_the_payment_page(client, pay(client, **LONDON))
    page = client.get("/checkout/")

    again = client.post("/checkout/", {**filled_in(page.content.decode()), "quoted_country": "GB", "action": "pay",
                                       "expected_total": total_shown_on(page)})  # fmt: skip

    assert again.status_code == 303
    first, second = Order.objects.order_by("pk")
    assert (first.status, second.status) == (Order.Status.CANCELLED, Order.Status.PENDING_PAYMENT)
    assert (second.email, second.ship_line2, second.ship_country, second.shipping_method, second.total) == (
        "grace@example.com", "Flat 2", "GB", "express", first.total,
    )  # fmt: skip


def test_a_logged_in_shopper_gets_the_address_back_and_keeps_the_account_email(client, user):
    user_cart(user, (green_tea(), 1))
    client.force_login(user)
    leave_the_payment_page(client, pay(client, **LONDON))

    page = client.get("/checkout/").content.decode()

    shown = filled_in(page)
    assert (shown["email"], shown["line1"], shown["country"], shown["shipping_method"]) == (
        user.email, "10 Downing Street", "GB", "express",
    )  # fmt: skip


def test_nothing_is_filled_in_for_a_new_cart_or_after_the_order_was_paid(client):
    fresh = Client()
    guest_cart(fresh, (green_tea(), 1))
    assert filled_in(fresh.get("/checkout/").content.decode())["line1"] == ""

    cart = guest_cart(client, (green_tea(), 1))
    to_payment = pay(client, **LONDON)
    paid = pay_with_test_card(client, session_id_of(to_payment["Location"]))
    client.get(local_path(paid["Location"]))
    assert Order.objects.get(cart=cart).status == Order.Status.PAID
    cart.lines.create(variant=green_tea(), quantity=1)  # shopping again later

    shown = filled_in(client.get("/checkout/").content.decode())
    assert (shown["email"], shown["line1"], shown["country"]) == ("", "", "US")
