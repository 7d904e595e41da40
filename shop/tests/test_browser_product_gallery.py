"""The product page's gallery in Chromium on a phone: thumbnails and swipes change the main photo in place."""

import pytest

from marketplace.tests.screens import PHONE, screenshot
from shop.tests.factories import ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STILL_HERE = "window.galleryTestMarker"
MAIN_PHOTO = "document.querySelector('.gallery-main img').getAttribute('src')"


def _swipe(page, selector: str, dx: int) -> None:
    """Drag across the element horizontally, as a finger swipes (pointer events, like a touch screen sends)."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + 4, steps=8)
    page.mouse.up()


def test_thumbnails_and_swipes_change_the_main_photo_without_leaving_the_page(live_server, page):
    variant = VariantFactory()
    product = variant.product
    photos = [ProductImageFactory(product=product, alt_text=f"Photo {n}", position=n) for n in range(3)]
    files = [photo.image.url for photo in photos]
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + product.get_absolute_url())
    page.evaluate(f"{STILL_HERE} = 'product page'")
    assert page.evaluate(MAIN_PHOTO) == files[0]
    thumbnails = page.locator(".gallery-thumbs a")

    thumbnails.nth(2).click()

    page.wait_for_function(f"() => {MAIN_PHOTO} === '{files[2]}'")
    assert page.url == live_server.url + product.get_absolute_url()
    assert page.evaluate(STILL_HERE) == "product page"  # no navigation to the bare image file
    assert page.get_attribute(".gallery-main img", "alt") == "Photo 2"
    assert [thumbnails.nth(n).get_attribute("aria-current") for n in range(3)] == ["false", "false", "true"]
    screenshot(page, "product-gallery-third-photo-390")

    # A swipe to the right goes back one photo, a swipe to the left forward one.
    _swipe(page, ".gallery-main", 150)
    page.wait_for_function(f"() => {MAIN_PHOTO} === '{files[1]}'")
    _swipe(page, ".gallery-main", -150)
    page.wait_for_function(f"() => {MAIN_PHOTO} === '{files[2]}'")
    assert page.evaluate(STILL_HERE) == "product page"


def test_without_javascript_a_thumbnail_still_opens_its_photo(live_server, chromium):
    variant = VariantFactory()
    photos = [ProductImageFactory(product=variant.product, position=n) for n in range(2)]
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server.url + variant.product.get_absolute_url())
        page.locator(".gallery-thumbs a").nth(1).click()
        page.wait_for_url(f"**{photos[1].image.url}")
    finally:
        context.close()
