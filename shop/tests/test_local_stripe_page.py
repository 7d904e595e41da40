"""The stand-in's hosted payment page: Stripe's test cards, declines, redirects, closed sessions."""

import re

import pytest
from django.urls import reverse

from shop.models import LocalStripeObject
from shop.payments.local_stripe import store
from shop.payments.local_stripe.cards import card_outcome, luhn_valid
from shop.payments.local_stripe.testing import checkout_session_params, local_client, pay_with_test_card

TEST_MODE = "TEST MODE — local Stripe stand-in, no real money"


@pytest.fixture(autouse=True)
def _no_delivery(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""


@pytest.fixture
def session(db):
    return local_client().v1.checkout.sessions.create(params=checkout_session_params())


def page_url(session_id):
    return reverse("local_stripe:checkout", args=[session_id])


def current(session_id):
    return store.load(session_id)


# Cards, without the database


@pytest.mark.parametrize(
    ("number", "paid", "message"),
    [
        ("4242 4242 4242 4242", True, ""),
        ("4000 0000 0000 0002", False, "Your card was declined."),
        ("4000-0000-0000-9995", False, "Your card has insufficient funds."),
        ("4242 4242 4242 4241", False, "Your card number is invalid."),
        ("4111 1111 1111 1111", False, "Your card was declined. Your request was in test mode, but used a non test"),
        ("12", False, "Your card number is invalid."),
    ],
)
def test_card_outcomes(number, paid, message):
    outcome = card_outcome(number)

    assert outcome.paid is paid
    assert outcome.message.startswith(message)


def test_luhn():
    assert luhn_valid("4242424242424242")
    assert not luhn_valid("4242424242424243")
    assert not luhn_valid("42424242424242a2")


# The page


def test_the_page_shows_the_order_the_total_and_a_labelled_card_form(client, session):
    response = client.get(page_url(session.id))
    html = response.content.decode()

    assert response.status_code == 200
    assert TEST_MODE in html
    assert "Blue mug" in html and "Sticker" in html
    assert "$25.00" in html and "$5.00" in html
    assert "$30.00" in html and "Total due (USD)" in html
    assert "shopper@example.com" in html
    for field_id, label in [
        ("id_email", "Email"),
        ("id_card_number", "Card number"),
        ("id_expiry", "Expiry (MM / YY)"),
        ("id_cvc", "CVC"),
        ("id_name", "Name on card"),
    ]:
        assert f'<label for="{field_id}">{label}</label>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'href="{session.cancel_url}"' in html


def test_the_page_has_no_inline_script_or_style_and_keeps_the_csp(client, session):
    response = client.get(page_url(session.id))
    html = response.content.decode()

    assert "<script" not in html
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son\w+=", html)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert "/static/css/local_stripe.css" in html


def test_4242_pays_and_redirects_to_the_success_url_with_the_session_id(client, session):
    response = pay_with_test_card(client, session.id, number="4242 4242 4242 4242")

    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/checkout/done/?session_id={session.id}"
    paid = current(session.id)
    assert (paid["status"], paid["payment_status"]) == ("complete", "paid")
    assert paid["payment_intent"].startswith("pi_")
    assert paid["customer_details"]["name"] == "Ada Shopper"
    intent = store.load(paid["payment_intent"])
    charge = store.load(intent["latest_charge"])
    assert (intent["status"], intent["amount_received"]) == ("succeeded", 3000)
    assert (charge["amount"], charge["payment_method_details"]["card"]["last4"]) == (3000, "4242")
    [event] = LocalStripeObject.objects.filter(object="event", data__type="checkout.session.completed")
    assert event.data["data"]["object"]["id"] == session.id
    assert event.data["data"]["object"]["payment_status"] == "paid"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000 0000 0000 0002", "Your card was declined."),
        ("4000 0000 0000 9995", "Your card has insufficient funds."),
        ("4242 4242 4242 4241", "Your card number is invalid."),
        ("4111 1111 1111 1111", "used a non test (live) card"),
    ],
)
def test_a_refused_card_shows_why_and_leaves_the_session_open_and_unpaid(client, session, number, message):
    response = pay_with_test_card(client, session.id, number=number)
    html = response.content.decode()

    assert response.status_code in (400, 402)
    assert message in html
    assert TEST_MODE in html
    assert (current(session.id)["status"], current(session.id)["payment_status"]) == ("open", "unpaid")
    assert not LocalStripeObject.objects.filter(object__in=["payment_intent", "charge", "event"]).exists()


def test_a_declined_card_is_shown_as_an_alert_next_to_the_form(client, session):
    response = pay_with_test_card(client, session.id, number="4000 0000 0000 0002")

    assert response.status_code == 402
    assert '<div class="ls-error" role="alert" id="payment-error">' in response.content.decode()


