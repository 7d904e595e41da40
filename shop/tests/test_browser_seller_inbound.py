"""Announcing an inbound shipment on a phone, in Debian's Chromium, and reading what arrived."""

import pytest
from django.conf import settings
from django.test import Client

from fulfillment.models import InboundShipment
from fulfillment.services.receiving import LineCount, close_receipt, record_line_counts
from fulfillment.tests.factories import WarehouseFactory
from marketplace.tests.screens import PHONE, page_width, screenshot
from shop.tests.factories import ProductFactory, SellerMemberFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    session = Client()
    session.force_login(user)
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def test_a_seller_announces_a_shipment_on_a_phone_and_reads_its_discrepancy(live_server, page):
    member = SellerMemberFactory(seller__name="Harbor Home")
    product = ProductFactory(seller=member.seller, title="Linen table runner")
    VariantFactory(product=product, sku="RUNNER-NATURAL-140")
    VariantFactory(product=product, sku="RUNNER-NATURAL-180")
    WarehouseFactory(code="US-NJ1", name="Newark Fulfillment Center")
    _log_in(page, live_server, member.user)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/seller/inbound/new/")
    assert page_width(page) <= PHONE["width"]
    page.get_by_label("Carrier").fill("UPS Freight")
    page.locator("#id_lines-0-sku").fill("RUNNER-NATURAL-140")
    page.locator("#id_lines-0-quantity").fill("40")
    page.locator("#id_lines-1-sku").fill("RUNNER-NATURAL-180")
    page.locator("#id_lines-1-quantity").fill("12")
    screenshot(page, "inbound-announce-phone")
    page.get_by_role("button", name="Announce shipment").click()

    page.get_by_text("was announced to US-NJ1").wait_for()
    shipment = InboundShipment.objects.get()
    assert page_width(page) <= PHONE["width"]
    lines = {line.sku: line for line in shipment.lines.all()}
    record_line_counts(
        shipment_id=shipment.pk,
        counts=[
            LineCount(line_id=lines["RUNNER-NATURAL-140"].pk, received=38, damaged=1),
            LineCount(line_id=lines["RUNNER-NATURAL-180"].pk, received=12),
        ],
    )
    close_receipt(shipment_id=shipment.pk)

    page.goto(f"{live_server.url}/seller/inbound/")
    assert page_width(page) <= PHONE["width"]
    page.get_by_text("RUNNER-NATURAL-140: 2 short 1 damaged").wait_for()
    page.get_by_role("link", name=shipment.number).click()
    assert page.locator('[data-line="RUNNER-NATURAL-140"] [data-discrepancy]').inner_text().split() == [
        "2", "short", "1", "damaged",
    ]  # fmt: skip
    assert page_width(page) <= PHONE["width"]
    screenshot(page, "inbound-shipment-phone")
