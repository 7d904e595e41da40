"""The product page's body is shared from the cache (marketplace.fragments): every change a shopper could
see shows on the next request, a signed-in shopper's page costs few queries, and nothing personal is shared."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from fulfillment.services.stock import set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.fragments import clear_shared_fragments
from marketplace.tests.factories import UserFactory
from shop.models import Product
from shop.services.images import reorder_product_images
from shop.services.reviews import answer_review, hide_review
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory, image_upload
from shop.tests.reviews_support import add_reviews
from shop.tests.test_customs_data import ship_to

pytestmark = pytest.mark.django_db


def words(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def hoodie() -> Product:
    variant = VariantFactory(product=ProductFactory(title="Hoodie"), name="Small", price=Decimal("30.00"))
    stock_of(variant, quantity=20)
    return variant.product


def test_a_price_change_shows_on_the_next_request(client, hoodie):
    assert "$30.00" in words(client.get(hoodie.get_absolute_url()))
    variant = hoodie.variants.get()
    variant.price = Decimal("24.00")
    variant.save()

    page = words(client.get(hoodie.get_absolute_url()))

    assert "$24.00" in page and "$30.00" not in page


def test_a_stock_change_shows_on_the_next_request(client, hoodie):
    assert "In stock" in words(client.get(hoodie.get_absolute_url()))
    variant = hoodie.variants.get()
    set_stock_quantity(warehouse=variant.stocks.get().warehouse, variant_id=variant.pk, quantity=2)

    assert "Only 2 left" in words(client.get(hoodie.get_absolute_url()))


def test_a_new_title_and_an_archived_product_show_on_the_next_request(client, hoodie):
    client.get(hoodie.get_absolute_url())
    hoodie.title = "Zip hoodie"
    hoodie.save()
    assert "<title>Zip hoodie" in client.get(hoodie.get_absolute_url()).content.decode()
    assert "Zip hoodie" in words(client.get(hoodie.get_absolute_url()))

    hoodie.status = Product.Status.ARCHIVED
    hoodie.save()

    assert client.get(hoodie.get_absolute_url()).status_code == 404


def test_a_review_answered_or_hidden_shows_on_the_next_request(client, hoodie):
    [review] = add_reviews(hoodie, 1, answered=False)
    assert "Lovely, as described." in words(client.get(hoodie.get_absolute_url()))

    answer_review(review=review, seller=hoodie.seller, by=UserFactory(), text="Glad it fits!")
    assert "Glad it fits!" in words(client.get(hoodie.get_absolute_url()))

    hide_review(review=review, by=UserFactory(is_staff=True), reason="Off topic")
    assert "Lovely, as described." not in words(client.get(hoodie.get_absolute_url()))


def test_photos_added_and_reordered_show_on_the_next_request(client, hoodie):
    first = ProductImageFactory(product=hoodie, image=image_upload("front.jpg", size=(8, 8)), position=1)
    client.get(hoodie.get_absolute_url())
    second = ProductImageFactory(product=hoodie, image=image_upload("back.jpg", size=(8, 8)), position=2)
    assert "Open photo 2 of 2" in words(client.get(hoodie.get_absolute_url()))

    reorder_product_images(product=hoodie, image_ids=[second.pk, first.pk])

    page = client.get(hoodie.get_absolute_url()).content.decode()
    assert page.index(second.image.url) < page.index(first.image.url)


def test_each_shopper_sees_their_own_header_around_the_shared_body(client, hoodie):
    ada, bob = UserFactory(username="ada-shopper"), UserFactory(username="bob-shopper")
    variant = hoodie.variants.get()
    client.force_login(ada)
    client.post(reverse("api-cart-lines"), {"variant": variant.pk, "quantity": 3}, content_type="application/json")
    as_ada = words(client.get(hoodie.get_absolute_url()))
    client.force_login(bob)

    as_bob = words(client.get(hoodie.get_absolute_url()))

    assert "Log out ada-shopper" in as_ada and "Cart (3)" in as_ada
    assert "Log out bob-shopper" in as_bob and "Cart (0)" in as_bob
    assert "ada-shopper" not in as_bob and "bob-shopper" not in as_ada
    assert "$30.00" in as_ada and "$30.00" in as_bob


def test_the_body_is_shared_by_country_and_by_chosen_option(client, hoodie):
    large = VariantFactory(product=hoodie, name="Large", price=Decimal("35.00"), position=1)
    stock_of(large, quantity=20)
    client.get(hoodie.get_absolute_url())

    chosen = client.get(hoodie.get_absolute_url(), {"variant": large.pk}).content.decode()
    ship_to(client, "GB")

    assert re.search(rf'value="{large.pk}"\s+checked', chosen)
    assert "to United Kingdom" in words(client.get(hoodie.get_absolute_url()))


def test_a_signed_in_shopper_costs_one_query_beyond_session_and_user_for_one_option_or_ten(
    client, get_counting_queries
):
    product = ProductFactory()
    warehouse = WarehouseFactory()
    stock_of(VariantFactory(product=product), warehouse=warehouse)
    client.force_login(UserFactory())
    client.get(product.get_absolute_url())  # renders the body into the cache
    _, one = get_counting_queries(client, product.get_absolute_url())
    for _ in range(9):
        stock_of(VariantFactory(product=product), warehouse=warehouse, quantity=2)
    ProductImageFactory(product=product)
    client.get(product.get_absolute_url())

    _, ten = get_counting_queries(client, product.get_absolute_url())

    # the user (with whether they sell and their cart's units: the header), the body's versions; the session is
    # read from the cache
    assert one == ten == 2


def test_an_anonymous_fresh_page_costs_one_query_once_the_body_is_shared(client, get_counting_queries, hoodie):
    client.get(hoodie.get_absolute_url())
    _, warm = get_counting_queries(client, hoodie.get_absolute_url())
    clear_shared_fragments()
    _, cold = get_counting_queries(client, hoodie.get_absolute_url())

    assert warm == 1
    assert cold > warm


def test_with_the_fragment_cache_off_every_page_is_rendered(client, settings, hoodie, get_counting_queries):
    settings.FRAGMENT_CACHE_SECONDS = 0
    client.get(hoodie.get_absolute_url())

    response, queries = get_counting_queries(client, hoodie.get_absolute_url())

    assert "Hoodie" in words(response) and queries > 1
