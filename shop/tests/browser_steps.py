"""Steps of a purchase in Chromium that several browser tests take."""

import re


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
