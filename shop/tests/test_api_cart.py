"""The cart API: the session's cart for anonymous callers, the user's for token holders; errors in one shape."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Cart, CartLine, Variant
from shop.services.cart import add_to_cart
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart/"
LINES = "/api/v1/cart/lines/"
EMPTY = {"lines": [], "item_count": 0, "subtotal": None, "currency": None}


def in_stock(quantity: int = 10, **fields) -> Variant:
    variant = VariantFactory(**fields)
    stock_of(variant, quantity=quantity)
    return variant


def line_url(line_id: int) -> str:
    return f"{LINES}{line_id}/"


@pytest.fixture
def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_an_anonymous_caller_without_a_cart_reads_an_empty_one_and_none_is_made(api_client):
    response = api_client.get(CART)

    assert response.status_code == 200
    assert response.json() == EMPTY
    assert not Cart.objects.exists()
    assert "sessionid" not in response.cookies


def test_adding_answers_201_with_the_whole_cart(api_client):
    variant = in_stock(
        quantity=7,
        sku="SCARF-RED",
        name="Red",
        price=Decimal("42.00"),
        currency="USD",
        product=ProductFactory(title="Silk scarf", slug="silk-scarf"),
    )

    response = api_client.post(LINES, {"variant": variant.pk, "quantity": 2})

    assert response.status_code == 201
    line = CartLine.objects.get()
    assert response.json() == {
        "lines": [
            {
                "id": line.pk,
                "variant": variant.pk,
                "sku": "SCARF-RED",
                "product": "silk-scarf",
                "title": "Silk scarf",
                "label": "Red",
                "unit_price": "42.00",
                "currency": "USD",
                "quantity": 2,
                "line_total": "84.00",
                "available": 7,
            }
        ],
        "item_count": 2,
        "subtotal": "84.00",
        "currency": "USD",
    }
    assert api_client.get(CART).json() == response.json()


def test_adding_a_variant_already_in_the_cart_adds_to_its_line(api_client):
    variant = in_stock(price=Decimal("5.00"))
    api_client.post(LINES, {"variant": variant.pk})

    body = api_client.post(LINES, {"variant": variant.pk, "quantity": 3}).json()

    assert [line["quantity"] for line in body["lines"]] == [4]
    assert (body["item_count"], body["subtotal"]) == (4, "20.00")


def test_the_session_cart_is_shared_with_the_site(client):
    """The API and the pages read the same session cart (the browser's cookie)."""
    variant = in_stock()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": "2"}, headers={"Origin": "http://testserver"})

    body = client.get(CART).json()

    assert [(line["variant"], line["quantity"]) for line in body["lines"]] == [(variant.pk, 2)]


def test_a_token_holder_gets_their_user_cart_and_nobody_else_sees_it(token_client, api_client, user):
    variant = in_stock()

    token_client.post(LINES, {"variant": variant.pk, "quantity": 3})

    assert Cart.objects.get().user == user
    assert token_client.get(CART).json()["item_count"] == 3
    assert api_client.get(CART).json() == EMPTY


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"variant": 999999}, "variant", "No variant has the id 999999."),
        ({"variant": None}, "variant", "This field may not be null."),
        ({"variant": "VAR", "quantity": 1}, "variant", "Incorrect type. Expected pk value, received str."),
        ({"quantity": 0}, "quantity", "Ensure this value is greater than or equal to 1."),
        ({"quantity": -1}, "quantity", "Ensure this value is greater than or equal to 1."),
        ({"quantity": 100}, "quantity", "Ensure this value is less than or equal to 99."),
        ({"quantity": "abc"}, "quantity", "A valid integer is required."),
        ({"quantity": 11}, "quantity", "Only 10 of Mug available; you asked for 11."),
    ],
)
def test_a_refused_add_names_the_field_and_changes_nothing(api_client, body, field, message):
    variant = in_stock(quantity=10, name="", product__title="Mug")

    response = api_client.post(LINES, {"variant": variant.pk, **body})

    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert error["fields"][field] == [message]
    assert not CartLine.objects.exists()
    assert not Cart.objects.exists()


