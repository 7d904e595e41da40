"""The feed on a phone (390x844) and on a desktop (1280x800): chips inside the picture, a sheet that fits,
the cart and search within reach while watching."""

from pathlib import Path

import pytest
from django.core.files import File

from creators.tests.factories import ProductTagFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product
from fulfillment.tests.factories import stock_of
from marketplace.tests.screens import DESKTOP, PHONE, box, inside, page_width, screenshot, viewport_box
from marketplace.video import make_test_clip
from shop.tests.factories import VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])

# Where the video's picture is drawn inside its element (object-fit: contain letterboxes it).
PICTURE_BOX = """(selector) => {
    const video = document.querySelector(selector);
    const r = video.getBoundingClientRect();
    const scale = Math.min(r.width / video.videoWidth, r.height / video.videoHeight);
    const width = video.videoWidth * scale, height = video.videoHeight * scale;
    const left = r.left + (r.width - width) / 2, top = r.top + (r.height - height) / 2;
    return { left, top, right: left + width, bottom: top + height, width, height };
}"""


def _post_with_clip(tmp_path: Path, name: str, *, minutes_ago: int = 0, hue: int = 0):
    clip = make_test_clip(tmp_path / f"{name}.mp4", seconds=4, width=360, height=640, hue=hue)
    post = post_with_tags(minutes_ago=minutes_ago, duration_seconds=4, caption=f"{name} #ootd")
    with clip.open("rb") as handle:
        post.video.save(f"{name}.mp4", File(handle))
    return post


def _tag(post, title: str, *, x: int | None = None, y: int | None = None, price: str = "24.00"):
    variant = tagged_product(title, price)
    return ProductTagFactory(post=post, product=variant.product, start_seconds=0, position_x=x, position_y=y)


def _open_feed(page, live_server, screen: dict) -> None:
    page.set_viewport_size(screen)
    page.goto(live_server.url + "/feed/")
    page.wait_for_function("() => document.querySelector('[data-feed-video]').readyState >= 1")


def _visible_chips(page, post) -> list[dict]:
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((chip) => !chip.hidden).map((chip) => {
            const r = chip.getBoundingClientRect();
            const price = chip.querySelector('.feed-chip-price').getBoundingClientRect();
            const title = chip.querySelector('.feed-chip-title').getBoundingClientRect();
            return {
                text: chip.textContent.trim().replace(/\\s+/g, ' '),
                box: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
                price: { left: price.left, top: price.top, right: price.right, bottom: price.bottom },
                titleWidth: title.width,
                fontSize: parseFloat(getComputedStyle(chip).fontSize),
            };
        })""",
        f"#post-{post.pk} [data-chip]",
    )


@SIZES
def test_chips_stay_inside_the_video_and_readable(live_server, page, tmp_path, screen):
    post = _post_with_clip(tmp_path, "chips", hue=2)
    # At the edges of the frame, as creators place them, with names longer than a phone's third.
    _tag(post, "Rice Water Gentle Cleanser", x=5, y=15)
    _tag(post, "Silk Twill Bandana Scarf", x=50, y=50)
    _tag(post, "Stainless Steel Insulated Water Bottle", x=95, y=95)
    _tag(post, "Bamboo Toothbrush Set")  # no position: listed at the bottom left

    _open_feed(page, live_server, screen)
    page.wait_for_function(
        f"() => [...document.querySelectorAll('#post-{post.pk} [data-chip]')].every((chip) => !chip.hidden)"
    )
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")

    picture = page.evaluate(PICTURE_BOX, f"#post-{post.pk} video")
    chips = _visible_chips(page, post)
    screenshot(page, f"feed-chips-{screen['width']}")
    assert len(chips) == 4
    for chip in chips:
        assert inside(chip["box"], picture), (chip["text"], chip["box"], picture)
        assert inside(chip["price"], chip["box"]), chip  # the price is never cut off
        assert chip["fontSize"] >= 14
        assert chip["titleWidth"] >= 80, chip  # a long name is shortened, not squeezed away
    assert page_width(page) <= screen["width"]


def test_the_product_sheet_fits_a_phone(live_server, page, tmp_path):
    post = _post_with_clip(tmp_path, "sheet", hue=3)
    tag = _tag(post, "Silk Twill Bandana Scarf", x=70, y=70, price="33.99")
    stock_of(VariantFactory(product=tag.product, name="Large square, navy and cream", price="41.99"), quantity=3)

    _open_feed(page, live_server, PHONE)
    chip = page.locator(f"#post-{post.pk} [data-chip]")
    chip.wait_for(state="visible")
    chip.click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name="Silk Twill Bandana Scarf").wait_for()
    screenshot(page, "feed-sheet-390")

    assert page_width(page) <= PHONE["width"]
    screen = viewport_box(page)
    assert inside(box(page, ".product-sheet-close button"), screen)
    for index in range(2):
        assert inside(box(page, f".product-sheet .variant-option:nth-of-type({index + 1})"), screen)
    assert inside(box(page, ".product-sheet [data-add-to-cart]"), screen)


@SIZES
def test_the_cart_and_search_stay_within_reach_while_watching(live_server, page, tmp_path, screen):
    second = _post_with_clip(tmp_path, "second", minutes_ago=5, hue=4)
    first = _post_with_clip(tmp_path, "first", hue=1)
    _tag(second, "Glass teapot")
    _tag(first, "Tea cups")

    # On arrival the header (search, cart) is on screen: the feed does not scroll it away.
    _open_feed(page, live_server, screen)
    page.wait_for_timeout(300)  # scroll snapping settles
    screenshot(page, f"feed-arrival-{screen['width']}")
    assert page.evaluate("scrollY") == 0
    assert inside(box(page, "#site-search"), viewport_box(page))
    assert inside(box(page, "#header-cart"), viewport_box(page))

    # Watching the second video, the header is gone; a cart button over the video shows the count.
    post = f"document.getElementById('post-{second.pk}')"
    page.evaluate(f"{post}.scrollIntoView()")
    page.wait_for_function(f"() => Math.abs({post}.getBoundingClientRect().top) < 2")
    cart = page.locator("#feed-cart")
    assert cart.text_content() == "Cart (0)"
    assert inside(box(page, "#feed-cart"), box(page, f"#post-{second.pk} .feed-stage"))
    assert page.evaluate(
        """() => {
            const r = document.getElementById('feed-cart').getBoundingClientRect();
            return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).closest('#feed-cart') !== null;
        }"""
    )  # on top of the video, not under it

    # Adding from the sheet updates that count in place.
    page.locator(f"#post-{second.pk} .feed-product").click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("button", name="Add to cart").click()
    sheet.get_by_text("Added 1 \N{MULTIPLICATION SIGN} Glass teapot to your cart.").wait_for()
    sheet.get_by_role("button", name="Close product").click()
    assert cart.text_content() == "Cart (1)"
    assert cart.is_visible()
    screenshot(page, f"feed-cart-over-video-{screen['width']}")

    # Search from over the video brings the search box back and puts the cursor in it.
    page.locator(".feed-bar").get_by_role("link", name="Search").click()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'site-search'")
    page.wait_for_timeout(300)
    assert inside(box(page, "#site-search"), viewport_box(page))
    cart.click()
    page.wait_for_url("**/cart/")
