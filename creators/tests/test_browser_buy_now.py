"""Buy now from the feed on a phone (390x844): two taps pay; 3D Secure goes to the bank and back to the post at
the same second; a declined card says so in the sheet and leaves nothing reserved. CSP applies (no inline code)."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from playwright.sync_api import expect

from creators.tests.factories import ProductTagFactory, VideoPostFactory
from creators.tests.feed_helpers import pause_at, play_until_chip_shows
from fulfillment.models import Reservation
from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of
from marketplace.tests.factories import PASSWORD, UserFactory
from marketplace.tests.screens import PHONE, page_width
from marketplace.video import make_test_clip
from shop.models import Order
from shop.services.buy_now import quote_buy_now
from shop.services.saved_details import as_shipping_address
from shop.tests.browser_steps import go_to_payment_page, pay_with
from shop.tests.buy_now_support import DECLINING, NEEDS_AUTHENTICATION, VISA, save_card, saved_address
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _lamp_in_a_video(tmp_path: Path):
    warehouse = WarehouseFactory()
    BoxFactory(warehouse=warehouse)
    lamp = ProductFactory(title="Desk lamp", length_mm=300, width_mm=200, height_mm=150, weight_grams=900)
    variant = VariantFactory(product=lamp, name="", price=Decimal("63.99"))
    stock_of(variant, warehouse, quantity=5)
    ProductImageFactory(product=lamp)
    clip = make_test_clip(tmp_path / "desk.mp4", seconds=4, width=360, height=640, hue=2)
    post = VideoPostFactory(caption="My desk, finally lit", duration_seconds=4)
    with clip.open("rb") as handle:
        post.video.save("desk.mp4", File(handle))
    tag = ProductTagFactory(post=post, product=lamp, start_seconds=1, position_x=60, position_y=55)
    return tag, variant


def _shopper_opens_the_sheet(page, live_server, tmp_path, card: str):
    tag, variant = _lamp_in_a_video(tmp_path)
    shopper = UserFactory()
    address = saved_address(shopper)
    save_card(shopper, card)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/accounts/login/?next=/feed/")
    page.get_by_label("Username").fill(shopper.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/feed/")
    video, chip_selector = f"#post-{tag.post_id} video", f"#post-{tag.post_id} [data-chip]"
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 2")
    pause_at(page, video, 0.2)
    play_until_chip_shows(page, video, chip_selector)
    page.locator(chip_selector).click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name="Desk lamp").wait_for()
    total = quote_buy_now(variant=variant, quantity=1, address=as_shipping_address(address)).total
    return tag, sheet, total


def test_a_returning_shopper_buys_from_the_feed_in_two_taps(stand_in_on_live_server, page, tmp_path):
    tag, sheet, total = _shopper_opens_the_sheet(page, stand_in_on_live_server, tmp_path, VISA)

    sheet.get_by_role("button", name="Buy now").click()
    pay = sheet.get_by_role("button", name=f"Pay ${total}")
    expect(sheet.locator("[data-buy-now-card]")).to_contain_text("Visa •••• 4242")
    expect(sheet.locator("[data-buy-now-total]")).to_have_text(f"${total} USD")
    assert page_width(page) <= PHONE["width"]
    video = f"document.querySelector('#post-{tag.post_id} video')"
    started_at = page.evaluate(f"() => {video}.currentTime")
    # The video keeps playing under the sheet.
    page.wait_for_function(f"() => !{video}.paused && {video}.currentTime !== {started_at}")
    pay.click()

    expect(sheet.locator("[data-buy-now-paid]")).to_contain_text("Paid: order MK-")
    order = Order.objects.get()
    assert (order.status, order.total) == ("paid", total)
    assert order.lines.get().attribution_tag_id == tag.pk
    sheet.get_by_role("link", name=order.number).click()
    expect(page.get_by_text(f"Recommended by @{tag.post.creator.handle}")).to_be_visible()


def test_a_3ds_card_authenticates_and_returns_to_the_same_post_and_second(stand_in_on_live_server, page, tmp_path):
    tag, sheet, total = _shopper_opens_the_sheet(page, stand_in_on_live_server, tmp_path, NEEDS_AUTHENTICATION)
    sheet.get_by_role("button", name="Buy now").click()
    pay = sheet.get_by_role("button", name=f"Pay ${total}")
    pay.wait_for()
    # The video plays on under the sheet: the way back is to the second of the tap on Pay.
    left_at = page.evaluate(f"() => document.querySelector('#post-{tag.post_id} video').currentTime")
    pay.click()
    page.get_by_role("button", name="Complete authentication").click()

    page.wait_for_url(re.compile(rf"/v/{tag.post_id}/\?t="))
    expect(page.get_by_text(re.compile(r"Paid: order MK-\w{4}-\w{4} is on its way\."))).to_be_visible()
    video = f"#post-{tag.post_id} video"
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 1")
    back_at = page.evaluate(f"() => document.querySelector('{video}').currentTime")
    assert abs(back_at - left_at) < 1.0, (left_at, back_at)
    assert Order.objects.get().status == "paid"


def test_a_declined_card_is_said_in_the_sheet_and_leaves_no_order_reserved(stand_in_on_live_server, page, tmp_path):
    _, sheet, total = _shopper_opens_the_sheet(page, stand_in_on_live_server, tmp_path, DECLINING)

    sheet.get_by_role("button", name="Buy now").click()
    sheet.get_by_role("button", name=f"Pay ${total}").click()

    expect(sheet.locator("[data-buy-now-declined]")).to_have_text("Your card was declined. Nothing was charged.")
    assert not Order.objects.exclude(status="cancelled").exists()
    assert not Reservation.objects.active().exists()


def test_a_double_tap_on_pay_makes_one_order(stand_in_on_live_server, page, tmp_path):
    _, sheet, total = _shopper_opens_the_sheet(page, stand_in_on_live_server, tmp_path, VISA)

    sheet.get_by_role("button", name="Buy now").click()
    sheet.get_by_role("button", name=f"Pay ${total}").dblclick()

    expect(sheet.locator("[data-buy-now-paid]")).to_be_visible()
    assert Order.objects.count() == 1


def test_a_guest_pays_through_checkout_and_lands_back_on_the_same_post_within_a_second(
    stand_in_on_live_server, page, tmp_path
):
    live_server = stand_in_on_live_server
    tag, _ = _lamp_in_a_video(tmp_path)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/feed/")
    video, chip_selector = f"#post-{tag.post_id} video", f"#post-{tag.post_id} [data-chip]"
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 2")
    pause_at(page, video, 0.2)
    play_until_chip_shows(page, video, chip_selector)
    page.locator(chip_selector).click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name="Desk lamp").wait_for()
    left_at = page.evaluate(f"() => document.querySelector('{video}').currentTime")

    sheet.get_by_role("button", name="Buy now").click()
    page.wait_for_url(re.compile(r"/checkout/\?post="))
    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_label("Full name").fill("Grace Guest")
    page.get_by_label("Address line 1").fill("1 SW Main Street")
    page.get_by_label("City or town").fill("Portland")
    page.get_by_label("State, province or region").fill("OR")
    page.get_by_label("Postal code").fill("97204")
    page.get_by_label("Country").select_option("US")
    go_to_payment_page(page)
    pay_with(page, "4242 4242 4242 4242")

    page.wait_for_url(re.compile(rf"/v/{tag.post_id}/\?t="))
    order = Order.objects.get()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 1")
    back_at = page.evaluate(f"() => document.querySelector('{video}').currentTime")
    assert abs(back_at - left_at) < 1.0, (left_at, back_at)
    assert order.status == "paid"
    assert page_width(page) <= PHONE["width"]
