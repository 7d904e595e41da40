"""The cart in Debian's Chromium: htmx adds and changes in place, under the site's CSP (no inline script or style)."""

from decimal import Decimal

import pytest

from fulfillment.tests.factories import stock_of
from marketplace.tests.screens import PHONE
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STILL_HERE = "window.cartTestMarker"


def _listed(title: str, price: str) -> str:
    """An active product with one variant in stock; its page's address."""
    variant = VariantFactory(product=ProductFactory(title=title), name="", price=Decimal(price))
    stock_of(variant, quantity=10)
    return variant.product.get_absolute_url()


def test_a_shopper_adds_two_products_and_changes_a_quantity_without_reloading(live_server, page):
    teapot = _listed("Glass teapot", "24.00")
    cups = _listed("Tea cups", "9.50")

    for url, title in ((teapot, "Glass teapot"), (cups, "Tea cups")):
        page.goto(live_server.url + url)
        page.evaluate(f"{STILL_HERE} = 'product page'")
        page.get_by_role("button", name="Add to cart").click()
        page.get_by_text(f"Added 1 \N{MULTIPLICATION SIGN} {title} to your cart.").wait_for()
        assert page.evaluate(STILL_HERE) == "product page"  # htmx answered in place: no navigation
    assert page.text_content("#header-cart") == "Cart (2)"

    page.get_by_role("link", name="Cart (2)").click()
    page.wait_for_url("**/cart/")
    assert page.text_content(".cart-subtotal").split() == ["Subtotal", "(2", "items):", "$33.50"]
    page.evaluate(f"{STILL_HERE} = 'cart page'")
    page.get_by_label("Quantity of Tea cups").fill("3")
    page.get_by_role("button", name="Update quantity of Tea cups").click()

    page.get_by_text("Tea cups: quantity changed to 3.").wait_for()
    assert page.evaluate(STILL_HERE) == "cart page"
    assert page.text_content(".cart-subtotal").split() == ["Subtotal", "(4", "items):", "$52.50"]
    assert page.text_content("#header-cart") == "Cart (4)"
    assert page.get_by_label("Quantity of Tea cups").input_value() == "3"

    page.get_by_label("Quantity of Tea cups").fill("11")
    page.get_by_role("button", name="Update quantity of Tea cups").click()
    page.get_by_role("alert").get_by_text("Only 10 of Tea cups available; you asked for 11.").wait_for()
    assert page.evaluate(STILL_HERE) == "cart page"
    assert page.text_content(".cart-subtotal").split()[-1] == "$52.50"


def test_the_cart_page_on_a_phone_keeps_to_the_policy_through_htmx_changes(live_server, page):
    teapot = _listed("Glass teapot", "24.00")
    _listed("Tea cups", "9.50")
    # Every violation, whether or not the browser also logs it to the console (which the `page` fixture checks).
    page.add_init_script(
        "window.cspViolations = [];"
        "document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective));"
    )
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + teapot)
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Added 1 \N{MULTIPLICATION SIGN} Glass teapot to your cart.").wait_for()

    page.goto(live_server.url + "/cart/")
    page.get_by_label("Quantity of Glass teapot").fill("2")
    page.get_by_role("button", name="Update quantity of Glass teapot").click()
    page.get_by_text("Glass teapot: quantity changed to 2.").wait_for()
    page.get_by_role("button", name="Remove Glass teapot").click()
    page.get_by_text("Your cart is empty.").wait_for()

    # htmx is told not to add its indicator <style> (the CSP allows our stylesheet only); site.css has the rules.
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.evaluate("window.cspViolations") == []
    assert page.csp_violations == []
