"""Steps of a purchase in Chromium that several browser tests take."""

import re

from playwright.sync_api import expect


def fill_guest_details(page) -> None:
    """From the cart page: open the checkout and fill in a guest's email and Portland, Oregon address.

    Oregon has no state sales tax, so the totals these journeys check are the items and shipping."""
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_label("Full name").fill("Grace Guest")
    page.get_by_label("Address line 1").fill("1 SW Main Street")
    page.get_by_label("City or town").fill("Portland")
    page.get_by_label("State, province or region").fill("OR")
    page.get_by_label("Postal code").fill("97204")
    page.get_by_label("Country").select_option("US")


def go_to_payment_page(page) -> None:
    """Press the checkout's "Pay $…" button and wait for the stand-in's payment page."""
    page.get_by_role("button", name=re.compile(r"^Pay \$")).click()
    page.get_by_text("TEST MODE").first.wait_for()


def check_out_as_guest(page) -> None:
    """From the cart page: the guest checkout with a Portland, Oregon address, up to the stand-in's payment page."""
    fill_guest_details(page)
    go_to_payment_page(page)


def pay_with(page, card: str) -> None:
    """Fill the stand-in's payment page with a test card and pay."""
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Grace Guest")
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()


def buy_in_berlin(page, live_server, variant) -> str:
    """A shopper in Berlin buys one unit of `variant` (a 40.00 EUR shirt: 3.00 EUR of duty shown) and pays with
    4242...; answers the order page's URL."""
    page.goto(live_server.url + variant.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/checkout/")
    page.get_by_label("Country").select_option("DE")
    expect(page.locator("#checkout-summary .summary-duty")).to_have_text(
        re.compile(r"Import duties\s*€3\.00"), timeout=5_000
    )
    for label, value in (
        ("Email", "grete@example.com"),
        ("Full name", "Grete Käufer"),
        ("Address line 1", "Unter den Linden 1"),
        ("City or town", "Berlin"),
        ("Postal code", "10117"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_text("TEST MODE").first.wait_for()
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))
    return page.url
