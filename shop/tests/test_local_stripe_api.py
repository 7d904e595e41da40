"""The local Stripe stand-in through the real SDK: shapes, errors, idempotency, refunds, Connect."""

import threading
import time

import pytest
import stripe
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from shop.models import LocalStripeIdempotencyKey, LocalStripeObject
from shop.payments.local_stripe import store
from shop.payments.local_stripe.checkout import PaidCard, pay_session
from shop.payments.local_stripe.encoding import decode_form
from shop.payments.local_stripe.http_client import LocalStripeHTTPClient
from shop.payments.local_stripe.testing import checkout_session_params, local_client

pytestmark = pytest.mark.django_db

CARD = PaidCard(brand="visa", last4="4242", exp_month=12, exp_year=2034, funding="credit", name="Ada", email="a@x.io")


@pytest.fixture(autouse=True)
def _test_keys_no_delivery(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_LOCAL_WEBHOOK_URL = ""  # events are stored; delivery has its own tests


@pytest.fixture
def sdk():
    return local_client()


def paid_session(sdk, **overrides):
    session = sdk.v1.checkout.sessions.create(params=checkout_session_params(**overrides))
    pay_session(session_id=session.id, card=CARD)
    return sdk.v1.checkout.sessions.retrieve(session.id)


def events_of(event_type):
    return [row.data for row in LocalStripeObject.objects.filter(object="event", data__type=event_type)]


# Form decoding


def test_form_bodies_decode_to_nested_dicts_and_lists():
    body = (
        "line_items[0][price_data][product_data][name]=Mug%20%26%20co&line_items[0][quantity]=2"
        "&line_items[1][quantity]=1&metadata[order_number]=M-1&expand[0]=payment_intent&mode=payment"
    )

    assert decode_form(body) == {
        "line_items": [{"price_data": {"product_data": {"name": "Mug & co"}}, "quantity": "2"}, {"quantity": "1"}],
        "metadata": {"order_number": "M-1"},
        "expand": ["payment_intent"],
        "mode": "payment",
    }


# Checkout Sessions


def test_a_created_session_has_stripes_shape_and_points_at_the_hosted_page(sdk, settings):
    settings.SITE_URL = "http://shop.test:8000"

    session = sdk.v1.checkout.sessions.create(params=checkout_session_params())

    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.url == f"http://shop.test:8000/test-payments/checkout/{session.id}/"
    assert (session.status, session.payment_status, session.payment_intent) == ("open", "unpaid", None)
    assert (session.amount_subtotal, session.amount_total, session.currency) == (3000, 3000, "usd")
    assert session.customer_email == "shopper@example.com"
    assert session.metadata.to_dict() == {"order_number": "M-1001"}
    assert session.client_reference_id == "order-1001"
    assert session.success_url.endswith("?session_id={CHECKOUT_SESSION_ID}")
    assert session.mode == "payment"
    assert session.livemode is False
    assert session.expires_at > session.created
    assert "_line_items" not in session.to_dict()


def test_a_session_is_retrieved_and_its_line_items_listed(sdk):
    created = sdk.v1.checkout.sessions.create(params=checkout_session_params())

    session = sdk.v1.checkout.sessions.retrieve(created.id)
    items = sdk.v1.checkout.sessions.line_items.list(created.id)

    assert session.to_dict() == created.to_dict()
    assert items.object == "list"
    assert [(i.description, i.quantity, i.amount_total, i.currency) for i in items.data] == [
        ("Blue mug", 2, 2500, "usd"),
        ("Sticker", 1, 500, "usd"),
    ]
    assert all(item.id.startswith("li_") for item in items.data)


def test_an_unknown_session_is_resource_missing(sdk):
    with pytest.raises(stripe.InvalidRequestError) as error:
        sdk.v1.checkout.sessions.retrieve("cs_test_nope")

    assert error.value.http_status == 404
    assert error.value.code == "resource_missing"
    assert "No such checkout.session: 'cs_test_nope'" in error.value.user_message


@pytest.mark.parametrize(
    ("seconds", "message"),
    [(29 * 60, "at least 30 minutes"), (24 * 3600 + 120, "less than 24 hours"), (-60, "at least 30 minutes")],
)
def test_expires_at_outside_30_minutes_to_24_hours_is_refused(sdk, seconds, message):
    with pytest.raises(stripe.InvalidRequestError) as error:
        sdk.v1.checkout.sessions.create(params=checkout_session_params(expires_at=int(time.time()) + seconds))

    assert error.value.param == "expires_at"
    assert message in error.value.user_message
    assert not LocalStripeObject.objects.filter(object="checkout.session").exists()


def test_expires_at_may_be_exactly_30_minutes_or_24_hours_away(sdk):
    for seconds in (30 * 60, 24 * 3600):
        session = sdk.v1.checkout.sessions.create(params=checkout_session_params(expires_at=int(time.time()) + seconds))
        assert session.expires_at - session.created in (seconds, seconds - 1)


def test_missing_and_unknown_parameters_are_refused_as_stripe_does(sdk):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        sdk.v1.checkout.sessions.create(params=checkout_session_params(line_items=[]))
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        sdk.v1.checkout.sessions.create(params=checkout_session_params(sucess_url="http://x/"))
    with pytest.raises(stripe.InvalidRequestError) as no_name:
        sdk.v1.checkout.sessions.create(
            params=checkout_session_params(
                line_items=[
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 100,
                            "product_data": {"description": "no name"},
                        },
                        "quantity": 1,
                    }
                ]
            )
        )

    assert (missing.value.code, missing.value.param) == ("parameter_missing", "line_items")
    assert (unknown.value.code, unknown.value.param) == ("parameter_unknown", "sucess_url")
    assert no_name.value.param == "line_items[0][price_data][product_data][name]"


