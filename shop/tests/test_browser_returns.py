"""Returns in Chromium: a shopper asks for a return from the order page, on a phone (390x844) and a desktop (1280x800),
and (issue 11's "done when") the whole journey: request, print the label, the simulated carrier brings it back,
the returns centre inspects and restocks it, the refund shows on the order page. No page is wider than the screen.
Screenshots: test-artifacts/returns-*.png.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from fulfillment import simulation
from fulfillment.models import InboundReturn, Shipment, Stock
from fulfillment.selectors import return_label
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from marketplace.outbox import deliver_pending
from marketplace.tests.screens import DESKTOP, PHONE, page_width
from shop.checkout.links import order_path
from shop.models import Order, ReturnRequest
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Steps:
    """The page at each step: never wider than the screen, photographed whole."""

    def __init__(self, page, name: str, screen: dict) -> None:
        self.page, self.name, self.screen = page, name, screen
        self.widths: dict[str, int] = {}

    def check(self, step: str) -> None:
        self.widths[step] = page_width(self.page)
        assert self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), self.widths
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        path = ARTIFACTS_DIR / f"returns-{self.name}-{len(self.widths)}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert self.widths[step] <= self.screen["width"], self.widths


@pytest.fixture
def shop_url(live_server, delivered_order, settings) -> str:
    """The live server, once the order is delivered (paid on the stand-in, whose events the test posted itself)."""
    settings.SITE_URL = live_server.url
    return live_server.url


def ask_for_a_return(page, steps: Steps, order: Order, shop_url: str) -> ReturnRequest:
    """From the order page: one tea back because it does not fit; answers the return the page created."""
    page.goto(shop_url + order_path(order))
    expect(page.locator(".order-status")).to_have_text("Delivered")
    returns = page.locator("#returns")
    expect(returns.get_by_role("heading", name="Returns")).to_be_visible()
    steps.check("order")

    returns.get_by_role("link", name="Return items").click()
    page.get_by_role("heading", name="Return items").wait_for()
    page.get_by_label(f"{order.tea.product_title} — {order.tea.variant_label}", exact=True).select_option("1")
    page.get_by_label("Doesn't fit").check()
    page.get_by_label("Anything we should know? (optional)").fill("Too small")
    steps.check("form")

    page.get_by_role("button", name="Ask for the return").click()
    page.wait_for_url(re.compile(r"#return-MK-"))
    ret = ReturnRequest.objects.get(order=order)
    expect(page.locator(".message")).to_contain_text(f"Return {ret.number} is approved.")
    card = page.locator(f"#return-{ret.number}")
    expect(card.locator(".return-status")).to_have_text("Approved: send it back")
    expect(card.locator(".return-qr svg")).to_be_visible()
    expect(card.get_by_role("link", name="Download the label (PDF)")).to_be_visible()
    expect(card.get_by_text("Please send it by")).to_be_visible()
    steps.check("approved")
    return ret


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_shopper_asks_for_a_return_and_gets_the_qr_code_and_the_label(shop_url, page, delivered_order, screen):
    page.set_viewport_size(screen)
    steps = Steps(page, str(screen["width"]), screen)

    ret = ask_for_a_return(page, steps, delivered_order, shop_url)

    inbound = InboundReturn.objects.get(pk=ret.pk)
    qr_label = page.locator(f"#return-{ret.number} .return-qr [role=img]").get_attribute("aria-label")
    assert qr_label == f"QR code for the drop-off code {inbound.drop_off_code}"
    tracking = return_label(return_id=ret.pk).tracking_number
    expect(page.get_by_role("link", name=tracking)).to_have_attribute("href", f"/carriers/track/{tracking}/")
    assert list(steps.widths) == ["order", "form", "approved"]


def _carry_back(ret: ReturnRequest) -> None:
    """The simulated network scans the return parcel until it reaches the centre (no delays, no misses)."""
    inbound = InboundReturn.objects.get(pk=ret.pk)
    now = timezone.now()
    for step in range(1, 15):
        simulation.advance(now=now + dt.timedelta(hours=step * 5), seed=7, chances=simulation.Chances(0, 0, 0))
        deliver_pending()
        if Shipment.objects.get(pk=inbound.shipment_id).status == Shipment.Status.DELIVERED:
            return
    raise AssertionError("the return parcel never reached the centre")


def test_the_whole_return_from_request_to_refund_on_a_phone(shop_url, page, delivered_order, returns_centre):
    order = delivered_order
    page.set_viewport_size(PHONE)
    steps = Steps(page, "journey", PHONE)

    # 1) The shopper asks; the policy approves; the label and its QR code are on the order page.
    ret = ask_for_a_return(page, steps, order, shop_url)
    card = page.locator(f"#return-{ret.number}")

    # 2) The shopper prints the label: the stored PDF downloads.
    with page.expect_download() as download:
        card.get_by_role("link", name="Download the label (PDF)").click()
    assert download.value.suggested_filename == f"return-label-{ret.number}.pdf"
    assert Path(download.value.path()).read_bytes()[:4] == b"%PDF"

    # 3) The simulated carrier brings it back: the page shows the parcel's scans.
    _carry_back(ret)
    page.reload()
    expect(card.locator(".return-status")).to_have_text("On its way back")
    expect(card.locator(".tracking-timeline li")).not_to_have_count(0)
    expect(card.locator(".return-qr")).to_have_count(0)
    steps.check("carried")

    # 4) The returns centre scans it in, inspects it and puts the tea back on its shelf.
    tracking = return_label(return_id=ret.pk).tracking_number
    receive_return(code=tracking)
    deliver_pending()
    page.reload()
    expect(card.locator(".return-status")).to_have_text("Received, being inspected")
    inspect_return(return_id=ret.pk, dispositions=[Disposition(line_id=ret.lines.get().pk, restock=1)])
    deliver_pending()

    # 5) The refund shows on the order page, and the order is partly returned.
    page.reload()
    expect(card.locator(".return-status")).to_have_text("Inspected")
    expect(card.locator(".return-refund")).to_have_text("Refund: $12.50, refunded to your card.")
    expect(card).to_contain_text("1 accepted")
    expect(page.locator(".order-status")).to_have_text("Partially returned")
    expect(card.locator(".order-timeline").last).to_contain_text(f"Return {ret.number} inspected: 1 unit(s) accepted.")
    steps.check("refunded")

    ret.refresh_from_db()
    order.refresh_from_db()
    assert (ret.status, ret.refund.amount, ret.refund.status) == ("completed", Decimal("12.50"), "succeeded")
    assert (order.status, order.amount_refunded) == (Order.Status.PARTIALLY_RETURNED, Decimal("12.50"))
    assert Stock.objects.get(warehouse=returns_centre, variant=order.tea.variant).quantity == 1
    assert list(steps.widths) == ["order", "form", "approved", "carried", "refunded"]
