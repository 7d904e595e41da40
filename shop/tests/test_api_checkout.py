"""The checkout API: shipping quotes for the cart, and placing the order for a payment URL."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from fulfillment.models import Reservation
from fulfillment.tests.factories import stock_of
from shop.models import Order, Payment
from shop.payments.local_stripe.testing import pay_with_test_card
from shop.tests.factories import VariantFactory
from shop.tests.test_checkout_pages import green_tea, guest_cart, user_cart

pytestmark = pytest.mark.django_db

ADDRESS = {
    "name": "Ada Shopper",
    "line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}


@pytest.fixture(autouse=True)
def _no_webhook_delivery(settings):
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""


def checkout_body(**overrides) -> dict:
    return {"email": "ada@example.com", "address": dict(ADDRESS), "shipping_method": "standard", **overrides}


# Quote


def test_a_quote_lists_the_options_for_the_cart(api_client):
    guest_cart(api_client, (green_tea(price="30.00"), 2))

    response = api_client.post("/api/v1/checkout/quote/", {"country": "US"})

    assert response.status_code == 200
    assert response.json() == {
        "country": "US",
        "currency": "USD",
        "subtotal": "60.00",
        "tax": "0.00",
        "duties": "0.00",
        "incoterm": "",
        "import_charges_due_at_door": "0.00",
        "options": [
            {"code": "standard", "name": "Standard (4-7 business days)", "amount": "0.00", "currency": "USD",
             "days_min": 4, "days_max": 7, "tax": "0.00", "duties": "0.00", "import_charges_due_at_door": "0.00",
             "incoterm": "", "total": "60.00"},
            {"code": "express", "name": "Express (1-2 business days)", "amount": "25.58", "currency": "USD",
             "days_min": 1, "days_max": 2, "tax": "0.00", "duties": "0.00", "import_charges_due_at_door": "0.00",
             "incoterm": "", "total": "85.58"},
        ],
    }  # fmt: skip


def test_a_quote_checks_the_postal_code(api_client):
    guest_cart(api_client, (green_tea(), 1))

    response = api_client.post("/api/v1/checkout/quote/", {"country": "CA", "postal_code": "123"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Invalid input: postal_code.",
        "fields": {"postal_code": ["“123” is not a valid postal code for Canada: use the form K1A 0B1."]},
    }


def test_a_quote_for_an_empty_cart_is_refused(api_client):
    response = api_client.post("/api/v1/checkout/quote/", {"country": "US"})

    assert response.status_code == 400
    assert response.json()["code"] == "empty_cart"


def test_an_unknown_country_is_refused(api_client):
    guest_cart(api_client, (green_tea(), 1))

    response = api_client.post("/api/v1/checkout/quote/", {"country": "ZZ"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["country"]


# Checkout


def test_a_guest_checks_out_and_gets_the_payment_url(api_client):
    guest_cart(api_client, (green_tea(), 2))

    response = api_client.post("/api/v1/checkout/", checkout_body(shipping_method="express"))

    order = Order.objects.get()
    payment = order.payments.get()
    assert response.status_code == 201
    assert response.json() == {
        "order_number": order.number,
        "payment_url": payment.checkout_url,
        "total": "49.20",  # 25.00 + express from Newark to Springfield, IL (zone 7, 500 g)
        "currency": "USD",
    }
    assert urlsplit(payment.checkout_url).path.startswith("/test-payments/checkout/")
    assert (order.status, order.email, order.shipping_method) == (
        Order.Status.PENDING_PAYMENT,
        "ada@example.com",
        "express",
    )


def test_a_logged_in_shopper_checks_out_with_their_account_email(api_client, user):
    user_cart(user, (green_tea(), 1))
    api_client.force_authenticate(user)

    response = api_client.post("/api/v1/checkout/", checkout_body(email="x@example.com"))

    assert response.status_code == 201
    assert Order.objects.get().email == user.email
    assert Order.objects.get().user == user


def test_the_address_is_normalised(api_client):
    guest_cart(api_client, (green_tea(), 1))
    address = {**ADDRESS, "country": "GB", "region": "", "postal_code": "sw1a1aa"}

    response = api_client.post("/api/v1/checkout/", checkout_body(address=address))

    assert response.status_code == 201
    assert Order.objects.get().ship_postal_code == "SW1A 1AA"


def test_short_stock_answers_409_naming_the_lines_and_orders_nothing(api_client):
    tea = green_tea(stock=1)
    mug = VariantFactory(product__title="Mug", name="", price=Decimal("8.00"))
    stock_of(mug, quantity=0)
    guest_cart(api_client, (tea, 2), (mug, 1))

    response = api_client.post("/api/v1/checkout/", checkout_body())

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["fields"] == {
        "lines": ["Only 1 of Green tea — Large is left; you asked for 2.", "Mug is sold out; you asked for 1."],
        "variant_ids": [str(tea.pk), str(mug.pk)],
    }
    assert "Only 1 of Green tea — Large is left; you asked for 2." in body["message"]
    assert not Order.objects.exists()
    assert not Reservation.objects.exists()
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (checkout_body(address={**ADDRESS, "postal_code": "1234"}), {"address": {"postal_code": [
            "“1234” is not a valid ZIP code for United States of America: use the form 12345 or 12345-6789."]}}),
        (checkout_body(address={**ADDRESS, "region": ""}), {"address": {"region": ["Enter the state."]}}),
        (checkout_body(address={k: v for k, v in ADDRESS.items() if k != "line1"}),
         {"address": {"line1": ["This field is required."]}}),
        (checkout_body(shipping_method="teleport"), {"shipping_method": ["“teleport” is not offered to US."]}),
        (checkout_body(email=""), {"email": ["This field may not be blank."]}),
        ({k: v for k, v in checkout_body().items() if k != "email"},
         {"email": ["An email is required to check out as a guest."]}),
    ],
)  # fmt: skip
def test_bad_input_answers_400_and_orders_nothing(api_client, body, fields):
    guest_cart(api_client, (green_tea(), 1))

    response = api_client.post("/api/v1/checkout/", body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == fields
    assert not Order.objects.exists()


def test_an_empty_cart_cannot_check_out(api_client):
    response = api_client.post("/api/v1/checkout/", checkout_body())

    assert response.status_code == 400
    assert response.json() == {
        "code": "empty_cart",
        "message": "Your cart is empty: add something to it before checking out.",
        "fields": {},
    }


def test_only_json_is_accepted(api_client):
    guest_cart(api_client, (green_tea(), 1))

    response = api_client.post("/api/v1/checkout/", {"email": "ada@example.com"}, format="multipart")

    assert response.status_code == 415
    assert not Order.objects.exists()


def test_checking_out_again_replaces_the_unpaid_order(api_client):
    guest_cart(api_client, (green_tea(stock=1), 1))
    first = api_client.post("/api/v1/checkout/", checkout_body()).json()

    second = api_client.post("/api/v1/checkout/", checkout_body())

    assert second.status_code == 201
    assert Order.objects.get(number=first["order_number"]).status == Order.Status.CANCELLED
    assert Order.objects.get(number=second.json()["order_number"]).status == Order.Status.PENDING_PAYMENT


def test_checking_out_again_after_paying_orders_nothing_more(api_client):
    guest_cart(api_client, (green_tea(), 1))
    first = api_client.post("/api/v1/checkout/", checkout_body()).json()
    paid = pay_with_test_card(Client(), urlsplit(first["payment_url"]).path.rstrip("/").rsplit("/", 1)[-1])
    assert paid.status_code == 302

    response = api_client.post("/api/v1/checkout/", checkout_body())

    assert response.status_code == 409
    assert response.json()["code"] == "already_paid"
    assert Order.objects.get().status == Order.Status.PAID


# The total the shopper confirmed


def test_the_expected_total_is_what_the_payment_page_charges(api_client):
    guest_cart(api_client, (green_tea(price="63.99"), 1))

    response = api_client.post(
        "/api/v1/checkout/", checkout_body(shipping_method="express", expected_total="88.19"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["total"] == "88.19"
    assert Payment.objects.get().amount == Decimal("88.19")


def test_another_total_than_the_expected_one_answers_409_and_orders_nothing(api_client):
    guest_cart(api_client, (green_tea(price="63.99"), 1))

    response = api_client.post(
        "/api/v1/checkout/", checkout_body(shipping_method="express", expected_total="63.99"), format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "total_changed",
        "message": "The total is now 88.19 USD, not the 63.99 USD you confirmed; nothing was ordered or charged. "
        "Show the new total, then check out again with it as `expected_total`.",
        "fields": {"total": ["88.19"]},
    }
    assert not Order.objects.exists()
    assert not Payment.objects.exists()


def test_a_price_changed_since_the_quote_answers_409_with_the_new_total(api_client):
    tea = green_tea(price="30.00")
    guest_cart(api_client, (tea, 1))
    quoted = api_client.post("/api/v1/checkout/quote/", {"country": "US", "postal_code": ADDRESS["postal_code"]}).json()
    tea.price = Decimal("32.00")
    tea.save(update_fields=["price"])

    expected = Decimal(quoted["subtotal"]) + Decimal(quoted["options"][0]["amount"]) + Decimal(quoted["tax"])
    response = api_client.post("/api/v1/checkout/", checkout_body(expected_total=str(expected)))

    assert (response.status_code, response.json()["fields"]) == (409, {"total": ["40.86"]})
    assert not Order.objects.exists()


def test_a_bad_expected_total_is_refused(api_client):
    guest_cart(api_client, (green_tea(), 1))

    response = api_client.post("/api/v1/checkout/", checkout_body(expected_total="lots"))

    assert response.status_code == 400
    assert response.json()["fields"] == {"expected_total": ["A valid number is required."]}


def test_the_schema_documents_the_expected_total_and_the_409_total_changed():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"]["/api/v1/checkout/"]["post"]
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_body = schema["components"]["schemas"][reference.rsplit("/", 1)[-1]]
    assert "expected_total" in request_body["properties"]
    assert "expected_total" not in request_body["required"]
    assert "409 `total_changed`" in request_body["properties"]["expected_total"]["description"]
    assert "`total_changed`" in operation["responses"]["409"]["description"]