def test_an_open_session_expires_once_and_announces_it(sdk):
    session = sdk.v1.checkout.sessions.create(params=checkout_session_params())

    expired = sdk.v1.checkout.sessions.expire(session.id)
    with pytest.raises(stripe.InvalidRequestError) as again:
        sdk.v1.checkout.sessions.expire(session.id)

    assert (expired.status, expired.payment_status, expired.url) == ("expired", "unpaid", None)
    assert "not in an expireable state" in again.value.user_message
    [event] = events_of("checkout.session.expired")
    assert event["data"]["object"]["id"] == session.id
    assert event["data"]["object"]["status"] == "expired"


def test_a_paid_session_cannot_be_expired(sdk):
    session = paid_session(sdk)

    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.checkout.sessions.expire(session.id)


def test_a_session_past_its_expiry_reads_as_expired(sdk):
    session = sdk.v1.checkout.sessions.create(params=checkout_session_params())
    data = store.load(session.id)
    data["expires_at"] = store.now() - 1
    store.save(data)

    assert sdk.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert len(events_of("checkout.session.expired")) == 1


def test_a_paid_session_has_a_succeeded_payment_intent_and_charge(sdk):
    session = paid_session(sdk)

    intent = sdk.v1.payment_intents.retrieve(session.payment_intent)
    charge = sdk.v1.charges.retrieve(intent.latest_charge)

    assert (session.status, session.payment_status) == ("complete", "paid")
    assert intent.id.startswith("pi_")
    assert (intent.status, intent.amount, intent.amount_received, intent.currency) == ("succeeded", 3000, 3000, "usd")
    assert intent.metadata.to_dict() == {"order_number": "M-1001"}
    assert intent.transfer_group == "M-1001"
    assert charge.id.startswith("ch_")
    assert (charge.amount, charge.amount_refunded, charge.refunded, charge.payment_intent) == (
        3000,
        0,
        False,
        intent.id,
    )
    assert charge.payment_method_details.card.last4 == "4242"


def test_expand_follows_ids(sdk):
    session = paid_session(sdk)

    expanded = sdk.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent.latest_charge", "line_items"]}
    )

    assert expanded.payment_intent.latest_charge.amount == 3000
    assert len(expanded.line_items.data) == 2


def test_sessions_are_listed_by_payment_intent(sdk):
    session = paid_session(sdk)
    sdk.v1.checkout.sessions.create(params=checkout_session_params())

    found = sdk.v1.checkout.sessions.list(params={"payment_intent": session.payment_intent})

    assert [item.id for item in found.data] == [session.id]


def test_an_unknown_url_is_a_404_invalid_request(sdk):
    with pytest.raises(stripe.InvalidRequestError) as error:
        sdk.v1.invoices.retrieve("in_1")

    assert error.value.http_status == 404
    assert "Unrecognized request URL (GET: /v1/invoices/in_1)" in error.value.user_message


# Idempotency