def test_an_expired_card_and_incomplete_fields_are_refused(client, session):
    expired = pay_with_test_card(client, session.id, expiry="01 / 20")
    bad_month = pay_with_test_card(client, session.id, expiry="13 / 40")
    no_cvc = pay_with_test_card(client, session.id, cvc="1")

    assert "Your card&#x27;s expiration date is in the past." in expired.content.decode()
    assert "Your card&#x27;s expiration month is invalid." in bad_month.content.decode()
    assert "Your card&#x27;s security code is incomplete." in no_cvc.content.decode()
    assert current(session.id)["status"] == "open"


def test_the_given_customer_email_cannot_be_changed_on_the_page(client, session):
    pay_with_test_card(client, session.id, email="someone-else@example.com")

    assert current(session.id)["customer_details"]["email"] == "shopper@example.com"


def test_without_a_given_email_the_shopper_types_one(client, db):
    session = local_client().v1.checkout.sessions.create(params=checkout_session_params(customer_email=None))

    pay_with_test_card(client, session.id, email="typed@example.com")

    assert current(session.id)["customer_email"] is None  # as on Stripe: what the merchant passed
    assert current(session.id)["customer_details"]["email"] == "typed@example.com"


def test_a_paid_session_shows_a_closed_page_and_a_second_submit_goes_to_success(client, session):
    pay_with_test_card(client, session.id)

    page = client.get(page_url(session.id))
    again = pay_with_test_card(client, session.id)

    assert page.status_code == 200
    assert "This order is already paid" in page.content.decode()
    assert TEST_MODE in page.content.decode()
    assert 'name="card_number"' not in page.content.decode()
    assert again.status_code == 302 and again["Location"].endswith(session.id)
    assert LocalStripeObject.objects.filter(object="payment_intent").count() == 1


def test_an_expired_session_shows_a_closed_page_and_takes_no_payment(client, session):
    local_client().v1.checkout.sessions.expire(session.id)

    page = client.get(page_url(session.id))
    attempt = pay_with_test_card(client, session.id)

    assert page.status_code == 410
    assert "This payment page has expired" in page.content.decode()
    assert TEST_MODE in page.content.decode()
    assert attempt.status_code == 410
    assert not LocalStripeObject.objects.filter(object="payment_intent").exists()


def test_a_session_that_expires_while_the_form_is_open_takes_no_payment(client, session):
    client.get(page_url(session.id))
    data = current(session.id)
    data["expires_at"] = store.now() - 1
    store.save(data)

    attempt = pay_with_test_card(client, session.id)

    assert attempt.status_code == 410
    assert current(session.id)["status"] == "expired"
    assert not LocalStripeObject.objects.filter(object="payment_intent").exists()
    assert LocalStripeObject.objects.filter(object="event", data__type="checkout.session.expired").count() == 1


def test_a_session_past_its_time_expires_when_the_page_is_opened(client, session):
    data = current(session.id)
    data["expires_at"] = store.now() - 1
    store.save(data)

    page = client.get(page_url(session.id))

    assert page.status_code == 410
    assert current(session.id)["status"] == "expired"


def test_an_unknown_session_is_a_labelled_404(client, db):
    response = client.get(page_url("cs_test_nope"))

    assert response.status_code == 404
    assert TEST_MODE in response.content.decode()


def test_the_form_needs_its_csrf_token(session, db):
    from django.test import Client

    response = pay_with_test_card(Client(enforce_csrf_checks=True), session.id)

    assert response.status_code == 403
    assert current(session.id)["status"] == "open"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_paying_in_chromium_lands_on_the_success_url(page, live_server, settings):
    settings.SITE_URL = live_server.url
    session = local_client().v1.checkout.sessions.create(
        params=checkout_session_params(
            success_url=f"{live_server.url}/healthz?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{live_server.url}/healthz",
        )
    )

    page.goto(session.url)
    page.get_by_text(TEST_MODE).wait_for()
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Shopper")
    page.get_by_role("button", name="Pay $30.00").click()
    page.get_by_role("alert").get_by_text("Your card was declined.").wait_for()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Expiry (MM / YY)").fill("12 / 34")
    page.get_by_label("CVC").fill("123")
    page.get_by_label("Name on card").fill("Ada Shopper")
    page.get_by_role("button", name="Pay $30.00").click()
    page.wait_for_url(f"{live_server.url}/healthz?session_id={session.id}")

    assert current(session.id)["payment_status"] == "paid"


@pytest.mark.django_db
def test_the_stand_in_pages_do_not_exist_when_real_stripe_is_configured(client, settings):
    session = local_client().v1.checkout.sessions.create(params=checkout_session_params())
    page = reverse("local_stripe:checkout", args=[session.id])
    assert client.get(page).status_code == 200

    settings.STRIPE_USE_LOCAL = False
    settings.STRIPE_SECRET_KEY = "sk_test_real_account"

    assert client.get(page).status_code == 404
    assert pay_with_test_card(client, session.id).status_code == 404
    assert store.load(session.id, "checkout.session")["status"] == "open"
