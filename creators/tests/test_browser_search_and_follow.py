"""In Chromium at 390x844 and 1280x800: the search box suggests as the shopper types and "hoody" finds the
hoodie; a shopper follows a creator, likes and shares a video, and sees it on the Following tab."""

import pytest

from creators.models import Follow, Like
from creators.tests.factories import CreatorFactory, VideoPostFactory
from marketplace.tests.factories import PASSWORD, UserFactory
from marketplace.tests.screens import DESKTOP, PHONE, page_width, screenshot
from shop.tests.test_search_sorting import listed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390", "1280"])


@SCREENS
def test_the_box_suggests_as_the_shopper_types_and_hoody_finds_the_hoodie(live_server, page, screen):
    listed("Zip hoodie", "40.00")
    listed("Hooded raincoat", "90.00")
    listed("Wool scarf")
    CreatorFactory(handle="hoodieking", display_name="Hoodie King")
    page.set_viewport_size(screen)
    page.goto(live_server.url + "/")

    box = page.get_by_role("searchbox", name="Search products")
    box.press_sequentially("hood", delay=60)
    suggestions = page.locator("#search-suggestions")
    suggestions.get_by_role("link", name="Zip hoodie").wait_for()
    assert suggestions.get_by_role("link", name="Hoodie King @hoodieking").is_visible()
    assert page_width(page) <= screen["width"]
    screenshot(page, f"search-suggestions-{screen['width']}")

    # The keyboard: Down into the list, Down again, Up back, Escape closes and returns to the box.
    box.press("ArrowDown")
    first = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == first
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") == "site-search"
    assert suggestions.get_by_role("link").count() == 0

    box.fill("hoody")
    box.press("Enter")
    page.get_by_role("heading", name="Search results for “hoody”").wait_for()
    cards = page.locator(".product-card-title")
    assert "Zip hoodie" in cards.all_text_contents()
    assert page.get_by_role("heading", name="Creators").is_visible()

    # Sorting: choosing an order reloads the results in it.
    page.get_by_label("Sort by").select_option("price_high")
    page.wait_for_url("**sort=price_high**")
    assert cards.first.text_content() == "Hooded raincoat"
    assert page_width(page) <= screen["width"]
    screenshot(page, f"search-results-{screen['width']}")


def _log_in(page, live_server, next_url: str):
    shopper = UserFactory()
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(shopper.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{next_url}")
    return shopper


@SCREENS
def test_a_shopper_follows_a_creator_likes_and_shares_and_sees_the_following_tab(live_server, page, screen):
    ada = CreatorFactory(handle="ada", display_name="Ada")
    post = VideoPostFactory(creator=ada, caption="Autumn layers #ootd")
    VideoPostFactory(caption="Someone else's video")
    if screen is PHONE:  # the phone's share sheet, recorded
        page.add_init_script("navigator.share = async (data) => { window.sharedWith = data; };")
    else:  # a desktop without the Web Share API copies the link
        page.add_init_script("delete Navigator.prototype.share;")
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.set_viewport_size(screen)
    shopper = _log_in(page, live_server, "/feed/")
    item = page.locator(f"#post-{post.pk}")

    item.get_by_role("button", name="Follow @ada").click()
    item.get_by_role("button", name="Following @ada").wait_for()
    assert item.locator("[data-follower-count]").text_content() == "1 follower"
    item.get_by_role("button", name="Like").click()
    item.get_by_role("button", name="Liked").wait_for()
    assert item.locator("[data-like-count]").text_content() == "1 like"

    item.get_by_role("link", name="Share link to this video").click()
    post_url = f"{live_server.url}/v/{post.pk}/"
    if screen is PHONE:
        page.wait_for_function("() => window.sharedWith !== undefined")
        assert page.evaluate("window.sharedWith.url") == post_url
    else:
        item.get_by_text("Link copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == post_url
    assert page_width(page) <= screen["width"]

    page.get_by_role("link", name="Following", exact=True).click()
    page.wait_for_url("**/feed/following/")
    assert page.locator(".feed-item").count() == 1
    assert page.locator(f"#post-{post.pk}").get_by_text("Autumn layers").is_visible()
    assert page_width(page) <= screen["width"]
    screenshot(page, f"feed-following-{screen['width']}")
    assert Follow.objects.filter(user=shopper, creator=ada).exists()
    assert Like.objects.filter(user=shopper, post=post).exists()


def test_a_guest_who_taps_follow_logs_in_and_comes_back_to_the_feed(live_server, page):
    CreatorFactory(handle="ada")
    post = VideoPostFactory(creator=CreatorFactory(handle="ada2"))
    shopper = UserFactory()
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/feed/")

    page.locator(f"#post-{post.pk}").get_by_role("button", name="Follow @ada2").click()
    page.wait_for_url("**/accounts/login/?next=%2Ffeed%2F")
    page.get_by_label("Username").fill(shopper.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/feed/")
    assert not Follow.objects.exists()  # the tap asked to log in; it followed no one
    assert page.get_by_role("link", name="Following", exact=True).is_visible()