def test_the_same_key_and_parameters_answer_the_same_session_without_a_second_one(sdk):
    params = checkout_session_params()

    first = sdk.v1.checkout.sessions.create(params=params, options={"idempotency_key": "order-1001-attempt-1"})
    again = sdk.v1.checkout.sessions.create(params=params, options={"idempotency_key": "order-1001-attempt-1"})

    assert again.to_dict() == first.to_dict()
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert LocalStripeObject.objects.filter(object="checkout.session").count() == 1


def test_the_same_key_with_other_parameters_is_an_idempotency_error(sdk):
    sdk.v1.checkout.sessions.create(params=checkout_session_params(), options={"idempotency_key": "k-1"})

    with pytest.raises(stripe.IdempotencyError) as error:
        sdk.v1.checkout.sessions.create(
            params=checkout_session_params(metadata={"order_number": "M-2"}), options={"idempotency_key": "k-1"}
        )

    assert "Keys for idempotent requests can only be used with the same parameters" in error.value.user_message
    assert LocalStripeObject.objects.filter(object="checkout.session").count() == 1


def test_a_refused_request_keeps_no_key_so_it_may_be_corrected(sdk):
    with pytest.raises(stripe.InvalidRequestError):
        sdk.v1.checkout.sessions.create(
            params=checkout_session_params(mode="subscription"), options={"idempotency_key": "k-2"}
        )

    session = sdk.v1.checkout.sessions.create(params=checkout_session_params(), options={"idempotency_key": "k-2"})

    assert session.status == "open"


def test_a_replayed_refund_refunds_once(sdk):
    session = paid_session(sdk)
    params = {"payment_intent": session.payment_intent, "amount": 1000}

    first = sdk.v1.refunds.create(params=params, options={"idempotency_key": "refund-1"})
    again = sdk.v1.refunds.create(params=params, options={"idempotency_key": "refund-1"})

    assert again.id == first.id
    assert (
        sdk.v1.charges.retrieve(sdk.v1.payment_intents.retrieve(session.payment_intent).latest_charge).amount_refunded
        == 1000
    )


def test_a_replay_answers_the_first_refund_even_where_refunding_again_would_now_be_refused(sdk):
    session = paid_session(sdk)
    params = {"payment_intent": session.payment_intent}  # the whole charge: a second refund has nothing left

    first = sdk.v1.refunds.create(params=params, options={"idempotency_key": "refund-all"})
    again = sdk.v1.refunds.create(params=params, options={"idempotency_key": "refund-all"})
    with pytest.raises(stripe.InvalidRequestError):  # the same request with a new key is refused
        sdk.v1.refunds.create(params=params, options={"idempotency_key": "refund-all-2"})

    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_object():
    params = checkout_session_params()
    barrier = threading.Barrier(8)
    ids, replayed, errors = [], [], []

    def create():
        try:
            barrier.wait()
            session = local_client().v1.checkout.sessions.create(params=params, options={"idempotency_key": "race"})
            ids.append(session.id)
            replayed.append(session.last_response.headers.get("Idempotent-Replayed") == "true")
        except Exception as error:  # noqa: BLE001  (collected and asserted below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(ids) == 8 and len(set(ids)) == 1
    assert sorted(replayed) == [False] + [True] * 7
    assert LocalStripeObject.objects.filter(object="checkout.session").count() == 1
    assert LocalStripeIdempotencyKey.objects.filter(key="race").count() == 1


# Refunds


def test_a_partial_then_the_full_remainder_refund(sdk):
    session = paid_session(sdk)

    partial = sdk.v1.refunds.create(
        params={"payment_intent": session.payment_intent, "amount": 1200, "reason": "requested_by_customer"}
    )
    rest = sdk.v1.refunds.create(params={"payment_intent": session.payment_intent, "metadata": {"refund": "R-2"}})
    charge = sdk.v1.charges.retrieve(partial.charge)

    assert partial.id.startswith("re_")
    assert (partial.amount, partial.status, partial.currency, partial.reason) == (
        1200,
        "succeeded",
        "usd",
        "requested_by_customer",
    )
    assert (rest.amount, rest.metadata.to_dict()) == (1800, {"refund": "R-2"})
    assert (charge.amount_refunded, charge.refunded) == (3000, True)
    assert [e["data"]["object"]["amount_refunded"] for e in events_of("charge.refunded")] == [1200, 3000]
    assert len(events_of("refund.updated")) == 2


