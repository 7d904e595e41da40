"""Issue 4's whole journey in Chromium: a creator's tagged video sells a product, and the commission shows up.

One browser, two contexts: the creator (logged in) and a guest shopper. Screenshots are kept in
test-artifacts/creator-journey-*.png.
"""

import re
from decimal import Decimal

import pytest

from conftest import ARTIFACTS_DIR
from creators.models import Commission, ProductTag, VideoPost
from creators.tests.factories import CreatorFactory
from creators.tests.feed_helpers import pause_at, play_until_chip_shows
from fulfillment.tests.factories import stock_of
from marketplace.tests.factories import PASSWORD
from marketplace.video import make_test_clip
from shop.models import Order, OrderLine
from shop.templatetags.catalog import money
from shop.tests.browser_steps import check_out_as_guest, pay_with
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STILL_HERE = "window.journeyTestMarker"


def _screenshot(page, name: str) -> None:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / f"creator-journey-{name}.png"), full_page=True)


def _creator_uploads_tags_and_publishes(page, live_server, creator, clip) -> str:
    """The studio part; answers the start the editor filled in (seconds, as text)."""
    page.goto(live_server.url + "/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill(creator.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studio/")

    page.get_by_role("link", name="Upload a video").first.click()
    page.get_by_label("Caption").fill("Kitchen morning #apron")
    page.get_by_label("Video").set_input_files(str(clip))
    # Keep the progress bar's last text across the redirect that follows the upload.
    page.evaluate(
        """() => new MutationObserver(() => {
            sessionStorage.setItem("uploadProgress", document.querySelector(".studio-progress-text").textContent);
        }).observe(document.querySelector(".studio-progress-text"), { childList: true, characterData: true })"""
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/studio/posts/*/")
    assert page.evaluate("sessionStorage.getItem('uploadProgress')") == "100 %"
    # Tasks run in-process here, so the post is normally ready on arrival; a processing page is reloaded.
    for _ in range(30):
        if page.locator("#studio-video").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert page.locator(".dash-heading .badge").first.text_content() == "Ready"

    # Play to second 2 (playing, not seeking: the live server's /media/ has no Range support).
    page.evaluate("(() => { const v = document.getElementById('studio-video'); v.muted = true; v.play(); })()")
    page.wait_for_function("() => document.getElementById('studio-video').currentTime >= 2")
    page.evaluate("(() => { document.getElementById('studio-video').pause(); })()")
    page.locator(".studio-tag-form").first.get_by_role("button", name="Tag at current time").click()
    start = page.get_by_label("Start (seconds)").input_value()
    assert re.fullmatch(r"2\.[0-4]", start), start  # floored to tenths, just after second 2

    page.get_by_label("Find a product to tag").fill("apron")
    page.wait_for_selector('#tag-product-results [data-query="apron"]')
    page.get_by_label("Linen apron").check()
    page.get_by_role("button", name="Add tag").click()
    page.wait_for_url("**/studio/posts/*/#tags")
    assert page.locator(".studio-tags").get_by_text(f"Linen apron at {start}").is_visible()

    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector("text=The post is published.")
    _screenshot(page, "1-published")
    return start


def _shopper_sees_the_chip_and_adds_to_cart(page, live_server, post_id: int, start: Decimal) -> None:
    video = f"#post-{post_id} video"
    chip = page.locator(f"#post-{post_id} [data-chip]")
    page.goto(live_server.url + "/feed/")
    page.evaluate(f"{STILL_HERE} = 'feed'")
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 2")
    pause_at(page, video, 0.2)
    assert chip.is_hidden()
    assert page.locator(f"#post-{post_id} .feed-products").get_by_text("Linen apron").is_visible()

    shown_at = play_until_chip_shows(page, video, f"#post-{post_id} [data-chip]")
    assert float(start) - 0.05 <= shown_at <= 2.6, (start, shown_at)
    _screenshot(page, "2-feed-chip")

    chip.click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name="Linen apron").wait_for()
    sheet.get_by_role("button", name="Add to cart").click()
    sheet.get_by_text("Added 1 \N{MULTIPLICATION SIGN} Linen apron to your cart.").wait_for()
    assert page.text_content("#header-cart") == "Cart (1)"
    assert page.evaluate(STILL_HERE) == "feed"  # added in place, no navigation


def _shopper_checks_out_and_pays(page, live_server) -> str:
    """Cart, guest checkout and the stand-in's payment page; answers the paid order page's heading."""
    page.goto(live_server.url + "/cart/")
    check_out_as_guest(page)
    pay_with(page, "4242 4242 4242 4242")
    # The success page fulfils the session itself (the signed webhook may come first or after).
    page.wait_for_url(re.compile(r"/orders/MK-"))
    assert page.locator(".order-status").text_content().strip() == "Paid"
    _screenshot(page, "3-paid-order")
    return page.get_by_role("heading", level=1).text_content()


def test_a_creators_tagged_video_sells_and_the_pending_commission_shows(
    stand_in_on_live_server, page, second_page, tmp_path
):
    live_server, shopper_page = stand_in_on_live_server, second_page
    creator = CreatorFactory()
    apron = ProductFactory(title="Linen apron", affiliate_commission_rate=Decimal("10"))
    variant = VariantFactory(product=apron, name="", price=Decimal("24.95"))
    stock_of(variant, quantity=10)
    ProductImageFactory(product=apron)
    clip = make_test_clip(tmp_path / "kitchen.mp4", seconds=5, width=360, height=640, hue=3)

    # 1) The creator uploads, tags the apron just after second 2 and publishes.
    start = _creator_uploads_tags_and_publishes(page, live_server, creator, clip)
    post = VideoPost.objects.get()
    tag = ProductTag.objects.get()
    assert (post.creator, tag.post, tag.product, tag.start_seconds) == (creator, post, apron, Decimal(start))
    assert VideoPost.objects.published().filter(pk=post.pk).exists()

    # 2) A guest sees the chip at about second 2, adds the apron from the sheet, checks out and pays.
    # (No database reads until the feed is left: SQLite's test database locks tables the live server writes.)
    _shopper_sees_the_chip_and_adds_to_cart(shopper_page, live_server, post.pk, Decimal(start))
    order_heading = _shopper_checks_out_and_pays(shopper_page, live_server)
    shopper_page.goto("about:blank")

    # 3) The creator's dashboard shows the order, the sale and the pending 10 % of $24.95 (249.5 cents, half up).
    page.goto(live_server.url + "/studio/earnings/")
    assert page.locator("[data-stat=orders]").inner_text() == "1"
    money_row = page.get_by_role("table", name="Sales and commission").locator("tbody tr")
    assert money_row.count() == 1
    assert money_row.locator("td").first.inner_text() == "$24.95"
    assert page.locator("[data-money=pending]").inner_text() == "$2.50"
    assert page.locator(f"#tag-{tag.pk} td").nth(3).inner_text() == "1"  # the tag's orders
    _screenshot(page, "4-earnings")

    order = Order.objects.get()
    line = OrderLine.objects.get()
    commission = Commission.objects.get()
    assert order_heading == f"Order {order.number}"
    assert (order.status, line.line_total) == (Order.Status.PAID, Decimal("24.95"))
    assert (line.attribution_tag_id, line.attribution_creator_id) == (tag.pk, creator.pk)
    assert (commission.creator, commission.order_line, commission.tag_id, commission.kind, commission.status) == (
        creator,
        line,
        tag.pk,
        Commission.Kind.EARNING,
        Commission.Status.PENDING,
    )
    assert (commission.base_cents, commission.amount_cents) == (2495, 250)
    assert money(Decimal(commission.amount_cents) / 100, commission.currency) == "$2.50"  # the page's format
