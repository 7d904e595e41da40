"""API authentication: the token endpoint, its throttle, and using the token."""

import pytest
from rest_framework.authtoken.models import Token

from marketplace.tests.factories import PASSWORD, UserFactory
from shop.tests.factories import SellerMemberFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
INVALID_CREDENTIALS = {
    "code": "invalid_credentials",
    "message": "Unable to log in with this username and password.",
    "fields": {},
}
THROTTLED = {
    "code": "throttled",
    "message": "Too many failed log-ins for this account from your address. Wait 15 minutes and try again, "
    "or reset your password.",
    "fields": {},
}


def _post(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(TOKEN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_right_password_returns_the_users_token(api_client):
    user = UserFactory(username="ada")

    first = _post(api_client, "ada", PASSWORD)
    second = _post(api_client, "ada", PASSWORD)

    assert first.status_code == second.status_code == 200
    token = Token.objects.get(user=user)
    assert first.json() == second.json() == {"token": token.key}
    assert first["Cache-Control"] == "no-store"


def test_token_authenticates_the_seller_api(api_client):
    member = SellerMemberFactory()
    key = _post(api_client, member.user.username, PASSWORD).json()["token"]

    with_token = api_client.get("/api/v1/seller/products/", HTTP_AUTHORIZATION=f"Token {key}")
    wrong_token = api_client.get("/api/v1/seller/products/", HTTP_AUTHORIZATION="Token not-a-token")

    assert with_token.status_code == 200
    assert wrong_token.status_code == 403
    assert wrong_token.json() == {"code": "authentication_failed", "message": "Invalid token.", "fields": {}}


@pytest.mark.parametrize(("username", "password"), [("ada", "wrong"), ("nobody", PASSWORD), ("ada", "")])
def test_wrong_credentials_are_400_without_a_token(api_client, username, password):
    UserFactory(username="ada")

    response = _post(api_client, username, password)

    assert response.status_code == 400
    assert response.json() == (
        INVALID_CREDENTIALS
        if password
        else {
            "code": "invalid",
            "message": "Invalid input: password.",
            "fields": {"password": ["This field may not be blank."]},
        }
    )
    assert not Token.objects.exists()


def test_inactive_user_gets_no_token(api_client):
    UserFactory(username="ada", is_active=False)

    response = _post(api_client, "ada", PASSWORD)

    assert response.status_code == 400
    assert response.json() == INVALID_CREDENTIALS
    assert not Token.objects.exists()


def test_missing_fields_are_400_naming_them(api_client):
    response = api_client.post(TOKEN_URL, {})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Invalid input: username, password.",
        "fields": {"username": ["This field is required."], "password": ["This field is required."]},
    }


def test_after_the_failure_limit_the_right_password_is_429_from_that_address_only(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = UserFactory(username="ada")

    failures = [_post(api_client, "ada", "guess", address="10.0.0.1").status_code for _ in range(3)]
    locked = _post(api_client, "ada", PASSWORD, address="10.0.0.1")
    owner_elsewhere = _post(api_client, "ada", PASSWORD, address="10.0.0.99")

    assert failures == [400, 400, 400]
    assert locked.status_code == 429
    assert locked.json() == THROTTLED
    assert owner_elsewhere.status_code == 200
    assert owner_elsewhere.json() == {"token": Token.objects.get(user=user).key}


def test_guessing_many_accounts_from_one_address_is_throttled(api_client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    UserFactory(username="ada")

    for username in ("bob", "cy", "dee"):
        assert _post(api_client, username, "guess").status_code == 400
    locked = _post(api_client, "ada", PASSWORD)

    assert locked.status_code == 429
    assert locked.json() == {
        "code": "throttled",
        "message": "Too many failed log-ins from your address. Wait 15 minutes and try again.",
        "fields": {},
    }


def test_guessing_one_account_from_many_addresses_leaves_only_known_addresses_in(api_client, settings):
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    UserFactory(username="ada")
    assert _post(api_client, "ada", PASSWORD, address="10.0.0.7").status_code == 200
    for n in range(3):
        _post(api_client, "ada", "guess", address=f"203.0.113.{n}")

    known = _post(api_client, "ada", PASSWORD, address="10.0.0.7")
    unknown = _post(api_client, "ada", PASSWORD, address="10.0.0.8")

    assert known.status_code == 200
    assert unknown.status_code == 429
    assert unknown.json()["message"].startswith("Too many failed log-ins for this account from many places.")


def test_a_successful_log_in_clears_the_accounts_failures(api_client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    UserFactory(username="ada")
    for _ in range(2):
        _post(api_client, "ada", "guess", address="10.0.0.1")
    assert _post(api_client, "ada", PASSWORD, address="10.0.0.1").status_code == 200

    for _ in range(2):
        _post(api_client, "ada", "guess", address="10.0.0.2")
    response = _post(api_client, "ada", PASSWORD, address="10.0.0.2")

    assert response.status_code == 200


def test_token_endpoint_only_accepts_post(api_client):
    response = api_client.get(TOKEN_URL)

    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "message": 'Method "GET" not allowed.', "fields": {}}
