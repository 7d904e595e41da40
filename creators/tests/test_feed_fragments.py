"""Post bodies shared from the cache: a change to what a body shows is on the next page view, and the
like and follow buttons and the header stay each shopper's own.

Each change goes through the service a seller, staff or a creator uses: those move the post's stored body
version in their transaction (the shop's through `shop.signals.product_shown_changed`). The fragment cache
is on here (FRAGMENT_CACHE_SECONDS), and empty at the start of each test.
"""

from decimal import Decimal

import pytest
from django.conf import settings

from creators.services import posts as post_services
from creators.services import profiles, social
from creators.services import tags as tag_services
from creators.tests.feed_helpers import cold_and_warm, post_with_tags, tagged_product
from fulfillment.services.stock import set_stock_quantity
from marketplace.tests.factories import UserFactory
from shop.services import catalog, images
from shop.tests.factories import ProductImageFactory, image_upload
from shop.tests.reviews_support import add_reviews

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged():
    """A post tagging one product, shown once so that its body is cached; answers the tag."""
    variant = tagged_product(title="Blue teapot", price="19.99")
    post = post_with_tags(caption="Morning tea #tea")
    tag = tag_services.add_tag(post=post, product_id=variant.product_id, start_seconds=0)
    return tag


def _feed(client) -> str:
    return client.get("/feed/").content.decode()


def _shown_twice(client, get_counting_queries) -> str:
    """The feed, the second time from the cache (fewer queries: the body was not read again)."""
    response, cold, warm = cold_and_warm(client, get_counting_queries, "/feed/")
    assert warm < cold
    return response.content.decode()


def test_the_fragment_cache_is_on_in_these_tests():
    assert settings.FRAGMENT_CACHE_SECONDS > 0


def test_a_new_price_shows_on_the_next_view(client, get_counting_queries, tagged):
    assert "$19.99" in _shown_twice(client, get_counting_queries)
    variant = tagged.product.variants.get()

    catalog.update_variant(variant=variant, data={"price": Decimal("24.50")})

    html = _feed(client)
    assert "$24.50" in html and "$19.99" not in html


def test_an_option_stopped_shows_the_next_ones_price_on_the_next_view(client, get_counting_queries, tagged):
    assert "$19.99" in _shown_twice(client, get_counting_queries)
    first = tagged.product.variants.get()
    catalog.create_variant(
        product=tagged.product,
        data={"sku": "TEA-L", "name": "Large", "price": Decimal("32.00"), "currency": "USD", "position": 1},
    )
    assert "$19.99" in _feed(client)

    catalog.deactivate_variant(variant=first)

    html = _feed(client)
    assert "$32.00" in html and "$19.99" not in html


def test_sold_out_shows_on_the_sheet_the_feed_opens_on_the_next_view(client, get_counting_queries, tagged):
    # A body shows no stock; the product sheet a tag opens does, and it is never shared from a cache.
    assert "$19.99" in _shown_twice(client, get_counting_queries)
    assert "In stock" in client.get(f"/feed/sheet/{tagged.pk}/").content.decode()

    stock = tagged.product.variants.get().stocks.get()
    set_stock_quantity(warehouse=stock.warehouse, variant_id=stock.variant_id, quantity=0)

    assert "Sold out" in client.get(f"/feed/sheet/{tagged.pk}/").content.decode()


def test_a_retitled_product_shows_on_the_next_view(client, get_counting_queries, tagged):
    assert "Blue teapot" in _shown_twice(client, get_counting_queries)

    catalog.update_product(product=tagged.product, data={"title": "Green teapot"})

    html = _feed(client)
    assert "Green teapot" in html and "Blue teapot" not in html


def test_a_product_taken_off_sale_hides_its_tag_on_the_next_view(client, get_counting_queries, tagged):
    assert f'data-tag-id="{tagged.pk}"' in _shown_twice(client, get_counting_queries)

    catalog.archive_product(product=tagged.product)

    html = _feed(client)
    assert f'data-tag-id="{tagged.pk}"' not in html and "Blue teapot" not in html


def test_a_deleted_and_a_new_tag_show_on_the_next_view(client, get_counting_queries, tagged):
    _shown_twice(client, get_counting_queries)
    other = tagged_product(title="Red mug")

    tag_services.delete_tag(tag=tagged)
    added = tag_services.add_tag(post=tagged.post, product_id=other.product_id, start_seconds=2)

    html = _feed(client)
    assert "Blue teapot" not in html
    assert "Red mug" in html and f'data-tag-id="{added.pk}"' in html


def test_a_moved_tag_shows_at_its_new_time_on_the_next_view(client, get_counting_queries, tagged):
    assert 'data-start="0.00"' in _shown_twice(client, get_counting_queries)

    tag_services.update_tag(tag=tagged, start_seconds="1.5", position_x=10, position_y=20)

    html = _feed(client)
    assert 'data-start="1.50"' in html and 'data-x="10" data-y="20"' in html


