"""Issue 15 in Chromium at 390x844 and 1280x800: the delivery range the product page shows is the one the cart, the
checkout and the order keep; the delivery is compared with it; a shopper cancels an order not yet picked, from the
orders list, and is refunded. No page is wider than the screen. Screenshots: test-artifacts/promise-*.png.
"""

import datetime as dt
import re
import time

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from fulfillment.models import Shipment
from fulfillment.simulated_warehouse import work_simulated_warehouses
from fulfillment.simulation import Chances, advance
from fulfillment.tests.factories import stock_of
from marketplace.tests.screens import DESKTOP, PHONE, page_width
from shop.models import Order, Refund
from shop.tests.browser_steps import fill_guest_details, go_to_payment_page, pay_with
from shop.tests.factories import ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENS = pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390", "1280"])


def _tea():
    """Stocked at Newark (07102): Portland (97204) is the farthest zone, as a page without a postal code assumes."""
    tea = VariantFactory(product__title="Sencha green tea")
    ProductImageFactory(product=tea.product, alt_text="")
    stock_of(tea, quantity=10)
    return tea


def _check(page, screen: dict, step: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / f"promise-{screen['width']}-{step}.png"), full_page=True)
    assert page_width(page) <= screen["width"], step


def _range(locator) -> tuple[str, str]:
    expect(locator).to_be_visible()
    return locator.get_attribute("data-from"), locator.get_attribute("data-to")


def _until(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@SCREENS
def test_the_range_on_the_product_page_is_the_one_the_order_keeps_and_the_delivery_is_judged_by(
    stand_in_on_live_server, page, screen
):
    live_server = stand_in_on_live_server
    tea = _tea()
    page.set_viewport_size(screen)

    page.goto(live_server.url + tea.product.get_absolute_url())
    promised = _range(page.locator("#product-delivery-range"))
    expect(page.locator("#delivery-promise")).to_contain_text("Arrives")
    _check(page, screen, "product")

    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/cart/")
    assert _range(page.locator("#cart-delivery-range")) == promised
    _check(page, screen, "cart")

    fill_guest_details(page)  # Portland, Oregon
    page.locator("#checkout-delivery-range-standard").wait_for()
    assert _range(page.locator("#checkout-delivery-range-standard")) == promised
    page.locator("input[name=shipping_method][value=standard]").check()
    _check(page, screen, "checkout")
    go_to_payment_page(page)
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))

    order = Order.objects.get()
    assert (order.promised_from.isoformat(), order.promised_to.isoformat()) == promised
    assert _range(page.locator(f"#order-delivery-range-{order.number}")) == promised
    _check(page, screen, "order")

    # The warehouse picks and packs it, the simulated carrier brings it: the order page compares.
    _until(lambda: work_simulated_warehouses() and Shipment.objects.filter(status="labelled").exists())
    now = timezone.now()
    for step in range(1, 40):
        if Shipment.objects.get().status == "delivered":
            break
        advance(now=now + dt.timedelta(hours=step), seed=3, chances=Chances(0, 0, 0))
    _until(lambda: Order.objects.get().delivered_on is not None)
    page.reload()
    delivered = page.locator(f"#order-delivered-{order.number}")
    expect(delivered).to_contain_text("Delivered")
    expect(delivered).to_contain_text("on time")
    assert _range(delivered.locator(".delivery-range")) == promised
    _check(page, screen, "delivered")


def _log_in(page, live_server, user) -> None:
    session = Client()
    session.force_login(user)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


@SCREENS
def test_a_shopper_cancels_an_unpicked_order_from_the_orders_list_and_is_refunded(
    stand_in_on_live_server, page, screen, user
):
    live_server = stand_in_on_live_server
    tea = _tea()
    _log_in(page, live_server, user)
    page.set_viewport_size(screen)
    page.goto(live_server.url + tea.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.locator("#add-to-cart-feedback").get_by_text("Added").wait_for()
    page.goto(live_server.url + "/checkout/")
    for label, value in (
        ("Full name", "Ada Shopper"),
        ("Address line 1", "1 SW Main Street"),
        ("City or town", "Portland"),
        ("State, province or region", "OR"),
        ("Postal code", "97204"),
    ):
        page.get_by_label(label).fill(value)
    go_to_payment_page(page)
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))
    order = Order.objects.get()
    assert (order.status, order.user) == ("paid", user)

    page.goto(live_server.url + "/orders/")
    card = page.locator(".order-card")
    expect(card).to_contain_text("Sencha green tea")
    expect(card.locator(".order-card-item img")).to_be_visible()
    expect(card.locator(".order-status")).to_have_text("Paid")
    _check(page, screen, "orders")
    card.get_by_text("Cancel this order").click()
    expect(card).to_contain_text("goes back to your card")
    _check(page, screen, "confirm")
    card.get_by_role("button", name=f"Yes, cancel order {order.number}").click()

    page.wait_for_url(re.compile(rf"/orders/{order.number}/$"))
    expect(page.locator(".message")).to_contain_text(f"Order {order.number} is cancelled.")
    expect(page.locator(".order-status")).to_have_text("Cancelled")
    _until(lambda: Refund.objects.filter(order=order, status="succeeded").exists())
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == ("cancelled", order.amount_paid)
    page.reload()
    expect(page.locator(".order-totals")).to_contain_text("Refunded")
    expect(page.get_by_text("Cancel this order")).to_have_count(0)
    _check(page, screen, "cancelled")
