"""POST /api/v1/buy-now/: the order and, where needed, the authentication URL; clear 4xx for bad input."""

import pytest

from marketplace.tests.factories import UserFactory
from shop.models import BuyNowRequest, Order
from shop.services.buy_now import quote_buy_now
from shop.tests.buy_now_support import DECLINING, NEEDS_AUTHENTICATION, save_card, saved_address
from shop.tests.test_payments_support import (
    ADDRESS,
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    stocked_variant,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/buy-now/"


@pytest.fixture
def shopper(api_client, user, local_stripe):
    api_client.force_authenticate(user)
    api_client.user = user
    api_client.address = saved_address(user)
    return api_client


def body(shopper, item, card, **overrides):
    data = {
        "variant": item.pk,
        "quantity": 1,
        "address_id": shopper.address.pk,
        "payment_method": card,
        "idempotency_key": "tap-0001-abcd",
        "expected_total": str(quote_buy_now(variant=item, quantity=1, address=ADDRESS).total),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_buying_with_a_saved_address_and_card_answers_the_paid_order(shopper):
    tea = stocked_variant()
    card = save_card(shopper.user)

    response = shopper.post(URL, body(shopper, tea, card), format="json")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert response.json() == {
        "order_number": order.number,
        "status": "paid",
        "total": f"{order.total:.2f}",
        "currency": "USD",
        "authentication_url": None,
        "order_url": f"http://testserver/orders/{order.number}/",
    }
    assert (order.status, order.ship_postal_code) == ("paid", "62701")


def test_the_same_key_twice_answers_the_same_order(shopper):
    tea = stocked_variant()
    card = save_card(shopper.user)

    first = shopper.post(URL, body(shopper, tea, card), format="json")
    second = shopper.post(URL, body(shopper, tea, card), format="json")

    assert first.json()["order_number"] == second.json()["order_number"]
    assert Order.objects.count() == 1


def test_an_inline_address_works_too(shopper):
    tea = stocked_variant()
    card = save_card(shopper.user)
    address = {"name": "Ada", "line1": "1 Main St", "city": "Springfield", "region": "IL", "postal_code": "62701",
               "country": "US"}  # fmt: skip

    response = shopper.post(URL, body(shopper, tea, card, address_id=None, address=address), format="json")

    assert response.status_code == 201, response.json()


def test_a_card_that_needs_authentication_answers_its_page(shopper):
    tea = stocked_variant()
    card = save_card(shopper.user, NEEDS_AUTHENTICATION)

    response = shopper.post(URL, body(shopper, tea, card), format="json")

    assert response.status_code == 201
    assert response.json()["status"] == "requires_action"
    assert "/test-payments/authenticate/pi_" in response.json()["authentication_url"]


def test_a_declined_card_is_a_402_and_the_order_is_cancelled(shopper):
    tea = stocked_variant()
    card = save_card(shopper.user, DECLINING)

    response = shopper.post(URL, body(shopper, tea, card), format="json")

    assert response.status_code == 402
    assert response.json()["code"] == "card_declined"
    assert "Your card was declined." in response.json()["message"]
    assert Order.objects.get().status == "cancelled"


def test_a_changed_total_is_a_409_with_the_new_total(shopper):
    tea = stocked_variant()
    card = save_card(shopper.user)
    right = quote_buy_now(variant=tea, quantity=1, address=ADDRESS).total

    response = shopper.post(URL, body(shopper, tea, card, expected_total="1.00"), format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["fields"]["total"]) == ("total_changed", [f"{right:.2f}"])
    assert Order.objects.count() == 0


def test_a_guest_is_refused(api_client, local_stripe):
    response = api_client.post(URL, {"variant": 1}, format="json")

    assert response.status_code in (401, 403)
    assert response.json()["code"] in ("not_authenticated", "authentication_failed")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"variant": 999999}, "variant"),
        ({"variant": "ten"}, "variant"),
        ({"variant": 10**30}, "variant"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 100}, "quantity"),
        ({"payment_method": "pm_not_mine"}, "payment_method"),
        ({"payment_method": "pm_\x00"}, "body"),  # refused before the view (marketplace.request_guard)
        ({"idempotency_key": "short"}, "idempotency_key"),
        ({"idempotency_key": "a" * 101}, "idempotency_key"),
        ({"address_id": None}, "address_id"),
        ({"address_id": 999999}, "address_id"),
        ({"expected_total": "1e400"}, "expected_total"),
        ({"shipping_method": "teleport"}, "shipping_method"),
        ({"return_url": "javascript:alert(1)"}, "return_url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(shopper, overrides, field):
    tea = stocked_variant()
    card = save_card(shopper.user)

    response = shopper.post(URL, body(shopper, tea, card, **overrides), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert (Order.objects.count(), BuyNowRequest.objects.count()) == (0, 0)


def test_another_shoppers_address_and_card_are_refused(shopper):
    tea = stocked_variant()
    save_card(shopper.user)
    other = UserFactory()
    their_card = save_card(other)
    their_address = saved_address(other)

    card_refused = shopper.post(URL, body(shopper, tea, their_card), format="json")
    address_refused = shopper.post(
        URL, body(shopper, tea, save_card(shopper.user), address_id=their_address.pk), format="json"
    )

    assert (card_refused.status_code, list(card_refused.json()["fields"])) == (400, ["payment_method"])
    assert (address_refused.status_code, list(address_refused.json()["fields"])) == (400, ["address_id"])
    assert Order.objects.count() == 0


def test_a_json_body_that_is_not_an_object_is_a_400(shopper):
    response = shopper.post(URL, "[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert Order.objects.count() == 0


# The ids an app sends: the shopper's saved addresses and cards.


def test_the_shopper_lists_their_own_addresses_and_cards_only(shopper):
    card = save_card(shopper.user)
    other = UserFactory()
    save_card(other, DECLINING)
    saved_address(other)

    addresses = shopper.get("/api/v1/account/addresses/")
    cards = shopper.get("/api/v1/account/cards/")

    assert [(a["id"], a["is_default"], a["country"]) for a in addresses.json()] == [(shopper.address.pk, True, "US")]
    assert cards.json() == [
        {"id": card, "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034, "is_default": True}
    ]


def test_the_address_list_costs_the_same_queries_for_one_or_many(shopper, django_assert_max_num_queries):
    with django_assert_max_num_queries(3) as one:
        shopper.get("/api/v1/account/addresses/")
    for _ in range(5):
        saved_address(shopper.user)

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(shopper.get("/api/v1/account/addresses/").json()) == 6


def test_the_lists_need_a_log_in(api_client, local_stripe):
    assert api_client.get("/api/v1/account/addresses/").status_code in (401, 403)
    assert api_client.get("/api/v1/account/cards/").status_code in (401, 403)