def test_a_refund_above_what_remains_is_refused(sdk):
    session = paid_session(sdk)
    sdk.v1.refunds.create(params={"payment_intent": session.payment_intent, "amount": 2000})

    with pytest.raises(stripe.InvalidRequestError) as error:
        sdk.v1.refunds.create(params={"payment_intent": session.payment_intent, "amount": 1001})

    assert error.value.code == "amount_too_large"
    assert error.value.user_message == "Refund amount ($10.01) is greater than unrefunded amount on charge ($10.00)"
    assert LocalStripeObject.objects.filter(object="refund").count() == 1


def test_a_fully_refunded_charge_refuses_another_refund(sdk):
    session = paid_session(sdk)
    charge_id = sdk.v1.payment_intents.retrieve(session.payment_intent).latest_charge
    sdk.v1.refunds.create(params={"charge": charge_id})

    with pytest.raises(stripe.InvalidRequestError) as error:
        sdk.v1.refunds.create(params={"charge": charge_id, "amount": 1})

    assert error.value.code == "charge_already_refunded"
    assert error.value.user_message == f"Charge {charge_id} has already been refunded."


def test_an_unpaid_payment_intent_or_unknown_charge_cannot_be_refunded(sdk):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        sdk.v1.refunds.create(params={"charge": "ch_nope"})
    with pytest.raises(stripe.InvalidRequestError) as nothing:
        sdk.v1.refunds.create(params={})

    assert (unknown.value.http_status, unknown.value.code) == (404, "resource_missing")
    assert nothing.value.code == "parameter_missing"


# Connect


def onboarded_account(sdk, client):
    account = sdk.v1.accounts.create(params={"type": "express", "country": "US", "email": "creator@example.com"})
    link = sdk.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "http://testserver/creator/payouts/refresh/",
            "return_url": "http://testserver/creator/payouts/done/",
            "type": "account_onboarding",
        }
    )
    client.post(link.url.removeprefix("http://127.0.0.1:8000"))
    return sdk.v1.accounts.retrieve(account.id)


def test_an_express_account_starts_unable_to_charge_or_be_paid(sdk):
    account = sdk.v1.accounts.create(
        params={
            "type": "express",
            "country": "US",
            "email": "creator@example.com",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "metadata": {"creator_id": "7"},
        }
    )

    fetched = sdk.v1.accounts.retrieve(account.id)

    assert account.id.startswith("acct_")
    assert (fetched.object, fetched.type, fetched.country, fetched.email) == (
        "account",
        "express",
        "US",
        "creator@example.com",
    )
    assert (fetched.charges_enabled, fetched.payouts_enabled, fetched.details_submitted) == (False, False, False)
    assert fetched.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    assert fetched.metadata.to_dict() == {"creator_id": "7"}


def test_the_onboarding_link_page_enables_the_account_and_returns(sdk, client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    account = sdk.v1.accounts.create(params={"type": "express", "email": "creator@example.com"})
    link = sdk.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "http://testserver/refresh/",
            "return_url": "http://testserver/done/",
            "type": "account_onboarding",
        }
    )
    path = link.url.removeprefix("http://127.0.0.1:8000")

    page = client.get(path)
    done = client.post(path)
    reused = client.get(path)

    assert link.object == "account_link" and link.url.startswith(
        "http://127.0.0.1:8000/test-payments/connect/onboarding/"
    )
    assert link.expires_at - link.created == 300
    assert "TEST MODE — local Stripe stand-in, no real money" in page.content.decode()
    assert "creator@example.com" in page.content.decode()
    assert (done.status_code, done["Location"]) == (302, "http://testserver/done/")
    assert (reused.status_code, reused["Location"]) == (302, "http://testserver/refresh/")
    enabled = sdk.v1.accounts.retrieve(account.id)
    assert (enabled.charges_enabled, enabled.payouts_enabled, enabled.details_submitted) == (True, True, True)
    assert len(events_of("account.updated")) == 1


def test_an_expired_account_link_goes_to_its_refresh_url(sdk, client):
    account = sdk.v1.accounts.create(params={"type": "express"})
    link = sdk.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "http://t/refresh/",
            "return_url": "http://t/done/",
            "type": "account_onboarding",
        }
    )
    [row] = LocalStripeObject.objects.filter(object="account_link")
    row.data["expires_at"] = store.now() - 1
    row.save()

    response = client.get(link.url.split("8000", 1)[1])

    assert (response.status_code, response["Location"]) == (302, "http://t/refresh/")


