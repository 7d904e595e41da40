"""The feed in Chromium: a real clip plays, its chip appears at second 2, the sheet adds to the cart in place."""

import json
from pathlib import Path

import pytest
from django.core.files import File

from conftest import ARTIFACTS_DIR
from creators.models import PostImpression, TagClick
from creators.tests.factories import ProductTagFactory
from creators.tests.feed_helpers import pause_at, play_until_chip_shows, post_with_tags, tagged_product
from marketplace.video import make_test_clip
from shop.models import CartLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STILL_HERE = "window.feedTestMarker"


def _post_with_clip(tmp_path: Path, name: str, *, minutes_ago: int, hue: int):
    clip = make_test_clip(tmp_path / f"{name}.mp4", seconds=4, width=360, height=640, hue=hue)
    post = post_with_tags(minutes_ago=minutes_ago, duration_seconds=4, caption=f"{name} #ootd")
    with clip.open("rb") as handle:
        post.video.save(f"{name}.mp4", File(handle))
    return post


def _impressions_sent(requests: list) -> set[int]:
    """Posts whose impressions reached the server (its answer received, so the rows are written)."""
    posts = set()
    for request in requests:
        if request.url.endswith("/feed/events/") and request.response() and request.response().status == 202:
            posts |= {event["post"] for event in json.loads(request.post_data) if event["type"] == "impression"}
    return posts


def test_a_shopper_sees_the_chip_at_second_two_and_adds_the_product_without_leaving_the_feed(
    live_server, page, tmp_path
):
    first = _post_with_clip(tmp_path, "first", minutes_ago=0, hue=1)
    second = _post_with_clip(tmp_path, "second", minutes_ago=5, hue=4)
    teapot = tagged_product("Glass teapot", "24.00")
    tag = ProductTagFactory(post=first, product=teapot.product, start_seconds=2)
    # The database is read only once the page is gone: SQLite's test database locks a table
    # that the live server writes (events come in batches at any moment).
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))  # noqa: PLW0108 (Playwright wants a Python function)
    video = f"#post-{first.pk} video"
    chip = page.locator(f"#post-{first.pk} [data-chip]")

    page.goto(live_server.url + "/feed/")
    page.evaluate(f"{STILL_HERE} = 'feed'")
    page.wait_for_function(f"() => document.querySelector('{video}').readyState >= 2")
    pause_at(page, video, 0.2)

    # Before second 2 the chip is hidden; the list under the video already names the product.
    assert chip.is_hidden()
    products = page.locator(f"#post-{first.pk} .feed-products")
    assert products.get_by_text("Glass teapot").is_visible()
    assert products.get_by_text("$24.00").is_visible()
    assert page.get_by_text(f"@{first.creator.handle} earns a commission on purchases from this video.").is_visible()

    # The media time of the first `timeupdate` that shows the chip (feed.js handles the event first).
    assert 1.95 <= play_until_chip_shows(page, video, f"#post-{first.pk} [data-chip]") <= 2.6
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / "feed-chip-at-second-two.png"))

    chip.click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name="Glass teapot").wait_for()
    page.screenshot(path=str(ARTIFACTS_DIR / "feed-product-sheet.png"))
    sheet.get_by_role("button", name="Add to cart").click()
    sheet.get_by_text("Added 1 \N{MULTIPLICATION SIGN} Glass teapot to your cart.").wait_for()

    assert page.text_content("#header-cart") == "Cart (1)"
    assert page.evaluate(STILL_HERE) == "feed"  # htmx answered in place: no navigation
    # The keyboard: close the sheet, then ArrowDown moves to the next video.
    sheet.get_by_role("button", name="Close product").click()
    assert not sheet.is_visible()
    page.locator(f"#post-{first.pk}").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => document.activeElement.id === 'post-{second.pk}'")
    page.wait_for_function(
        f"() => Math.abs(document.getElementById('post-{second.pk}').getBoundingClientRect().top) < 2"
    )
    page.wait_for_function(f"() => !document.querySelector('#post-{second.pk} video').paused")
    page.wait_for_function(f"() => document.querySelector('{video}').paused")
    assert page.evaluate(STILL_HERE) == "feed"

    # A tap on the video unmutes it; M mutes it again.
    second_video = f"#post-{second.pk} video"
    page.locator(second_video).click()
    page.wait_for_function(f"() => !document.querySelector('{second_video}').muted")
    assert page.locator(f"#post-{second.pk} [data-action=mute]").get_attribute("aria-label") == "Mute video"
    page.locator(f"#post-{second.pk}").focus()
    page.keyboard.press("m")
    page.wait_for_function(f"() => document.querySelector('{second_video}').muted")
    page.screenshot(path=str(ARTIFACTS_DIR / "feed-next-video-by-keyboard.png"))

    # Impressions reach the server in batches (every few seconds while the page is open): both posts were watched.
    for _ in range(150):
        if _impressions_sent(finished) >= {first.pk, second.pk}:
            break
        page.wait_for_timeout(100)
    assert _impressions_sent(finished) == {first.pk, second.pk}
    page.goto("about:blank")

    line = CartLine.objects.get()
    assert (line.variant_id, line.attribution_tag_id, line.attribution_creator_id) == (
        teapot.pk,
        tag.pk,
        first.creator_id,
    )
    assert TagClick.objects.filter(tag=tag).count() == 1
    assert PostImpression.objects.filter(post=first).values_list("session_key", flat=True)[0] == line.cart.session_key


def test_scrolling_to_the_end_of_the_feed_loads_the_next_page_in_place(live_server, page):
    posts = [post_with_tags(minutes_ago=minute) for minute in range(11)]  # a page is 10

    page.goto(live_server.url + "/feed/")
    page.evaluate(f"{STILL_HERE} = 'feed'")
    assert page.locator("[data-feed-item]").count() == 10
    page.locator("[data-feed-sentinel]").scroll_into_view_if_needed()

    page.locator(f"#post-{posts[10].pk}").wait_for(state="attached")
    assert page.locator("[data-feed-item]").count() == 11
    assert page.locator("[data-feed-sentinel]").count() == 0  # the last page has none
    assert page.evaluate(STILL_HERE) == "feed"
