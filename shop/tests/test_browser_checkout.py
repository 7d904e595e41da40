"""The whole purchase in Chromium: cart, guest checkout, the test payment page, the paid order page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from fulfillment.tests.factories import stock_of
from shop.models import Order, Payment
from shop.tests.browser_steps import check_out_as_guest, fill_guest_details, go_to_payment_page, pay_with
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def shop_on_live_server(stand_in_on_live_server):
    """Two products in stock, sold on the live server with Stripe's stand-in."""
    tea = VariantFactory(product=ProductFactory(title="Sencha green tea"), name="100 g", price=Decimal("12.00"))
    cup = VariantFactory(product=ProductFactory(title="Stoneware cup"), name="Blue", price=Decimal("9.50"))
    stock_of(tea, quantity=10)
    stock_of(cup, quantity=10)
    return stand_in_on_live_server, tea, cup


def _fill_cart_and_checkout(page, live_server, tea, cup) -> None:
    for product in (tea.product, cup.product):
        page.goto(live_server.url + product.get_absolute_url())
        page.get_by_role("button", name="Add to cart").click()
        page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/cart/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label(re.compile("^Quantity.*Sencha")).fill("3")
    page.get_by_role("button", name=re.compile("Update quantity of Sencha")).click()
    page.get_by_text("$45.50").first.wait_for()  # 3 x 12.00 + 9.50, swapped in by htmx
    assert page.evaluate("window.notReloaded") is True
    check_out_as_guest(page)


def test_a_guest_buys_two_products_and_sees_the_paid_order(shop_on_live_server, page):
    live_server, tea, cup = shop_on_live_server

    _fill_cart_and_checkout(page, live_server, tea, cup)
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))

    order = Order.objects.get()
    assert page.get_by_role("heading", level=1).text_content() == f"Order {order.number}"
    assert page.locator(".order-status").text_content().strip() == "Paid"
    assert order.status == Order.Status.PAID
    # Two parcels from the two warehouses stocking them, ground from Newark to Portland (zone 8): 10.19 + 9.37.
    assert (order.subtotal, order.shipping_total, order.total) == (Decimal("45.50"), Decimal("19.56"), Decimal("65.06"))
    assert {line.sku: line.quantity for line in order.lines.all()} == {tea.sku: 3, cup.sku: 1}


def test_a_declined_card_shows_the_decline_and_leaves_the_order_unpaid(shop_on_live_server, page):
    live_server, tea, cup = shop_on_live_server

    _fill_cart_and_checkout(page, live_server, tea, cup)
    pay_with(page, "4000 0000 0000 0002")

    page.get_by_text("Your card was declined.").wait_for()
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT


@pytest.fixture
def lamp_on_live_server(stand_in_on_live_server):
    """The issue's cart: one $63.99 lamp; Standard shipping is free, Express to Portland $25.58 ($89.57 in all)."""
    lamp = VariantFactory(product=ProductFactory(title="Desk lamp"), name="", price=Decimal("63.99"))
    stock_of(lamp, quantity=5)
    return stand_in_on_live_server, lamp


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_total_shown_after_choosing_express_is_the_amount_charged(lamp_on_live_server, page, viewport):
    """Regression: choosing Express left the summary and "Pay $63.99" on Standard, and $89.57 was charged."""
    live_server, lamp = lamp_on_live_server
    page.set_viewport_size(viewport)
    page.goto(live_server.url + lamp.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/cart/")
    fill_guest_details(page)
    summary = page.locator("#checkout-summary")
    pay_button = page.get_by_role("button", name=re.compile(r"^Pay \$"))
    expect(summary.locator(".summary-total dd")).to_have_text("$63.99 USD")  # free standard shipping
    expect(pay_button).to_have_text("Pay $63.99")

    page.get_by_role("radio", name=re.compile(r"^Express")).check()

    expect(summary.locator(".summary-total dd")).to_have_text("$89.57 USD", timeout=5_000)
    expect(summary.locator(".summary-shipping")).to_have_text(re.compile(r"Express \(1-2 business days\)\s*\$25\.58"))
    expect(pay_button).to_have_text("Pay $89.57")
    expect(page.locator(".checkout-pay-total")).to_have_text("Total to pay: $89.57 USD")
    assert page.url == live_server.url + "/checkout/"  # swapped in place, no reload
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / f"checkout-express-{viewport['width']}.png"), full_page=True)
    shown = pay_button.text_content().removeprefix("Pay ")

    go_to_payment_page(page)
    charged = page.locator(".ls-total").text_content().strip()
    assert charged == shown == "$89.57"
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))

    order = Order.objects.get()
    assert (order.status, order.shipping_method, order.total) == (Order.Status.PAID, "express", Decimal("89.57"))
    assert order.payments.get().amount == Decimal("89.57")
    assert order.payments.get().status == Payment.Status.PAID


def test_without_javascript_pay_with_a_total_the_page_no_longer_shows_shows_the_new_total_first(
    lamp_on_live_server, chromium
):
    """The no-JS fallback: Express chosen, "Pay $63.99" pressed: nothing charged, the page shows $89.57 to pay."""
    live_server, lamp = lamp_on_live_server
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + lamp.product.get_absolute_url())
        page.get_by_role("button", name="Add to cart").click()
        page.get_by_role("link", name="Cart (1)").wait_for()  # the plain form's answer
        page.goto(live_server.url + "/cart/")
        fill_guest_details(page)
        page.get_by_role("radio", name=re.compile(r"^Express")).check()

        page.get_by_role("button", name="Pay $63.99").click()

        expect(page.locator("#checkout-notice")).to_have_text(
            "The total is now $89.57, not the $63.99 shown before: nothing was ordered or charged. "
            "Check the shipping method and the summary, then pay $89.57."
        )
        expect(page.locator("#checkout-summary .summary-total dd")).to_have_text("$89.57 USD")
        assert not Order.objects.exists()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="Pay $89.57").click()
        page.get_by_text("TEST MODE").first.wait_for()
        assert page.locator(".ls-total").text_content().strip() == "$89.57"
    finally:
        context.close()
    assert Order.objects.get().total == Decimal("89.57")
