"""The stock grid on a phone, in Debian's Chromium: two cells changed, one Save, nothing wider than the screen."""

import pytest
from django.conf import settings
from django.test import Client

from fulfillment.models import Stock, StockMovement
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import run_by
from marketplace.tests.screens import PHONE, box, inside, page_width, screenshot, viewport_box
from shop.tests.factories import ProductFactory, SellerMemberFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    session = Client()
    session.force_login(user)  # the log-in page has its own tests: reuse a session
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_a_seller_changes_two_cells_of_the_grid_and_saves_once_on_a_phone(live_server, page):
    member = SellerMemberFactory(seller__name="Harbor Home")
    product = ProductFactory(seller=member.seller, title="Linen table runner")
    small = VariantFactory(product=product, sku="RUNNER-NATURAL-140", name="140 cm", position=0)
    large = VariantFactory(product=product, sku="RUNNER-NATURAL-180", name="180 cm", position=1)
    warehouses = [
        WarehouseFactory(code=code, name=name, **run_by(member.seller))  # the seller's own: they count them
        for code, name in [("US-NJ1", "Newark"), ("US-NV1", "Reno"), ("US-TX1", "Dallas"), ("US-WA1", "Kent")]
    ]
    for variant in (small, large):
        stock_of(variant, warehouses[0], quantity=10)
    movements = StockMovement.objects.count()
    _log_in(page, live_server, member.user)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/seller/products/{product.pk}/#stock")

    assert page_width(page) <= PHONE["width"]
    region = page.get_by_role("region", name="Stock per variant and warehouse")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # the grid scrolls in its own box
    assert inside(box(page, ".dash-stock-scroll"), {**viewport_box(page), "top": -1e6, "bottom": 1e6})
    page.get_by_label("RUNNER-NATURAL-140 at US-NV1: On hand").fill("4")
    page.get_by_label("RUNNER-NATURAL-180 at US-WA1: On hand").fill("7")  # the last column, scrolled to
    assert region.evaluate("el => el.scrollLeft") > 0
    # Scrolled sideways, the variant column stays where it was, whole and on screen.
    row_header = box(page, f"#stock-{large.pk} th[scope=row]")
    assert inside(row_header, box(page, ".dash-stock-scroll")) and row_header["width"] >= 100
    assert page.locator(f"#stock-{large.pk} th[scope=row]").inner_text() == "RUNNER-NATURAL-180\n180 cm"
    screenshot(page, "stock-grid-phone")
    assert page.get_by_role("button", name="Save stock").count() == 1
    page.get_by_role("button", name="Save stock").click()

    page.get_by_text("The stock was saved: 2 cells changed.").wait_for()
    assert page_width(page) <= PHONE["width"]
    assert page.get_by_label("RUNNER-NATURAL-140 at US-NV1: On hand").input_value() == "4"
    assert page.get_by_label("RUNNER-NATURAL-180 at US-WA1: On hand").input_value() == "7"
    levels = {(s.variant_id, s.warehouse.code): s.quantity for s in Stock.objects.select_related("warehouse")}
    assert levels == {
        (small.pk, "US-NJ1"): 10,
        (small.pk, "US-NV1"): 4,
        (large.pk, "US-NJ1"): 10,
        (large.pk, "US-WA1"): 7,
    }
    assert StockMovement.objects.count() == movements + 2
