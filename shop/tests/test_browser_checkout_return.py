"""On a phone (390x844): a guest who leaves the payment page and goes back to the checkout retypes nothing."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from fulfillment.tests.factories import stock_of
from marketplace.tests.screens import PHONE, page_width, screenshot
from shop.models import Order
from shop.tests.browser_steps import fill_guest_details, go_to_payment_page, pay_with
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_back_from_the_payment_page_finds_what_they_typed(stand_in_on_live_server, page):
    live_server = stand_in_on_live_server
    lamp = VariantFactory(product=ProductFactory(title="Desk lamp"), name="", price=Decimal("63.99"))
    stock_of(lamp, quantity=5)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + lamp.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/cart/")
    fill_guest_details(page)
    page.get_by_label("Phone (optional)").fill("+1 212 555 0100")
    page.get_by_role("radio", name=re.compile(r"^Express")).check()
    expect(page.get_by_role("button", name=re.compile(r"^Pay \$"))).to_have_text("Pay $89.57")
    go_to_payment_page(page)

    page.get_by_role("link", name=re.compile("Cancel and return to the shop")).click()
    page.get_by_role("heading", name="Payment not completed").wait_for()
    screenshot(page, "checkout-cancelled-390")
    assert page_width(page) <= PHONE["width"]
    page.get_by_role("link", name="Change the address or shipping").click()
    page.wait_for_url("**/checkout/")

    for label, value in (
        ("Email", "guest@example.com"),
        ("Full name", "Grace Guest"),
        ("Address line 1", "1 SW Main Street"),
        ("City or town", "Portland"),
        ("State, province or region", "OR"),
        ("Postal code", "97204"),
        ("Phone (optional)", "+1 212 555 0100"),
    ):
        expect(page.get_by_label(label)).to_have_value(value)
    expect(page.get_by_label("Country")).to_have_value("US")
    expect(page.get_by_role("radio", name=re.compile(r"^Express"))).to_be_checked()
    pay_button = page.get_by_role("button", name=re.compile(r"^Pay \$"))
    expect(pay_button).to_have_text("Pay $89.57")
    screenshot(page, "checkout-return-390")
    assert page_width(page) <= PHONE["width"]

    go_to_payment_page(page)  # nothing retyped
    assert page.locator(".ls-total").text_content().strip() == "$89.57"
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))
    first, second = Order.objects.order_by("pk")
    assert (first.status, second.status) == (Order.Status.CANCELLED, Order.Status.PAID)
    assert (second.email, second.ship_phone, second.shipping_method, second.total) == (
        "guest@example.com", "+1 212 555 0100", "express", Decimal("89.57"),
    )  # fmt: skip