def test_transfers_from_a_charge_never_exceed_it(sdk, client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    account = onboarded_account(sdk, client)
    session = paid_session(sdk)
    charge_id = sdk.v1.payment_intents.retrieve(session.payment_intent).latest_charge
    transfer_params = {
        "currency": "usd",
        "destination": account.id,
        "source_transaction": charge_id,
        "transfer_group": "M-1001",
    }

    first = sdk.v1.transfers.create(params={**transfer_params, "amount": 2000, "metadata": {"creator_id": "7"}})
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        sdk.v1.transfers.create(params={**transfer_params, "amount": 1001})
    last = sdk.v1.transfers.create(params={**transfer_params, "amount": 1000})

    assert first.id.startswith("tr_")
    assert (first.object, first.amount, first.destination, first.source_transaction, first.transfer_group) == (
        "transfer",
        2000,
        account.id,
        charge_id,
        "M-1001",
    )
    assert first.metadata.to_dict() == {"creator_id": "7"}
    assert too_much.value.code == "balance_insufficient"
    assert "1000 usd left to transfer" in too_much.value.user_message
    assert last.amount == 1000
    assert sdk.v1.transfers.retrieve(first.id).amount == 2000


def test_a_reversal_gives_back_room_on_the_charge(sdk, client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    account = onboarded_account(sdk, client)
    session = paid_session(sdk)
    charge_id = sdk.v1.payment_intents.retrieve(session.payment_intent).latest_charge
    params = {"currency": "usd", "destination": account.id, "source_transaction": charge_id}
    transfer = sdk.v1.transfers.create(params={**params, "amount": 3000})

    reversal = sdk.v1.transfers.reversals.create(transfer.id, params={"amount": 500})
    again = sdk.v1.transfers.create(params={**params, "amount": 500})

    assert (reversal.object, reversal.amount) == ("transfer_reversal", 500)
    assert sdk.v1.transfers.retrieve(transfer.id).amount_reversed == 500
    assert again.amount == 500


def test_a_transfer_to_an_account_that_cannot_be_paid_is_refused(sdk):
    account = sdk.v1.accounts.create(params={"type": "express"})
    session = paid_session(sdk)
    charge_id = sdk.v1.payment_intents.retrieve(session.payment_intent).latest_charge

    with pytest.raises(stripe.InvalidRequestError) as not_onboarded:
        sdk.v1.transfers.create(
            params={"amount": 100, "currency": "usd", "destination": account.id, "source_transaction": charge_id}
        )
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        sdk.v1.transfers.create(params={"amount": 100, "currency": "usd", "destination": "acct_nope"})

    assert not_onboarded.value.code == "insufficient_capabilities_for_transfer"
    assert (unknown.value.code, unknown.value.param) == ("resource_missing", "destination")
    assert not LocalStripeObject.objects.filter(object="transfer").exists()


def test_a_transfer_in_another_currency_than_its_charge_is_refused(sdk, client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    account = onboarded_account(sdk, client)
    charge_id = sdk.v1.payment_intents.retrieve(paid_session(sdk).payment_intent).latest_charge

    with pytest.raises(stripe.InvalidRequestError) as error:
        sdk.v1.transfers.create(
            params={"amount": 100, "currency": "eur", "destination": account.id, "source_transaction": charge_id}
        )

    assert error.value.param == "currency"


# Live keys


def test_the_stand_in_refuses_to_exist_beside_a_live_key(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_abc"

    with pytest.raises(ImproperlyConfigured, match="live Stripe key"):
        LocalStripeHTTPClient()


def test_a_client_made_earlier_refuses_once_a_live_key_is_set(sdk, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_abc"

    with pytest.raises(ImproperlyConfigured):
        sdk.v1.checkout.sessions.create(params=checkout_session_params())

    assert not LocalStripeObject.objects.exists()


def test_a_live_key_on_the_request_is_refused():
    live = stripe.StripeClient("sk_live_abc", http_client=LocalStripeHTTPClient())

    with pytest.raises(ImproperlyConfigured):
        live.v1.checkout.sessions.retrieve("cs_test_1")


def test_the_payment_page_refuses_beside_a_live_key(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_abc"

    with pytest.raises(ImproperlyConfigured):
        client.get("/test-payments/checkout/cs_test_1/")
