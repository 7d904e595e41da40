"""The studio in Chromium: upload with the progress bar, tag at the player's current time or by tapping
the video, publish; the posts table on a phone."""

from decimal import Decimal

import pytest
from django.core.files import File

from creators.models import ProductTag, VideoPost
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from marketplace.tests.factories import PASSWORD
from marketplace.tests.screens import PHONE, box, inside, page_width, screenshot
from marketplace.video import make_test_clip
from shop.tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, user) -> None:
    page.goto(live_server.url + "/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studio/")


def test_a_creator_uploads_tags_at_second_two_and_publishes(live_server, page, tmp_path):
    creator = CreatorFactory()
    scarf = ProductFactory(title="Silk scarf", affiliate_commission_rate=Decimal("15"))
    ProductFactory(title="Silk tie", affiliate_commission_rate=0)
    clip = make_test_clip(
        tmp_path / "look.webm", seconds=3, width=160, height=284, codec="libvpx-vp9", container="webm"
    )
    _log_in(page, live_server, creator.user)

    # Upload through the progress-bar script (tasks run in-process: the post is ready on arrival).
    page.get_by_role("link", name="Upload a video").first.click()
    page.get_by_label("Caption").fill("Autumn look #scarf")
    page.get_by_label("Video").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/studio/posts/*/")
    post = VideoPost.objects.get()
    assert (post.status, post.caption) == (VideoPost.Status.READY, "Autumn look #scarf")

    # Play to second 2 and let the button fill the start. (Playing, not seeking: the test live server
    # answers /media/ itself, without the Range support of our media view, so Chromium cannot seek.)
    page.evaluate("(() => { const v = document.getElementById('studio-video'); v.muted = true; v.play(); })()")
    page.wait_for_function("() => document.getElementById('studio-video').currentTime >= 2")
    page.evaluate("(() => { const v = document.getElementById('studio-video'); v.pause(); v.currentTime; })()")
    # The button floors to tenths: whatever moment after 2 s the pause landed on, the start reads 2.x.
    page.locator(".studio-tag-form").first.get_by_role("button", name="Tag at current time").click()
    start = page.get_by_label("Start (seconds)").input_value()
    assert start.startswith("2.")

    # Search as you type (htmx) offers only products open to creators.
    page.get_by_label("Find a product to tag").fill("silk")
    page.wait_for_selector('#tag-product-results [data-query="silk"]')  # htmx swapped in the search results
    assert page.locator("#tag-product-results").get_by_text("Silk tie").count() == 0
    page.get_by_label("Silk scarf").check()
    page.get_by_role("button", name="Add tag").click()
    page.wait_for_url("**/studio/posts/*/#tags")
    tag = ProductTag.objects.get()
    assert (tag.product, tag.start_seconds) == (scarf, Decimal(start))

    page.get_by_role("button", name="Publish").click()
    page.wait_for_selector("text=The post is published.")
    assert VideoPost.objects.published().filter(pk=post.pk).exists()


def test_a_text_file_named_mp4_gets_the_error_without_leaving_the_page(live_server, page, tmp_path):
    creator = CreatorFactory()
    fake = tmp_path / "holiday.mp4"
    fake.write_text("just words\n" * 100)
    _log_in(page, live_server, creator.user)

    page.goto(live_server.url + "/studio/upload/")
    page.get_by_label("Video").set_input_files(str(fake))
    page.get_by_role("button", name="Upload").click()

    error = page.locator(".studio-upload-error")
    error.wait_for(state="visible")
    assert "This file is not a video we can read" in error.text_content()
    assert page.url.endswith("/studio/upload/")
    assert not VideoPost.objects.exists()


def test_on_a_phone_every_post_action_is_on_screen(live_server, page):
    creator = CreatorFactory()
    VideoPostFactory(creator=creator, caption="Autumn look with the silk scarf and the wool coat #scarf #coat")
    VideoPostFactory(creator=creator, caption="Draft of the winter haul #haul", published_at=None)
    VideoPostFactory(
        creator=creator, status=VideoPost.Status.FAILED, failure_reason="Unreadable video.", published_at=None
    )
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, creator.user)
    screenshot(page, "studio-posts-390")

    assert page_width(page) <= PHONE["width"]
    # Each action lies across the screen as it is (the table is not scrolled sideways to reach it).
    actions = page.evaluate(
        """() => [...document.querySelectorAll('.studio-posts .studio-actions :is(a, button)')].map((action) => {
            const r = action.getBoundingClientRect();
            return { name: action.textContent.trim(), left: r.left, right: r.right };
        })"""
    )
    assert [action["name"] for action in actions] == [
        *("Edit", "Retry", "Delete"),
        *("Edit", "Publish", "Delete"),
        *("Edit", "Unpublish", "Delete"),
    ]
    assert all(action["left"] >= 0 and action["right"] <= PHONE["width"] for action in actions), actions


def test_a_creator_places_a_tag_by_tapping_the_video(live_server, page, tmp_path):
    creator = CreatorFactory()
    post = VideoPostFactory(creator=creator, published_at=None, duration_seconds=3, width=360, height=640)
    clip = make_test_clip(tmp_path / "look.mp4", seconds=3, width=360, height=640)
    with clip.open("rb") as handle:
        post.video.save("look.mp4", File(handle))
    scarf = ProductFactory(title="Silk scarf", affiliate_commission_rate=Decimal("15"))
    placed = ProductTagFactory(post=post, product=ProductFactory(title="Wool coat"), position_x=50, position_y=50)
    page.set_viewport_size(PHONE)
    _log_in(page, live_server, creator.user)
    page.goto(f"{live_server.url}/studio/posts/{post.pk}/")
    page.wait_for_function("() => document.getElementById('studio-video').readyState >= 1")
    form = page.locator(".studio-tag-form").first

    form.get_by_role("button", name="Place on the video").click()
    video = box(page, "#studio-video")
    screenshot(page, "studio-place-tag-390")
    page.mouse.click(video["left"] + video["width"] * 0.25, video["top"] + video["height"] * 0.75)
    screenshot(page, "studio-tag-placed-390")

    assert form.get_by_label("Across (%, optional)").input_value() == "25"
    assert form.get_by_label("Down (%, optional)").input_value() == "75"
    assert inside(box(page, "[data-place-marker]"), video)
    page.get_by_label("Find a product to tag").fill("silk")
    page.wait_for_selector('#tag-product-results [data-query="silk"]')
    page.get_by_label("Silk scarf").check()
    form.get_by_label("Start (seconds)").fill("1")
    form.get_by_role("button", name="Add tag").click()
    page.wait_for_url("**/studio/posts/*/#tags")
    tag = ProductTag.objects.get(product=scarf)
    assert (tag.position_x, tag.position_y) == (25, 75)

    # A placed tag is moved the same way, from its own form.
    page.locator(f"#tag-{placed.pk} summary").click()
    edit = page.locator(f"#tag-{placed.pk} .studio-tag-form")
    edit.get_by_role("button", name="Place on the video").click()
    video = box(page, "#studio-video")
    page.mouse.click(video["left"] + video["width"] * 0.9, video["top"] + video["height"] * 0.1)
    assert (
        edit.get_by_label("Across (%, optional)").input_value(),
        edit.get_by_label("Down (%, optional)").input_value(),
    ) == ("90", "10")
