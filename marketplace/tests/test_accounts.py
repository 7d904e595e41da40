"""Shopper accounts: sign-up, log-in with its lock-out, log-out and the password reset flow."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from marketplace.models import User
from marketplace.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED_OUT = (
    "Too many failed log-ins for this account from your address. Wait 15 minutes and try again, or reset your password."
)
ADDRESS_REFUSED = "Too many failed log-ins from your address. Wait 15 minutes and try again."
ACCOUNT_GUARDED = (
    "Too many failed log-ins for this account from many places. Log in from a device you have used before, "
    "or reset your password."
)


def log_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_signup_page_has_a_labelled_form_with_csrf(client):
    page = client.get(reverse("signup")).content.decode()

    assert "csrfmiddlewaretoken" in page
    for field in ("username", "email", "password1", "password2"):
        assert f'<label for="id_{field}">' in page


def test_signup_creates_the_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "ada", "email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(username="ada")
    assert user.email == "ada@example.com"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert "Log out ada" in client.get(reverse("home")).content.decode()


def test_signup_with_mismatched_passwords_shows_the_error(client):
    response = client.post(
        reverse("signup"),
        {"username": "ada", "email": "ada@example.com", "password1": PASSWORD, "password2": "something else"},
    )

    assert response.status_code == 200
    assert "The two password fields didn\N{RIGHT SINGLE QUOTATION MARK}t match." in response.content.decode()
    assert not User.objects.filter(username="ada").exists()


def test_login_page_has_labelled_fields_and_a_reset_link(client):
    page = client.get(reverse("login")).content.decode()

    assert "csrfmiddlewaretoken" in page
    assert '<label for="id_username">' in page
    assert '<label for="id_password">' in page
    assert f'href="{reverse("password_reset")}"' in page


def test_login_with_the_right_password_logs_in_and_goes_home(client):
    user = UserFactory()

    response = log_in(client, user.username, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session[SESSION_KEY] == str(user.pk)


def test_login_with_a_wrong_password_says_so(client):
    user = UserFactory()

    response = log_in(client, user.username, "wrong")

    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_login_goes_back_to_the_page_asked_for(client):
    user = UserFactory()

    response = client.post(
        reverse("login") + "?next=/search/", {"username": user.username, "password": PASSWORD, "next": "/search/"}
    )

    assert response["Location"] == "/search/"


def test_logout_is_post_only(client):
    user = UserFactory()
    client.force_login(user)

    refused = client.get(reverse("logout"))
    response = client.post(reverse("logout"), headers={"origin": "http://testserver"})

    assert refused.status_code == 405
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert SESSION_KEY not in client.session
    assert "Log in" in client.get(reverse("home")).content.decode()


def test_a_log_out_posted_from_another_site_is_refused(client):
    client.force_login(UserFactory(username="ada"))

    forged = client.post(reverse("logout"), headers={"origin": "https://evil.example"})
    unnamed = client.post(reverse("logout"))  # neither Origin nor Referer

    assert (forged.status_code, unnamed.status_code) == (403, 403)
    assert SESSION_KEY in client.session
    assert "Log out ada" in client.get(reverse("home")).content.decode()


def test_after_six_failed_logins_from_one_address_even_the_right_password_is_refused_there_with_429(client):
    user = UserFactory()
    for _ in range(6):
        log_in(client, user.username, "wrong")

    response = log_in(client, user.username, PASSWORD)

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_guesser_cannot_lock_the_owner_out(client):
    owner = UserFactory()
    for _ in range(20):
        log_in(client, owner.username, "guess", address="203.0.113.9")

    response = log_in(client, owner.username, PASSWORD, address="198.51.100.7")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(owner.pk)


def test_an_office_behind_one_address_is_not_shut_out_by_its_typos(client):
    colleagues = UserFactory.create_batch(8)
    for colleague in colleagues:
        log_in(client, colleague.username, "typo", address="192.0.2.10")

    response = log_in(client, colleagues[0].username, PASSWORD, address="192.0.2.10")

    assert response.status_code == 302


def test_spraying_many_accounts_from_one_address_is_refused_there(client, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    user = UserFactory()
    for name in ("amy", "bob", "cyd"):
        log_in(client, name, "guess", address="203.0.113.9")

    sprayer = log_in(client, user.username, PASSWORD, address="203.0.113.9")
    elsewhere = log_in(client, user.username, PASSWORD, address="198.51.100.7")

    assert sprayer.status_code == 429
    assert ADDRESS_REFUSED in sprayer.content.decode()
    assert elsewhere.status_code == 302


def _guessed_from_many_addresses(client, username: str, settings) -> None:
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 3
    for n in range(3):
        log_in(client, username, "guess", address=f"203.0.113.{n}")


def test_guessing_one_account_from_many_addresses_asks_for_a_client_it_knows(client, settings):
    owner = UserFactory()
    _guessed_from_many_addresses(client, owner.username, settings)

    response = log_in(client, owner.username, PASSWORD, address="198.51.100.7")

    assert response.status_code == 429
    assert ACCOUNT_GUARDED in response.content.decode()
    assert SESSION_KEY not in client.session


def test_during_a_distributed_guess_the_owner_logs_in_from_a_known_address_or_browser(client, settings):
    owner = UserFactory()
    assert log_in(client, owner.username, PASSWORD, address="198.51.100.7").status_code == 302
    device = client.cookies["login_device"].value
    client.post(reverse("logout"), headers={"origin": "http://testserver"})
    _guessed_from_many_addresses(client, owner.username, settings)

    same_address = log_in(client, owner.username, PASSWORD, address="198.51.100.7")
    client.post(reverse("logout"), headers={"origin": "http://testserver"})
    client.cookies.clear()
    same_browser_elsewhere = Client(raise_request_exception=True)
    same_browser_elsewhere.cookies["login_device"] = device
    new_address = log_in(same_browser_elsewhere, owner.username, PASSWORD, address="192.0.2.44")
    stranger = log_in(Client(), owner.username, PASSWORD, address="192.0.2.45")

    assert (same_address.status_code, new_address.status_code, stranger.status_code) == (302, 302, 429)


def test_a_password_reset_lifts_the_guard_of_a_distributed_guess(client, settings):
    owner = UserFactory(email="grace@example.com")
    _guessed_from_many_addresses(client, owner.username, settings)

    client.post(reverse("password_reset"), {"email": "grace@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
    )

    assert log_in(client, owner.username, "a brand new secret 42", address="192.0.2.99").status_code == 302


def test_password_reset_emails_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="grace@example.com")

    sent = client.post(reverse("password_reset"), {"email": "grace@example.com"})

    assert sent.status_code == 302
    assert "Check your email" in client.get(sent["Location"]).content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["grace@example.com"]
    assert email.subject == "Reset your Marketplace password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", email.body).group(1)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
    )
    assert done.status_code == 302
    assert "Your password is changed" in client.get(done["Location"]).content.decode()

    assert log_in(client, user.username, PASSWORD).status_code == 200  # the old password is gone
    assert log_in(client, user.username, "a brand new secret 42").status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_behind_a_proxy_failures_count_per_client_not_per_proxy(client, settings):
    from marketplace.tests.factories import PASSWORD, UserFactory

    settings.TRUSTED_PROXY_COUNT = 1
    victim = UserFactory()
    for attempt in range(settings.LOGIN_FAILURE_LIMIT + 1):
        client.post(
            "/accounts/login/",
            {"username": f"guess{attempt}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )

    response = client.post(
        "/accounts/login/",
        {"username": victim.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )

    assert response.status_code == 302  # another shopper behind the same proxy still logs in


def test_the_admin_log_in_is_throttled_the_same_way(client):
    staff = UserFactory(is_staff=True)
    for _ in range(6):
        client.post("/admin/login/", {"username": staff.username, "password": "guess"}, REMOTE_ADDR="203.0.113.9")

    guesser = client.post(
        "/admin/login/", {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    owner = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.1")

    assert LOCKED_OUT in guesser.content.decode()
    assert SESSION_KEY in client.session and owner.status_code == 302
