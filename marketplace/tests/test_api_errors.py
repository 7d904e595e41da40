"""The API's error shape everywhere under /api/v1/, unknown addresses included."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

NOT_FOUND = {"code": "not_found", "message": "No API endpoint at this address.", "fields": {}}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_to_an_unknown_api_address_without_a_csrf_token_is_the_json_404(method):
    browser = Client(enforce_csrf_checks=True)

    response = getattr(browser, method)("/api/v1/nowhere/", {"a": 1}, content_type="application/json")

    assert response.status_code == 404
    assert response.json() == NOT_FOUND
