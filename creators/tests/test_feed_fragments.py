"""Post bodies shared from the cache: a change to what a body shows is on the next page view, and the
like and follow buttons and the header stay each shopper's own.

The fragment cache is on here (FRAGMENT_CACHE_SECONDS), and empty at the start of each test.
"""

from decimal import Decimal

import pytest
from django.conf import settings

from creators.services import posts as post_services
from creators.services import profiles, social
from creators.services import tags as tag_services
from creators.tests.feed_helpers import cold_and_warm, post_with_tags, tagged_product
from marketplace.tests.factories import UserFactory
from shop.models import Product, ProductImage
from shop.tests.factories import ProductImageFactory

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

    variant.price = Decimal("24.50")
    variant.save()

    html = _feed(client)
    assert "$24.50" in html and "$19.99" not in html


def test_a_retitled_product_shows_on_the_next_view(client, get_counting_queries, tagged):
    assert "Blue teapot" in _shown_twice(client, get_counting_queries)

    tagged.product.title = "Green teapot"
    tagged.product.save()

    html = _feed(client)
    assert "Green teapot" in html and "Blue teapot" not in html


def test_a_product_taken_off_sale_hides_its_tag_on_the_next_view(client, get_counting_queries, tagged):
    assert f'data-tag-id="{tagged.pk}"' in _shown_twice(client, get_counting_queries)

    tagged.product.status = Product.Status.ARCHIVED
    tagged.product.save()

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

    # As the reviews service stores it: an update() that leaves updated_at alone.
    Product.objects.filter(pk=tagged.product_id).update(rating_count=2, rating_total=9)

    assert "Rated 4.5 out of 5 from 2 reviews" in _feed(client)


def test_a_new_first_image_shows_on_the_next_view(client, get_counting_queries, tagged):
    first = tagged.product.images.get()
    assert first.image.name in _shown_twice(client, get_counting_queries)
    second = ProductImageFactory(product=tagged.product, position=1)

    # As the images service reorders them: update() of the positions.
    ProductImage.objects.filter(pk=first.pk).update(position=2)

    html = _feed(client)
    assert second.image.name in html and first.image.name not in html


def test_a_renamed_creator_shows_on_the_next_view(client, get_counting_queries, tagged):
    creator = tagged.post.creator
    assert creator.display_name in _shown_twice(client, get_counting_queries)

    profiles.update_profile(creator=creator, display_name="Ada Tea", bio="", country="GB")

    assert "Ada Tea" in _feed(client)


def test_a_post_page_shows_a_new_price_on_the_next_view(client, tagged):
    url = f"/v/{tagged.post_id}/"
    assert "$19.99" in client.get(url).content.decode()
    variant = tagged.product.variants.get()

    variant.price = Decimal("21.00")
    variant.save()

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