def test_a_new_caption_shows_on_the_next_view(client, get_counting_queries, tagged):
    assert "Morning tea" in _shown_twice(client, get_counting_queries)

    post_services.update_post(post=tagged.post, caption="Evening tea #calm")

    html = _feed(client)
    assert "Evening tea" in html and "Morning tea" not in html
    assert 'href="/feed/?tag=calm"' in html


def test_a_new_rating_shows_on_the_next_view(client, get_counting_queries, tagged):
    assert "rating-count" not in _shown_twice(client, get_counting_queries)

    # Recounted by the reviews service, with an update() that leaves the product's updated_at alone.
    add_reviews(tagged.product, 1, rating=4, photos=0)
    add_reviews(tagged.product, 1, rating=5, photos=0)

    assert "Rated 4.5 out of 5 from 2 reviews" in _feed(client)


def test_a_new_first_image_shows_on_the_next_view(client, get_counting_queries, tagged):
    first = tagged.product.images.get()
    assert first.image.name in _shown_twice(client, get_counting_queries)
    second = images.add_product_image(product=tagged.product, upload=image_upload("second.jpg"))
    assert second.image.name not in _feed(client)  # added last

    images.reorder_product_images(product=tagged.product, image_ids=[second.pk, first.pk])

    html = _feed(client)
    assert second.image.name in html and first.image.name not in html


def test_a_deleted_first_image_and_new_renditions_show_on_the_next_view(client, get_counting_queries, tagged):
    first = tagged.product.images.get()
    second = ProductImageFactory(product=tagged.product, position=first.position + 1)
    assert first.image.name in _shown_twice(client, get_counting_queries)

    images.delete_product_image(image=first)
    html = _feed(client)
    assert second.image.name in html and first.image.name not in html

    renditions = images.make_renditions(image=second)
    assert renditions["webp"] and next(iter(renditions["webp"].values())) in _feed(client)


def test_a_renamed_creator_shows_on_the_next_view(client, get_counting_queries, tagged):
    creator = tagged.post.creator
    assert creator.display_name in _shown_twice(client, get_counting_queries)

    profiles.update_profile(creator=creator, display_name="Ada Tea", bio="", country="GB")

    assert "Ada Tea" in _feed(client)


def test_a_post_page_shows_a_new_price_on_the_next_view(client, tagged):
    url = f"/v/{tagged.post_id}/"
    assert "$19.99" in client.get(url).content.decode()
    variant = tagged.product.variants.get()

    catalog.update_variant(variant=variant, data={"price": Decimal("21.00")})

    html = client.get(url).content.decode()
    assert "$21.00" in html and "$19.99" not in html


# --- personal parts ------------------------------------------------------------------------------


@pytest.mark.parametrize("fan_first", [True, False])
@pytest.mark.parametrize("url", ["/feed/", "post"])
def test_two_shoppers_see_only_their_own_like_follow_and_name(client, tagged, fan_first, url):
    from django.test import Client

    post = tagged.post
    fan, stranger = UserFactory(username="fan-of-ada"), UserFactory(username="just-browsing")
    social.like(user=fan, post=post)
    social.follow(user=fan, creator=post.creator)
    url = f"/v/{post.pk}/" if url == "post" else url
    clients = {}
    for shopper in (fan, stranger):
        clients[shopper] = Client()
        clients[shopper].force_login(shopper)

    order = [fan, stranger] if fan_first else [stranger, fan]
    pages = {shopper: clients[shopper].get(url).content.decode() for shopper in order}

    fans, strangers = pages[fan], pages[stranger]
    assert "Log out fan-of-ada" in fans and "just-browsing" not in fans
    assert "Log out just-browsing" in strangers and "fan-of-ada" not in strangers
    assert 'aria-pressed="true"><span aria-hidden="true">♥</span> Liked' in fans
    assert 'aria-pressed="false"><span aria-hidden="true">♥</span> Like<' in strangers
    assert 'aria-pressed="true">Following' in fans and 'aria-pressed="false">Follow<' in strangers
    # Counts are everyone's: both see the one like and the one follower.
    for html in (fans, strangers):
        assert "1 like<" in html and "1 follower<" in html
    assert 'name="action" value="unlike"' in fans and 'name="action" value="like"' in strangers


def test_a_like_shows_on_the_next_view_while_the_body_stays_cached(client, get_counting_queries, tagged):
    shopper = UserFactory()
    client.force_login(shopper)
    assert "0 likes" in _shown_twice(client, get_counting_queries)

    social.like(user=shopper, post=tagged.post)
    response, queries = get_counting_queries(client, "/feed/")

    html = response.content.decode()
    assert "1 like<" in html and "Liked" in html
    assert "Blue teapot" in html
    _, warm_again = get_counting_queries(client, "/feed/")
    assert queries == warm_again  # the like did not make the body be read again