def test_a_variant_not_for_sale_or_in_another_currency_is_refused(api_client):
    dollars = in_stock(currency="USD")
    euros = in_stock(currency="EUR", name="", product__title="Teapot")
    inactive = in_stock(is_active=False, name="", product__title="Old mug")
    api_client.post(LINES, {"variant": dollars.pk})

    other_currency = api_client.post(LINES, {"variant": euros.pk})
    not_for_sale = api_client.post(LINES, {"variant": inactive.pk})

    assert other_currency.status_code == not_for_sale.status_code == 400
    assert other_currency.json()["fields"]["variant"] == [
        "Your cart is priced in USD and Teapot in EUR; check out the cart first."
    ]
    assert not_for_sale.json()["fields"]["variant"] == ["Old mug is not for sale."]
    assert CartLine.objects.count() == 1


def test_a_form_encoded_body_is_refused(api_client):
    """JSON only: a form on another site cannot post into a visitor's session cart."""
    variant = in_stock()

    response = api_client.post(LINES, {"variant": variant.pk}, format="multipart")

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not CartLine.objects.exists()


def test_a_logged_in_session_needs_the_csrf_token_to_write(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(LINES, {"variant": in_stock().pk})

    assert response.status_code == 403
    assert response.json()["message"].startswith("CSRF Failed")


def test_changing_a_quantity_answers_the_cart(api_client):
    variant = in_stock(price=Decimal("2.50"))
    line_id = api_client.post(LINES, {"variant": variant.pk}).json()["lines"][0]["id"]

    response = api_client.patch(line_url(line_id), {"quantity": 4})

    assert response.status_code == 200
    assert [line["quantity"] for line in response.json()["lines"]] == [4]
    assert response.json()["subtotal"] == "10.00"
    assert CartLine.objects.get().quantity == 4


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (-1, "Ensure this value is greater than or equal to 1."),
        ("abc", "A valid integer is required."),
        (None, "This field may not be null."),
        (100, "Ensure this value is less than or equal to 99."),
        (11, "Only 10 of Mug available; you asked for 11."),
    ],
)
def test_a_refused_quantity_change_names_the_field_and_changes_nothing(api_client, quantity, message):
    variant = in_stock(quantity=10, name="", product__title="Mug")
    line_id = api_client.post(LINES, {"variant": variant.pk, "quantity": 2}).json()["lines"][0]["id"]

    response = api_client.patch(line_url(line_id), {"quantity": quantity})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Invalid input: quantity.",
        "fields": {"quantity": [message]},
    }
    assert CartLine.objects.get().quantity == 2


def test_removing_a_line_answers_204(api_client):
    keep, drop = in_stock(), in_stock()
    api_client.post(LINES, {"variant": keep.pk})
    line_id = api_client.post(LINES, {"variant": drop.pk}).json()["lines"][1]["id"]

    response = api_client.delete(line_url(line_id))

    assert response.status_code == 204
    assert [line["variant"] for line in api_client.get(CART).json()["lines"]] == [keep.pk]


def test_a_line_of_another_cart_is_not_found(api_client, token_client, user):
    theirs = add_to_cart(cart=Cart.objects.create(session_key="someone-else"), variant=in_stock(), quantity=2)
    token_client.post(LINES, {"variant": in_stock().pk})  # a cart of one's own does not open others
    not_found = {"code": "not_found", "message": "No line of your cart has this id.", "fields": {}}

    for client in (api_client, token_client):
        patched = client.patch(line_url(theirs.pk), {"quantity": 1})
        deleted = client.delete(line_url(theirs.pk))

        assert (patched.status_code, deleted.status_code) == (404, 404)
        assert patched.json() == deleted.json() == not_found
    theirs.refresh_from_db()
    assert theirs.quantity == 2


def _lines(client: APIClient, count: int) -> None:
    warehouse = WarehouseFactory()
    for _ in range(count):
        variant = VariantFactory(product=ProductFactory())
        stock_of(variant, warehouse=warehouse, quantity=3)
        client.post(LINES, {"variant": variant.pk})


@pytest.mark.parametrize("caller", ["api_client", "token_client"])
def test_reading_the_cart_costs_the_same_queries_for_1_and_10_lines(request, caller, get_counting_queries):
    client = request.getfixturevalue(caller)
    _lines(client, 1)
    _, one = get_counting_queries(client, CART)
    _lines(client, 9)

    response, ten = get_counting_queries(client, CART)

    assert len(response.json()["lines"]) == 10
    assert one == ten
