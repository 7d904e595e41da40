"""Issue 10's "done when": a shopper's whole journey on a phone (390x844), from a creator's video to a delivered order.

Feed -> the tag's chip -> the product sheet -> cart -> checkout with Express -> pay on the stand-in (the
amount charged is the amount shown) -> the simulated warehouse crew and carriers deliver it -> the order
page says Delivered. No page is wider than the phone at any step. Screenshots: test-artifacts/phone-journey-*.png.
"""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from creators.tests.factories import ProductTagFactory, VideoPostFactory
from creators.tests.feed_helpers import pause_at, play_until_chip_shows
from fulfillment.models import Shipment
from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of
from marketplace.tests.screens import PHONE, page_width
from marketplace.video import make_test_clip
from shop.models import Order
from shop.tests.browser_steps import fill_guest_details, go_to_payment_page, pay_with
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Journey:
    """The phone's page, checked and photographed at each step."""

    def __init__(self, page) -> None:
        self.page = page
        self.widths: dict[str, int] = {}

    def step(self, name: str) -> None:
        """The page fits the phone's width here; keep a picture of it."""
        self.widths[name] = page_width(self.page)
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS_DIR / f"phone-journey-{len(self.widths)}-{name}.png"))
        assert self.widths[name] <= PHONE["width"], self.widths


def _lamp_in_a_video(tmp_path: Path):
    """A $63.99 desk lamp tagged at second 1 of a published post. Standard shipping is free; Express to Portland
    pays the 4.8 kg volumetric weight of its box, $46.05."""
    warehouse = WarehouseFactory()
    BoxFactory(warehouse=warehouse)
    lamp = ProductFactory(title="Desk lamp", length_mm=300, width_mm=200, height_mm=150, weight_grams=900)
    variant = VariantFactory(product=lamp, name="", price=Decimal("63.99"))
    stock_of(variant, warehouse, quantity=5)
    ProductImageFactory(product=lamp)
    clip = make_test_clip(tmp_path / "desk.mp4", seconds=4, width=360, height=640, hue=2)
    post = VideoPostFactory(caption="My desk, finally lit #workspace", duration_seconds=4)
    with clip.open("rb") as handle:
        post.video.save("desk.mp4", File(handle))
    ProductTagFactory(post=post, product=lamp, start_seconds=1, position_x=60, position_y=55)
    return post


def test_a_shopper_on_a_phone_goes_from_a_video_to_a_delivered_order(stand_in_on_live_server, page, tmp_path, settings):
    live_server = stand_in_on_live_server
    settings.FULFILLMENT_SIMULATE_WAREHOUSE = True
    post = _lamp_in_a_video(tmp_path)
    journey = Journey(page)
    page.set_viewport_size(PHONE)

    # 1) The feed: the chip appears at its moment, over the video.
    video, chip_selector = f"#post-{post.pk} video", f"#post-{post.pk} [data-chip]"
    page.goto(live_server.url + "/feed/")
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 2")
    pause_at(page, video, 0.2)
    chip = page.locator(chip_selector)
    assert chip.is_hidden()
    shown_at = play_until_chip_shows(page, video, chip_selector)
    assert 0.95 <= shown_at <= 1.6, shown_at
    journey.step("feed-chip")

    # 2) The chip opens the product sheet; it adds the lamp to the cart in place.
    chip.click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name="Desk lamp").wait_for()
    journey.step("sheet")
    sheet.get_by_role("button", name="Add to cart").click()
    sheet.get_by_text("Added 1 \N{MULTIPLICATION SIGN} Desk lamp to your cart.").wait_for()
    sheet.get_by_role("button", name="Close product").click()
    cart_button = page.locator("#feed-cart")
    expect(cart_button).to_have_text("Cart (1)")
    journey.step("feed-cart-count")

    # 3) The cart, reached from over the video.
    cart_button.click()
    page.wait_for_url("**/cart/")
    page.get_by_text("Desk lamp").first.wait_for()
    journey.step("cart")

    # 4) Checkout as a guest, with Express: the summary and the button say the new total.
    fill_guest_details(page)
    pay_button = page.get_by_role("button", name=re.compile(r"^Pay \$"))
    expect(pay_button).to_have_text("Pay $63.99")
    page.get_by_role("radio", name=re.compile(r"^Express")).check()
    expect(page.locator("#checkout-summary .summary-total dd")).to_have_text("$110.04 USD", timeout=5_000)
    expect(pay_button).to_have_text("Pay $110.04")
    journey.step("checkout-express")
    shown = pay_button.text_content().removeprefix("Pay ")

    # 5) The stand-in's payment page charges what the checkout showed; the card pays it.
    go_to_payment_page(page)
    charged = page.locator(".ls-total").text_content().strip()
    assert charged == shown == "$110.04"
    journey.step("payment-page")
    pay_with(page, "4242 4242 4242 4242")
    page.wait_for_url(re.compile(r"/orders/MK-"))
    expect(page.locator(".order-status")).to_have_text("Paid")
    journey.step("order-paid")

    # 6) The simulated warehouse crew picks and packs, the simulated carrier delivers (as `make run` does).
    call_command("simulate_carriers", "--until-delivered", "--seed", "3", stdout=io.StringIO())
    page.reload()
    expect(page.locator(".order-status")).to_have_text("Delivered")
    journey.step("order-delivered")

    order = Order.objects.get()
    shipment = Shipment.objects.get(fulfillment_order__order=order.pk)
    assert (order.status, order.shipping_method, order.total) == (Order.Status.DELIVERED, "express", Decimal("110.04"))
    assert order.payments.get().amount_paid == order.amount_paid == Decimal("110.04")
    assert shipment.status == Shipment.Status.DELIVERED
    assert shipment.tracking_number in page.content()
    assert list(journey.widths) == [
        "feed-chip", "sheet", "feed-cart-count", "cart", "checkout-express", "payment-page", "order-paid",
        "order-delivered",
    ]  # fmt: skip
