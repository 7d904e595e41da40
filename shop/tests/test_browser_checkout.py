"""The whole purchase in Chromium: cart, guest checkout, the test payment page, the paid order page."""

import re
from decimal import Decimal

import pytest

from fulfillment.tests.factories import stock_of
from shop.models import Order
from shop.tests.browser_steps import check_out_as_guest, pay_with
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    assert (order.subtotal, order.shipping_total, order.total) == (Decimal("45.50"), Decimal("4.99"), Decimal("50.49"))
    assert {line.sku: line.quantity for line in order.lines.all()} == {tea.sku: 3, cup.sku: 1}


def test_a_declined_card_shows_the_decline_and_leaves_the_order_unpaid(shop_on_live_server, page):
    live_server, tea, cup = shop_on_live_server

    _fill_cart_and_checkout(page, live_server, tea, cup)
    pay_with(page, "4000 0000 0000 0002")

    page.get_by_text("Your card was declined.").wait_for()
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT
