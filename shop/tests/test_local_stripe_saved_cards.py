"""The stand-in's Customers, PaymentMethods and PaymentIntents confirmed with a saved card, through the real SDK."""

from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from shop.models import LocalStripeObject
from shop.payments.local_stripe.testing import checkout_session_params, local_client, pay_with_test_card

pytestmark = pytest.mark.django_db

RETURN_URL = "http://testserver/buy-now/return/?post=7&t=12.5"


@pytest.fixture(autouse=True)
def _stand_in(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_USE_LOCAL = True
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def sdk():
    return local_client()


def events_of(event_type):
    return [row.data for row in LocalStripeObject.objects.filter(object="event", data__type=event_type)]


def customer_with(sdk, test_method="pm_card_visa"):
    customer = sdk.v1.customers.create(params={"email": "ada@example.com", "name": "Ada"})
    method = sdk.v1.payment_methods.attach(test_method, params={"customer": customer.id})
    return customer, method


def pay(sdk, customer, method, **extra):
    params = {
        "amount": 2599,
        "currency": "usd",
        "customer": customer.id,
        "payment_method": method.id,
        "confirm": True,
        "return_url": RETURN_URL,
        "metadata": {"order_number": "MK-TEST-0001"},
    }
    return sdk.v1.payment_intents.create(params={**params, **extra})


def test_a_test_payment_method_attaches_as_a_new_card_of_the_customer_and_is_listed_without_its_number(sdk):
    customer, method = customer_with(sdk)

    listed = sdk.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})

    assert method.id.startswith("pm_") and method.id != "pm_card_visa"
    assert [(m.id, m.card.brand, m.card.last4, m.customer) for m in listed.data] == [
        (method.id, "visa", "4242", customer.id)
    ]
    assert "_test_card" not in listed.data[0].to_dict()
    assert "number" not in listed.data[0].card.to_dict()


def test_a_detached_card_is_no_longer_listed_nor_usable(sdk):
    customer, method = customer_with(sdk)

    detached = sdk.v1.payment_methods.detach(method.id)

    assert detached.customer is None
    assert sdk.v1.payment_methods.list(params={"customer": customer.id}).data == []
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.payment_methods.detach(method.id)


def test_a_saved_card_pays_on_confirm_and_stripe_sends_payment_intent_succeeded(sdk):
    customer, method = customer_with(sdk)

    intent = pay(sdk, customer, method)

    assert (intent.status, intent.amount_received, intent.customer, intent.payment_method) == (
        "succeeded", 2599, customer.id, method.id,
    )  # fmt: skip
    charge = sdk.v1.charges.retrieve(intent.latest_charge)
    assert (charge.paid, charge.payment_method_details.card.last4) == (True, "4242")
    [event] = events_of("payment_intent.succeeded")
    assert event["data"]["object"]["metadata"] == {"order_number": "MK-TEST-0001"}


def test_a_card_that_needs_authentication_waits_for_the_bank_page_and_pays_once_completed(sdk, client):
    customer, method = customer_with(sdk, "pm_card_authenticationRequiredOnSetup")

    intent = pay(sdk, customer, method)

    assert intent.status == "requires_action"
    assert intent.next_action.type == "redirect_to_url"
    page_url = intent.next_action.redirect_to_url.url
    assert intent.next_action.redirect_to_url.return_url == RETURN_URL
    assert events_of("payment_intent.succeeded") == []
    path = urlsplit(page_url).path
    page = client.get(path)
    assert page.status_code == 200 and "Complete authentication" in page.content.decode()

    back = client.post(path, {"action": "complete"})

    assert back.status_code == 302
    sent_back = urlsplit(back["Location"])
    query = parse_qs(sent_back.query)
    assert sent_back.path == "/buy-now/return/"
    assert (query["post"], query["t"], query["payment_intent"], query["redirect_status"]) == (
        ["7"], ["12.5"], [intent.id], ["succeeded"],
    )  # fmt: skip
    assert sdk.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    assert len(events_of("payment_intent.succeeded")) == 1
    # A second submit changes nothing.
    client.post(path, {"action": "complete"})
    assert len(events_of("payment_intent.succeeded")) == 1


def test_a_failed_authentication_leaves_the_intent_unpaid_and_sends_payment_failed(sdk, client):
    customer, method = customer_with(sdk, "pm_card_authenticationRequiredOnSetup")
    intent = pay(sdk, customer, method)

    back = client.post(urlsplit(intent.next_action.redirect_to_url.url).path, {"action": "fail"})

    assert parse_qs(urlsplit(back["Location"]).query)["redirect_status"] == ["failed"]
    intent = sdk.v1.payment_intents.retrieve(intent.id)
    assert (intent.status, intent.last_payment_error.code) == (
        "requires_payment_method", "payment_intent_authentication_failure",
    )  # fmt: skip
    assert len(events_of("payment_intent.payment_failed")) == 1


def test_off_session_a_card_set_up_for_later_pays_without_authentication(sdk):
    customer, method = customer_with(sdk, "pm_card_authenticationRequiredOnSetup")

    intent = pay(sdk, customer, method, off_session=True)

    assert intent.status == "succeeded"


def test_a_declined_card_answers_a_card_error_naming_the_intent_and_the_decline_is_kept(sdk):
    customer, method = customer_with(sdk, "pm_card_visa_chargeDeclined")

    with pytest.raises(stripe.CardError) as declined:
        pay(sdk, customer, method)

    error = declined.value
    assert (error.code, error.http_status) == ("card_declined", 402)
    assert error.error.decline_code == "generic_decline"
    intent_id = error.error.payment_intent["id"]
    intent = sdk.v1.payment_intents.retrieve(intent_id)
    assert (intent.status, intent.last_payment_error.decline_code) == ("requires_payment_method", "generic_decline")
    [event] = events_of("payment_intent.payment_failed")
    assert event["data"]["object"]["id"] == intent_id


def test_a_declined_request_replayed_with_its_key_answers_the_same_decline_and_makes_no_second_intent(sdk):
    customer, method = customer_with(sdk, "pm_card_visa_chargeDeclined")
    params = {"amount": 500, "currency": "usd", "customer": customer.id, "payment_method": method.id, "confirm": True}

    ids = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as declined:
            sdk.v1.payment_intents.create(params=params, options={"idempotency_key": "buy-now:1"})
        ids.append(declined.value.error.payment_intent["id"])

    assert ids[0] == ids[1]
    assert LocalStripeObject.objects.filter(object="payment_intent").count() == 1


def test_another_customers_card_is_refused(sdk):
    _, method = customer_with(sdk)
    stranger = sdk.v1.customers.create(params={"email": "eve@example.com"})

    with pytest.raises(stripe.InvalidRequestError) as refused:
        pay(sdk, stranger, method)

    assert refused.value.param == "payment_method"
    assert LocalStripeObject.objects.filter(object="payment_intent").count() == 0


def test_bad_input_gets_stripes_errors(sdk):
    customer, method = customer_with(sdk)

    with pytest.raises(stripe.InvalidRequestError) as unknown:
        sdk.v1.payment_methods.list(params={"customer": "cus_nope"})
    assert unknown.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as bad_amount:
        pay(sdk, customer, method, amount=0)
    assert bad_amount.value.param == "amount"
    with pytest.raises(stripe.InvalidRequestError) as raw_card:
        sdk.v1.payment_methods.create(params={"type": "card", "card": {"number": "4242424242424242"}})
    assert raw_card.value.param == "card"


def test_checkout_with_a_customer_and_setup_future_usage_saves_the_card_it_was_paid_with(sdk, client):
    customer = sdk.v1.customers.create(params={"email": "ada@example.com"})
    params = checkout_session_params(customer=customer.id)
    del params["customer_email"]
    params["payment_intent_data"]["setup_future_usage"] = "on_session"
    session = sdk.v1.checkout.sessions.create(params=params)

    paid = pay_with_test_card(client, session.id, number="5555 5555 5555 4444", email="ada@example.com")

    assert paid.status_code == 302
    session = sdk.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    [saved] = sdk.v1.payment_methods.list(params={"customer": customer.id}).data
    assert (saved.card.brand, saved.card.last4, saved.card.exp_month, saved.card.exp_year) == (
        "mastercard", "4444", 12, 2034,
    )  # fmt: skip
    assert (session.customer, session.payment_intent.customer, session.payment_intent.payment_method) == (
        customer.id, customer.id, saved.id,
    )  # fmt: skip


def test_checkout_without_setup_future_usage_saves_nothing(sdk, client):
    customer = sdk.v1.customers.create(params={"email": "ada@example.com"})
    params = checkout_session_params(customer=customer.id)
    del params["customer_email"]
    session = sdk.v1.checkout.sessions.create(params=params)

    pay_with_test_card(client, session.id, email="ada@example.com")

    assert sdk.v1.payment_methods.list(params={"customer": customer.id}).data == []
