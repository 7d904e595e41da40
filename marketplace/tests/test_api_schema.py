"""The OpenAPI schema describes every endpoint and validates; Swagger UI is served from our static files."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/categories/": {"get"},
    "/api/v1/products/": {"get"},
    "/api/v1/products/{slug}/": {"get"},
    "/api/v1/products/{slug}/reviews/": {"get"},
    "/api/v1/reviews/": {"post"},
    "/api/v1/seller/products/": {"get", "post"},
    "/api/v1/seller/products/{id}/": {"get", "put", "patch", "delete"},
    "/api/v1/seller/products/{id}/variants/": {"get", "post"},
    "/api/v1/seller/products/{id}/images/": {"post"},
    "/api/v1/seller/images/{id}/": {"delete"},
    "/api/v1/seller/variants/{id}/": {"get", "put", "patch"},
    "/api/v1/seller/variants/{id}/stock/": {"get"},
    "/api/v1/seller/variants/{id}/stock/{warehouse_code}/": {"put"},
    "/api/v1/seller/customs-profile/": {"get", "put", "patch"},
    "/api/v1/seller/returns/": {"get"},
    "/api/v1/seller/inbound/": {"get", "post"},
    "/api/v1/seller/inbound/{id}/": {"get"},
    "/api/v1/seller/inbound/{id}/cancel/": {"post"},
    "/api/v1/seller/orders/": {"get"},
    "/api/v1/seller/balance/": {"get"},
    "/api/v1/seller/transfers/": {"get"},
    "/api/v1/seller/statement/": {"get"},
    "/api/v1/seller/sales-by-month/": {"get"},
    "/api/v1/seller/payout-account/": {"get", "post"},
    "/api/v1/cart/": {"get"},
    "/api/v1/cart/lines/": {"post"},
    "/api/v1/cart/lines/{id}/": {"patch", "delete"},
    "/api/v1/checkout/quote/": {"post"},
    "/api/v1/checkout/": {"post"},
    "/api/v1/buy-now/": {"post"},
    "/api/v1/account/addresses/": {"get"},
    "/api/v1/account/cards/": {"get"},
    "/api/v1/orders/": {"get"},
    "/api/v1/orders/{number}/": {"get"},
    "/api/v1/orders/{number}/cancel/": {"post"},
    "/api/v1/orders/{number}/payment/": {"post"},
    "/api/v1/orders/{number}/returns/": {"get", "post"},
    "/api/v1/orders/{number}/returns/{return_number}/": {"get"},
    "/api/v1/orders/{number}/returns/{return_number}/label/": {"get"},
    "/api/v1/feed/": {"get"},
    "/api/v1/search/suggestions/": {"get"},
    "/api/v1/posts/{post_id}/": {"get"},
    "/api/v1/creators/{handle}/": {"get"},
    "/api/v1/creator/posts/": {"get", "post"},
    "/api/v1/creator/posts/{id}/": {"get", "patch", "delete"},
    "/api/v1/creator/posts/{id}/publish/": {"post"},
    "/api/v1/creator/posts/{id}/unpublish/": {"post"},
    "/api/v1/creator/posts/{id}/retry/": {"post"},
    "/api/v1/creator/posts/{id}/tags/": {"get", "post"},
    "/api/v1/creator/tags/{id}/": {"patch", "delete"},
    "/api/v1/creator/products/": {"get"},
    "/api/v1/creator/earnings/": {"get"},
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def schema(tmp_path) -> dict:
    GENERATOR_STATS.reset()
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_validates_without_warnings_and_lists_every_endpoint(schema):
    paths = {
        path: {method for method in operations if method != "parameters"}
        for path, operations in schema["paths"].items()
    }
    assert paths == ENDPOINTS


def test_every_operation_documents_its_error_answers(schema):
    """Seller and creator endpoints can answer 403, addresses with an id 404, writes 400 (or 409 for a
    body-less action refused in the object's state); each with the error body."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {code: answer for code, answer in operation["responses"].items() if code.startswith("4")}
            for answer in errors.values():
                assert answer["content"]["application/json"]["schema"] == ERROR_REF
                assert answer["description"]
            if path.startswith(("/api/v1/seller/", "/api/v1/creator/")):
                assert "403" in errors, f"{method} {path}"
            if "{" in path:
                assert "404" in errors, f"{method} {path}"
            if method in {"post", "put", "patch"}:
                if "requestBody" in operation:
                    assert "400" in errors, f"{method} {path}"
                else:  # an action on an object: publish, unpublish, retry
                    assert errors.keys() & {"400", "409"}, f"{method} {path}"


def test_error_body_is_described(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    assert set(error["required"]) == {"code", "message", "fields"}


def test_image_upload_is_multipart_and_stock_conflict_is_409(schema):
    upload = schema["paths"]["/api/v1/seller/products/{id}/images/"]["post"]
    stock = schema["paths"]["/api/v1/seller/variants/{id}/stock/{warehouse_code}/"]["put"]
    throttled = schema["paths"]["/api/v1/auth/token/"]["post"]

    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    request = schema["components"]["schemas"]["ProductImageUploadRequest"]
    assert request["properties"]["image"] == {
        "type": "string",
        "format": "binary",
        "description": "A JPEG, PNG, WebP or GIF picture.",
    }
    assert request["required"] == ["image"]
    assert upload["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProductImage"
    }
    assert "409" in stock["responses"]
    assert "429" in throttled["responses"]
    assert "security" not in throttled  # no credentials needed to ask for a token


def test_schema_endpoint_serves_the_schema(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "/api/v1/seller/products/{id}/images/" in yaml.safe_load(response.content)["paths"]


def test_swagger_ui_loads_only_our_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    addresses = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    static = [address for address in addresses if address.startswith("/static/")]
    assert sorted(set(addresses) - set(static)) == ["/api/docs/?script="]  # the set-up script, same origin
    for address in static:
        assert finders.find(address.removeprefix("/static/")), f"{address} is not among our static files"
    # No inline script: the Content-Security-Policy allows scripts from 'self' only.
    assert len(re.findall(r"<script\b", html)) == len(re.findall(r"<script src=", html)) == 3
    assert not re.search(r"https?://", html)

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in script.content.decode()
    assert not re.search(r"https?://", script.content.decode())


def test_answers_that_can_be_null_are_documented_as_nullable(schema):
    components = schema["components"]["schemas"]

    assert components["Category"]["properties"]["parent"]["nullable"] is True
    assert components["FeedPost"]["properties"]["video_url"]["nullable"] is True
    assert components["FeedPost"]["properties"]["poster_url"]["nullable"] is True
    assert components["TaggedProduct"]["properties"]["image"]["nullable"] is True


def test_error_fields_are_described_as_they_nest(schema):
    """`{"address": {"postal_code": [...]}}` and per-item lists are answered: the schema says so."""
    components = schema["components"]["schemas"]
    problems = {"$ref": "#/components/schemas/ErrorFieldProblems"}

    assert components["Error"]["properties"]["fields"]["allOf"] == [{"$ref": "#/components/schemas/ErrorFields"}]
    assert components["ErrorFields"]["additionalProperties"] == problems
    assert components["ErrorFieldProblems"]["anyOf"] == [
        {"type": "array", "items": {"type": "string"}},
        {"$ref": "#/components/schemas/ErrorFields"},
        {"type": "array", "items": problems},
    ]


def test_every_query_parameter_may_be_empty_and_every_page_may_be_missing(schema):
    """`?seller=` is no filter and `?page=` the first page, on every endpoint; a page past the last is a 404."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    assert {"type": "string", "maxLength": 0} in parameter["schema"]["anyOf"], (method, path)
                    if parameter["name"] == "page":
                        assert "404" in operation["responses"], (method, path)


def test_every_operation_documents_the_400_of_refused_input(schema):
    """marketplace/request_guard.py answers 400 for a NUL anywhere or over-deep JSON, before any endpoint."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["400"]["content"]["application/json"]["schema"] == ERROR_REF, (method, path)
