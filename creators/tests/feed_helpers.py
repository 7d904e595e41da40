"""Posts with tagged products for the feed's tests: variants priced, photos, stock."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from creators.tests.factories import ProductTagFactory, VideoPostFactory
from fulfillment.tests.factories import stock_of
from marketplace.fragments import clear_shared_fragments
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory


def tagged_product(title: str = "", price: str = "19.99", stock: int = 10, with_image: bool = True):
    """An active product open to affiliates with one variant in stock (and a photo); returns the variant."""
    product = ProductFactory(**({"title": title} if title else {}))
    variant = VariantFactory(product=product, name="", price=Decimal(price))
    if stock:
        stock_of(variant, quantity=stock)
    if with_image:
        ProductImageFactory(product=product)
    return variant


def post_with_tags(tags: int = 0, *, minutes_ago: int = 0, **fields):
    """A published post with `tags` tags, each on its own product (variant, photo)."""
    fields.setdefault("published_at", timezone.now() - timedelta(minutes=minutes_ago))
    post = VideoPostFactory(**fields)
    for index in range(tags):
        variant = tagged_product(stock=0)
        ProductTagFactory(post=post, product=variant.product, start_seconds=index)
    return post


def cold_and_warm(client, get_counting_queries, url: str):
    """GET `url` with an empty cache, then again: (the second response, queries cold, queries warm)."""
    clear_shared_fragments()
    _, cold = get_counting_queries(client, url)
    response, warm = get_counting_queries(client, url)
    return response, cold, warm


# --- in Chromium -------------------------------------------------------------------------------


def pause_at(page, video: str, seconds: float) -> None:
    """Pause the video (a CSS selector) at `seconds`, once feed.js has handled the `seeked` event."""
    page.evaluate(
        """([selector, seconds]) => new Promise((done) => {
            const video = document.querySelector(selector);
            video.pause();
            video.addEventListener("seeked", () => setTimeout(done, 0), { once: true });
            video.currentTime = seconds;
        })""",
        [video, seconds],
    )


def play_until_chip_shows(page, video: str, chip: str) -> float:
    """Play the video and answer the media time of the first `timeupdate` that shows the chip."""
    page.evaluate(
        """([selector, chipSelector]) => {
            const video = document.querySelector(selector);
            const chip = document.querySelector(chipSelector);
            video.addEventListener("timeupdate", () => {
                if (!chip.hidden && window.chipShownAt === undefined) window.chipShownAt = video.currentTime;
            });
            video.play();
        }""",
        [video, chip],
    )
    page.locator(chip).wait_for(state="visible")
    return page.evaluate("window.chipShownAt")
