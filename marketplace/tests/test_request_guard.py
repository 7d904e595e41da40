"""NUL characters and over-deep JSON are refused where requests come in (marketplace/request_guard.py).

PostgreSQL cannot hold a NUL in text (any query with one fails) and Python's JSON parser recurses once
per level: both answered 500 before. Every address is walked in test_url_walk.py; these are the cases
found by probing, the webhooks with real signatures, and the guard's own limits.
"""

import json

import pytest
from django.db import DataError, transaction

from creators.tests.factories import CreatorFactory
from fulfillment.models import TrackingEvent
from fulfillment.webhooks import sign
from marketplace.request_guard import Refusal, check_json_body, json_problem
from marketplace.tests.factories import UserFactory
from shop.models import StripeEvent
from shop.tests.test_payments_support import WEBHOOK_URL, make_event, signed

pytestmark = pytest.mark.django_db

NUL_REFUSED = "Null characters are not allowed."
JSON_REFUSED = {
    "code": "invalid",
    "message": "The JSON body is nested too deeply or holds a null character.",
    "fields": {"body": ["The JSON body is nested too deeply or holds a null character."]},
}
CARRIER_SECRET = "carrier-test-secret"


@pytest.mark.parametrize(
    ("url", "part"),
    [
        ("/api/v1/products/?seller=a%00b", "seller"),
        ("/api/v1/products/?category=a%00b", "category"),
        ("/api/v1/products/?q=a%00b", "q"),
        ("/api/v1/creators/a%00b/", "path"),
        ("/api/v1/orders/%00/", "path"),
        ("/api/v1/nowhere/%00/", "path"),
    ],
)
def test_a_nul_in_an_api_address_is_a_json_400(client, url, part):
    response = client.get(url)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {part: [NUL_REFUSED]}


@pytest.mark.parametrize("url", ["/orders/%00/", "/carriers/track/%00/", "/p/a%00b/", "/@ada%00/"])
def test_a_nul_in_a_pages_path_is_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/search/?q=a%00b", "/carriers/track/?number=1Z%00", "/?page=%00"])
def test_a_nul_in_a_pages_query_is_a_bad_request(client, url):
    assert client.get(url).status_code == 400


def test_a_nul_in_a_creators_product_search_is_refused(client, api_client):
    creator = CreatorFactory()
    client.force_login(creator.user)
    api_client.force_authenticate(creator.user)

    page = client.get("/studio/products/?q=serum%00")
    api = api_client.get("/api/v1/creator/products/?q=serum%00")

    assert page.status_code == 400
    assert (api.status_code, api.json()["fields"]) == (400, {"q": [NUL_REFUSED]})


def test_a_nul_in_a_form_body_is_refused_before_the_form_reads_it(client):
    response = client.post(
        "/accounts/login/", "username=ada%00&password=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 400


def test_a_nul_in_a_token_header_is_a_json_400(api_client):
    response = api_client.get("/api/v1/products/", HTTP_AUTHORIZATION="Token abc\x00def")

    assert response.status_code == 400
    assert response.json()["fields"] == {"Authorization": [NUL_REFUSED]}


def test_a_session_cookie_with_a_nul_is_ignored(client):
    user = UserFactory()
    client.force_login(user)
    client.cookies["sessionid"] = "abcdefghijkl\x00mnopqrstuvwxyz"

    response = client.get("/")

    assert response.status_code == 200
    assert response.wsgi_request.user.is_anonymous


@pytest.mark.parametrize(
    ("url", "token_needed"),
    [
        ("/api/v1/auth/token/", False),
        ("/api/v1/cart/lines/", False),
        ("/api/v1/checkout/quote/", False),
        ("/api/v1/seller/products/", True),
        ("/api/v1/creator/posts/1/tags/", True),
        ("/api/v1/nowhere/", False),
    ],
)
def test_json_nested_5000_levels_is_a_json_400_on_every_endpoint(api_client, url, token_needed):
    if token_needed:
        api_client.force_authenticate(UserFactory())

    response = api_client.post(url, "[" * 5000 + "]" * 5000, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == JSON_REFUSED


def test_a_nul_in_a_json_body_is_a_json_400(api_client):
    response = api_client.post("/api/v1/cart/lines/", {"variant": "1\x00", "quantity": 1}, format="json")

    assert response.status_code == 400
    assert response.json() == JSON_REFUSED


def _stripe_post(client, payload: str):
    return client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed(payload)
    )


def test_a_signed_stripe_event_holding_a_nul_is_refused_and_not_stored(client):
    event = make_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})
    event["data"]["object"]["customer_details"] = {"name": "Ada\x00"}

    response = _stripe_post(client, json.dumps(event))

    assert response.status_code == 400
    assert response.json() == JSON_REFUSED
    assert not StripeEvent.objects.exists()


def test_a_signed_stripe_event_nested_5000_levels_is_refused_and_not_stored(client):
    payload = '{"id": "evt_1", "type": "x", "data": {"object": ' + "[" * 5000 + "]" * 5000 + "}}"

    response = _stripe_post(client, payload)

    assert response.status_code == 400
    assert response.json() == JSON_REFUSED
    assert not StripeEvent.objects.exists()


def _carrier_post(client, raw: bytes):
    return client.post(
        "/carriers/webhook/domestic_ground/",
        data=raw,
        content_type="application/json",
        headers={"Carrier-Signature": sign(raw, CARRIER_SECRET)},
    )


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"tracking_number": "1Z\x00", "status": "delivered", "occurred_at": "2026-01-01T00:00:00Z"}),
        "[" * 5000 + "]" * 5000,
    ],
    ids=["nul", "nested"],
)
def test_a_signed_carrier_webhook_with_a_nul_or_nested_5000_levels_is_refused(client, settings, raw):
    settings.CARRIER_WEBHOOK_SECRETS = {"domestic_ground": CARRIER_SECRET}

    response = _carrier_post(client, raw.encode())

    assert response.status_code == 400
    assert response.json() == JSON_REFUSED
    assert not TrackingEvent.objects.exists()


def test_json_as_deep_as_the_limit_passes_and_one_level_more_is_refused(settings):
    settings.REQUEST_JSON_MAX_DEPTH = 3

    assert json_problem({"a": [{"b": 1}]}, max_depth=3) is None
    assert json_problem({"a": [{"b": [1]}]}, max_depth=3) == "depth"
    assert json_problem({"a\x00": 1}, max_depth=3) == "nul"
    check_json_body(b'{"a": [{"b": 1}]}')
    with pytest.raises(Refusal, match="nested too deeply"):
        check_json_body(b'{"a": [{"b": [1]}]}')


def test_json_in_another_encoding_is_read_as_the_webhooks_read_it():
    """json.loads(bytes) reads UTF-16 too; a body that is not JSON is left to its view."""
    with pytest.raises(Refusal, match="null character"):
        check_json_body('{"a": "\\u0000"}'.encode("utf-16"))
    check_json_body(b"not json \x00 at all")


def test_an_oversized_json_body_is_still_refused_by_django(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post("/api/v1/cart/lines/", "[" + "1," * 1000 + "1]", content_type="application/json")

    assert response.status_code == 400


@pytest.mark.postgres
def test_postgresql_refuses_a_nul_in_any_text_query():
    """Why the guard exists: on PostgreSQL a NUL in a lookup is a DataError, not a miss."""
    from shop.models import Seller

    with pytest.raises(DataError), transaction.atomic():
        Seller.objects.filter(slug="a\x00b").exists()
