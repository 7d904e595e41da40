"""The product sheet a tag opens: shows the product, adds to the cart with the tag and its creator on the line."""

import pytest

from creators.models import TagClick
from creators.tests.factories import ProductTagFactory, VideoPostFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product
from shop.models import CartLine, Product
from shop.services.cart import CART_SESSION_KEY
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


@pytest.fixture
def tag():
    variant = tagged_product("Glass teapot", "24.00")
    return ProductTagFactory(post=post_with_tags(), product=variant.product)


def test_the_sheet_shows_the_product_its_options_and_the_disclosure(client, tag):
    VariantFactory(product=tag.product, name="Large", price="30.00")  # no stock

    response = client.get(f"/feed/sheet/{tag.pk}/", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h2 id="sheet-title" class="sheet-title">Glass teapot</h2>' in html
    assert '<p class="price">$24.00</p>' in html
    assert "Large" in html and "Sold out" in html and "In stock" in html
    assert f'hx-post="/feed/sheet/{tag.pk}/add/"' in html
    assert f"@{tag.post.creator.handle} earns a commission" in html
    assert response["Cache-Control"] == "private, no-store"


def test_adding_from_the_sheet_puts_the_tag_and_creator_on_the_cart_line(client, tag):
    variant = tag.product.variants.get()
    client.get(f"/feed/sheet/{tag.pk}/")

    response = client.post(
        f"/feed/sheet/{tag.pk}/add/", {"variant": variant.pk, "quantity": 1}, HTTP_HX_REQUEST="true", **ORIGIN
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Added 1 \N{MULTIPLICATION SIGN} Glass teapot to your cart" in html
    assert 'id="header-cart" class="header-cart" href="/cart/" hx-swap-oob="true">Cart (1)' in html
    line = CartLine.objects.get()
    assert (line.variant, line.quantity) == (variant, 1)
    assert (line.attribution_tag_id, line.attribution_creator_id) == (tag.pk, tag.post.creator_id)
    # The cart is the visitor's: the token their clicks were recorded with.
    token = client.session[CART_SESSION_KEY]
    assert line.cart.session_key == token == TagClick.objects.get().session_key


def test_a_logged_in_shoppers_line_is_attributed_too(client, user, tag):
    client.force_login(user)

    client.post(f"/feed/sheet/{tag.pk}/add/", {"variant": tag.product.variants.get().pk, "quantity": 2}, **ORIGIN)

    line = CartLine.objects.get()
    assert (line.cart.user, line.quantity, line.attribution_tag_id) == (user, 2, tag.pk)


def test_without_javascript_the_add_goes_on_to_the_cart(client, tag):
    variant = tag.product.variants.get()

    response = client.post(f"/feed/sheet/{tag.pk}/add/", {"variant": variant.pk, "quantity": 1}, **ORIGIN)

    assert response.status_code == 302 and response["Location"] == "/cart/"
    assert CartLine.objects.get().attribution_tag_id == tag.pk


def test_a_variant_of_another_product_is_refused(client, tag):
    other = tagged_product("Kettle")

    response = client.post(
        f"/feed/sheet/{tag.pk}/add/", {"variant": other.pk, "quantity": 1}, HTTP_HX_REQUEST="true", **ORIGIN
    )

    assert "That option is not of this product." in response.content.decode()
    assert CartLine.objects.count() == 0


def test_more_than_available_is_refused_and_leaves_no_cart_token(client, tag):
    response = client.post(
        f"/feed/sheet/{tag.pk}/add/",
        {"variant": tag.product.variants.get().pk, "quantity": 11},
        HTTP_HX_REQUEST="true",
        **ORIGIN,
    )

    assert "Only 10 of Glass teapot available; you asked for 11." in response.content.decode()
    assert CartLine.objects.count() == 0
    assert CART_SESSION_KEY not in client.session


def test_an_add_from_another_site_is_refused(client, tag):
    response = client.post(
        f"/feed/sheet/{tag.pk}/add/",
        {"variant": tag.product.variants.get().pk, "quantity": 1},
        HTTP_ORIGIN="https://evil.example",
    )

    assert response.status_code == 403
    assert CartLine.objects.count() == 0


def test_a_tag_on_an_archived_product_is_gone(client, tag):
    Product.objects.filter(pk=tag.product_id).update(status=Product.Status.ARCHIVED)

    sheet = client.get(f"/feed/sheet/{tag.pk}/")
    add = client.post(f"/feed/sheet/{tag.pk}/add/", {"variant": tag.product.variants.get().pk, "quantity": 1}, **ORIGIN)

    assert (sheet.status_code, add.status_code) == (404, 404)
    assert CartLine.objects.count() == TagClick.objects.count() == 0


def test_a_tag_on_a_draft_post_is_not_found(client):
    tag = ProductTagFactory(post=VideoPostFactory(published_at=None), product=tagged_product().product)

    assert client.get(f"/feed/sheet/{tag.pk}/").status_code == 404
    assert TagClick.objects.count() == 0
