import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from fulfillment.tests.factories import stock_of
from shop.models import Cart, Product
from shop.services.cart import add_to_cart, cart_for_request, merge_session_cart, set_line_quantity
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def _request(user=None):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = user or AnonymousUser()
    return request


def test_an_anonymous_cart_lives_in_the_session_and_is_made_on_demand():
    request = _request()
    assert cart_for_request(request) is None

    cart = cart_for_request(request, create=True)

    assert cart_for_request(request) == cart
    assert cart.user is None


def test_quantities_are_capped_by_what_is_available():
    variant = VariantFactory()
    stock_of(variant, quantity=3)
    cart = cart_for_request(_request(), create=True)

    line = add_to_cart(cart=cart, variant=variant, quantity=2)
    with pytest.raises(ValidationError, match="Only 3"):
        add_to_cart(cart=cart, variant=variant, quantity=2)
    with pytest.raises(ValidationError, match="at least 1"):
        set_line_quantity(line=line, quantity=0)

    line.refresh_from_db()
    assert line.quantity == 2


def test_archived_products_cannot_be_added():
    variant = VariantFactory(product__status=Product.Status.ARCHIVED)
    stock_of(variant, quantity=3)

    with pytest.raises(ValidationError, match="not for sale"):
        add_to_cart(cart=cart_for_request(_request(), create=True), variant=variant)


def test_logging_in_merges_the_anonymous_cart_into_the_users(user):
    tea, cup = VariantFactory(), VariantFactory()
    stock_of(tea, quantity=4)
    stock_of(cup, quantity=4)
    mine = cart_for_request(_request(user), create=True)
    add_to_cart(cart=mine, variant=tea, quantity=3)
    request = _request()
    anonymous = cart_for_request(request, create=True)
    add_to_cart(cart=anonymous, variant=tea, quantity=2, attribution_tag_id=7, attribution_creator_id=3)
    add_to_cart(cart=anonymous, variant=cup, quantity=1)

    merged = merge_session_cart(request=request, user=user)

    assert merged == mine
    assert {line.variant_id: line.quantity for line in mine.lines.all()} == {tea.pk: 4, cup.pk: 1}
    assert mine.lines.get(variant=tea).attribution_tag_id == 7
    assert not Cart.objects.filter(pk=anonymous.pk).exists()


def test_merging_leaves_out_lines_in_another_currency(user):
    dollars = VariantFactory(currency="USD")
    euros = VariantFactory(currency="EUR")
    stock_of(dollars, quantity=4)
    stock_of(euros, quantity=4)
    mine = cart_for_request(_request(user), create=True)
    add_to_cart(cart=mine, variant=dollars, quantity=1)
    request = _request()
    add_to_cart(cart=cart_for_request(request, create=True), variant=euros, quantity=1)

    merge_session_cart(request=request, user=user)

    assert list(mine.lines.values_list("variant_id", flat=True)) == [dollars.pk]
