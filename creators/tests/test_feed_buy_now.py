"""Buy now in the feed's product sheet: the confirm step, one tap, 3D Secure and back to the post, declines."""

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from creators.tests.factories import ProductTagFactory
from creators.tests.feed_helpers import post_with_tags, tagged_product
from fulfillment.models import Reservation
from shop.models import Cart, CartLine, Order
from shop.payments.gateway import get_client
from shop.payments.local_stripe.testing import pay_with_test_card
from shop.services.buy_now import quote_buy_now
from shop.services.checkout import check_out
from shop.tests.buy_now_support import DECLINING, NEEDS_AUTHENTICATION, save_card, saved_address
from shop.tests.test_payments_support import (
    ADDRESS,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
)

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
HTMX = {"HTTP_HX_REQUEST": "true", **ORIGIN}


@pytest.fixture
def tag(local_stripe):
    variant = tagged_product("Glass teapot", "24.00", stock=3)
    return ProductTagFactory(post=post_with_tags(), product=variant.product)


@pytest.fixture
def shopper(client, user, local_stripe):
    client.force_login(user)
    client.user = user
    saved_address(user)
    return client


def confirm(client, tag, **extra):
    variant = tag.product.variants.get()
    data = {"variant": variant.pk, "quantity": 1, "post": tag.post_id, "t": "12.3", **extra}
    return client.post(f"/feed/sheet/{tag.pk}/buy/confirm/", data, **HTMX)


