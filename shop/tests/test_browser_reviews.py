"""Reviews in Chromium at 390x844 and 1280x800 (issue 15's "done when"): a verified buyer posts a review with a
photo; it shows on the product page, the product card and the feed's sheet; the seller answers from the dashboard;
staff hide it from the admin with a reason. No shopper page is wider than the screen.
Screenshots: test-artifacts/reviews-*.png.
"""

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from conftest import ARTIFACTS_DIR
from creators.tests.factories import ProductTagFactory, VideoPostFactory
from marketplace.tests.factories import UserFactory
from marketplace.tests.screens import DESKTOP, PHONE, page_width
from marketplace.video import make_test_clip
from shop.models import Review
from shop.tests.factories import SellerMemberFactory, image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.reviews_support import shopper_delivered_fixture  # noqa: F401 (fixture)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RATED = "Rated 4.0 out of 5 from 1 review"


def log_in_as(page, live_server, user) -> None:
    """The page's browser context holds `user`'s session only."""
    session = Client()
    session.force_login(user)
    page.context.clear_cookies()
    cookie = session.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])


def check(page, screen: dict, step: str) -> None:
    """Never wider than the screen; photographed whole."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS_DIR / f"reviews-{screen['width']}-{step}.png"), full_page=True)
    assert page_width(page) <= screen["width"], step


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_buyer_reviews_with_a_photo_the_seller_answers_and_staff_hide_it(
    live_server, page, shopper_delivered, tmp_path, screen
):
    order = shopper_delivered
    product = order.tea.variant.product
    post = VideoPostFactory()
    ProductTagFactory(post=post, product=product, start_seconds=1)
    photo = tmp_path / "tin.jpg"
    photo.write_bytes(image_upload("tin.jpg").read())
    page.set_viewport_size(screen)

    # 1) The buyer writes a review of the delivered tea from "Your reviews", with a photo.
    log_in_as(page, live_server, order.user)
    page.goto(live_server.url + "/account/reviews/")
    expect(page.locator(".purchase")).to_have_count(2)
    check(page, screen, "1-purchases")
    page.locator(f'[data-line="{order.tea.pk}"]').get_by_role("link", name="Write a review").click()
    page.get_by_label("4 stars").check()
    page.get_by_label("Your review").fill("Fresh, fragrant and well packed.")
    page.get_by_label(re.compile(r"^Photos")).set_input_files(str(photo))
    check(page, screen, "2-form")
    page.get_by_role("button", name="Post your review").click()

    # 2) It is on the product page, with its photo and the stars in the header.
    page.wait_for_url(re.compile(r"#review-\d+$"))
    review = page.locator(".review")
    expect(review).to_contain_text("Fresh, fragrant and well packed.")
    expect(review).to_contain_text("Grace H.")
    expect(review.get_by_role("img", name="Photo 1 from Grace H.")).to_be_visible()
    assert review.get_by_role("img", name="Photo 1 from Grace H.").evaluate("img => img.naturalWidth") > 0
    expect(page.locator(".product-header").get_by_role("img", name=RATED)).to_be_visible()
    check(page, screen, "3-product-page")

    # 3) On the product card (the home page) and in the feed's sheet.
    page.goto(live_server.url + "/")
    card = page.locator(".product-card", has_text=product.title)
    expect(card.get_by_role("img", name=RATED)).to_be_visible()
    check(page, screen, "4-card")
    page.goto(f"{live_server.url}/v/{post.pk}/")
    page.locator(f"#post-{post.pk} .feed-product").first.click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_role("heading", name=product.title).wait_for()
    expect(sheet.get_by_role("img", name=RATED)).to_be_visible()
    check(page, screen, "5-feed-sheet")

    # 4) The seller answers, once, from the dashboard.
    seller_user = SellerMemberFactory(seller=product.seller).user
    log_in_as(page, live_server, seller_user)
    page.goto(live_server.url + "/seller/reviews/")
    page.get_by_label("Your answer").fill("Thank you, Grace! Enjoy it.")
    page.get_by_role("button", name="Answer").click()
    expect(page.locator(".message")).to_contain_text("Your answer is shown under the review.")
    expect(page.get_by_role("button", name="Answer")).to_have_count(0)
    check(page, screen, "6-seller-answered")
    page.goto(live_server.url + product.get_absolute_url())
    expect(page.locator(".review-answer")).to_contain_text("Thank you, Grace! Enjoy it.")

    # 5) Staff hide it from the admin, with a reason: it leaves the page and the rating.
    log_in_as(page, live_server, UserFactory(is_staff=True, is_superuser=True))
    page.goto(live_server.url + "/admin/shop/review/")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("hide_action")
    page.get_by_title("Run the selected action").click()
    page.get_by_label("Why is it hidden?").fill("Shows a customer's address")
    page.get_by_role("button", name="Hide").click()
    expect(page.locator(".messagelist")).to_contain_text("Hidden: review")
    page.context.clear_cookies()
    page.goto(live_server.url + product.get_absolute_url())
    expect(page.locator("#reviews")).to_contain_text("No reviews yet.")
    expect(page.locator(".product-header .rating")).to_have_count(0)
    check(page, screen, "7-hidden")
    assert Review.objects.get().hidden_reason == "Shows a customer's address"


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390", "1280"])
def test_a_buyer_reviews_with_a_video_that_fits_the_screen(live_server, page, shopper_delivered, tmp_path, screen):
    order = shopper_delivered
    clip = make_test_clip(tmp_path / "pour.mp4", seconds=2, width=1280, height=720)
    page.set_viewport_size(screen)
    log_in_as(page, live_server, order.user)
    page.goto(live_server.url + f"/account/reviews/write/{order.cup.pk}/")
    page.get_by_label("5 stars").check()
    page.get_by_label("Your review").fill("A steady pour, no drips.")
    page.get_by_label("Or a short video").set_input_files(str(clip))
    check(page, screen, "video-1-form")
    page.get_by_role("button", name="Post your review").click()

    page.wait_for_url(re.compile(r"#review-\d+$"))
    video = page.locator(".review video")
    expect(video).to_be_visible()
    assert video.get_attribute("src") == Review.objects.get().video.url
    assert video.bounding_box()["width"] <= screen["width"]
    check(page, screen, "video-2-product-page")