def pay_form(html: str) -> dict:
    """The hidden fields of the confirm step's pay form, as the browser would post them."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def test_the_sheet_offers_one_tap_buy_now_only_with_a_default_address_and_a_saved_card(client, user, tag):
    client.force_login(user)
    assert "data-one-tap" not in client.get(f"/feed/sheet/{tag.pk}/").content.decode()

    saved_address(user)
    save_card(user)

    assert "data-one-tap" in client.get(f"/feed/sheet/{tag.pk}/").content.decode()


def test_the_confirm_step_shows_item_address_card_shipping_and_the_exact_total(shopper, tag):
    save_card(shopper.user)
    quote = quote_buy_now(variant=tag.product.variants.get(), quantity=1, address=ADDRESS)

    response = confirm(shopper, tag)

    html = response.content.decode()
    assert response.status_code == 200
    assert "1 \N{MULTIPLICATION SIGN} Glass teapot" in html
    assert "1 Main St, Springfield 62701, US" in html
    assert "Visa •••• 4242" in html
    assert quote.shipping.name in html
    assert f"Pay ${quote.total}" in html
    assert pay_form(html)["expected_total"] == str(quote.total)
    assert Order.objects.count() == 0


def test_one_tap_pays_and_the_order_keeps_the_tag_and_its_creator(shopper, tag):
    save_card(shopper.user)
    form = pay_form(confirm(shopper, tag).content.decode())

    response = shopper.post(f"/feed/sheet/{tag.pk}/buy/", form, **HTMX)

    order = Order.objects.get()
    assert f'Paid: order <a href="/orders/{order.number}/">{order.number}</a>' in response.content.decode()
    assert order.status == "paid"
    [line] = order.lines.all()
    assert (line.attribution_tag_id, line.attribution_creator_id) == (tag.pk, tag.post.creator_id)


def test_a_double_tap_on_pay_makes_one_order(shopper, tag):
    save_card(shopper.user)
    form = pay_form(confirm(shopper, tag).content.decode())

    shopper.post(f"/feed/sheet/{tag.pk}/buy/", form, **HTMX)
    again = shopper.post(f"/feed/sheet/{tag.pk}/buy/", form, **HTMX)

    assert "Paid: order" in again.content.decode()
    assert Order.objects.count() == 1


def test_a_declined_card_says_so_in_the_sheet_and_leaves_no_order_reserved(shopper, tag):
    save_card(shopper.user, DECLINING)
    form = pay_form(confirm(shopper, tag).content.decode())

    response = shopper.post(f"/feed/sheet/{tag.pk}/buy/", form, **HTMX)

    assert "Your card was declined. Nothing was charged." in response.content.decode()
    assert not Order.objects.exclude(status="cancelled").exists()
    assert not Reservation.objects.active().exists()


def test_a_card_needing_authentication_goes_to_its_page_and_comes_back_to_the_post_at_the_same_second(shopper, tag):
    save_card(shopper.user, NEEDS_AUTHENTICATION)
    form = pay_form(confirm(shopper, tag).content.decode())

    response = shopper.post(f"/feed/sheet/{tag.pk}/buy/", form, **HTMX)

    bank_page = response["HX-Redirect"]
    assert "/test-payments/authenticate/pi_" in bank_page
    back = shopper.post(urlsplit(bank_page).path, {"action": "complete"})
    returned = shopper.get(back["Location"].removeprefix("http://testserver"))
    order = Order.objects.get()
    assert returned.status_code == 302
    landing = urlsplit(returned["Location"])
    assert landing.path == f"/v/{tag.post_id}/"
    assert parse_qs(landing.query) == {"t": ["12.3"], "order": [order.number]}
    assert order.status == "paid"
    page = shopper.get(returned["Location"]).content.decode()
    assert f"Paid: order {order.number} is on its way." in page


def test_a_changed_total_shows_the_new_total_to_confirm_again_and_charges_nothing(shopper, tag):
    save_card(shopper.user)
    form = pay_form(confirm(shopper, tag).content.decode())
    variant = tag.product.variants.get()
    variant.price = Decimal("26.00")
    variant.save(update_fields=["price"])

    response = shopper.post(f"/feed/sheet/{tag.pk}/buy/", form, **HTMX)

    html = response.content.decode()
    new_total = quote_buy_now(variant=variant, quantity=1, address=ADDRESS).total
    assert f"The total changed to {new_total} USD" in html
    assert pay_form(html)["expected_total"] == str(new_total)
    assert Order.objects.count() == 0


def test_a_shopper_without_a_card_goes_to_checkout_with_the_item_and_the_way_back(shopper, tag):
    response = confirm(shopper, tag)

    assert response["HX-Redirect"] == f"/checkout/?post={tag.post_id}&t=12.3"
    line = CartLine.objects.get(cart__user=shopper.user)
    assert (line.variant, line.attribution_tag_id) == (tag.product.variants.get(), tag.pk)


def test_a_guest_goes_to_checkout_and_stripe_checkout_comes_back_to_the_same_post_and_second(client, tag):
    response = confirm(client, tag)
    checkout_page = client.get(response["HX-Redirect"]).content.decode()
    hidden = f'<input type="hidden" name="post" value="{tag.post_id}"><input type="hidden" name="t" value="12.3">'
    assert hidden in checkout_page
    cart = Cart.objects.get()
    result = check_out(cart=cart, email="guest@example.com", address=ADDRESS, shipping_code="standard",
                       expected_total=None, back_to={"post": str(tag.post_id), "t": "12.3"})  # fmt: skip

    session = get_client().v1.checkout.sessions.retrieve(result.payment.checkout_session_id)
    assert session.success_url.endswith(f"&post={tag.post_id}&t=12.3")
    paid = pay_with_test_card(client, session.id)
    landing = client.get(paid["Location"].removeprefix("http://testserver"))

    order = Order.objects.get()
    assert landing.status_code == 302
    assert landing["Location"] == f"/v/{tag.post_id}/?t=12.3&order={order.number}"
    page = client.get(landing["Location"]).content.decode()
    assert f'Order <a href="/orders/{order.number}/?token=' in page


def test_another_products_variant_is_refused(shopper, tag):
    save_card(shopper.user)
    other = tagged_product("Mug", "5.00")

    response = confirm(shopper, tag, variant=other.pk)

    assert "That option is not of this product." in response.content.decode()
