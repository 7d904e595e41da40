"""Payouts through the real stripe SDK and the local stand-in: account, onboarding, transfers per charge."""

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from creators.models import Commission, Payout
from creators.services.commissions import record_order_commissions
from creators.services.payouts import (
    PayoutNotPossible,
    pay_creator,
    plan_transfers,
    refresh_payout_account,
    start_payout_onboarding,
)
from creators.tests.factories import CreatorFactory
from creators.tests.money import click, local_stripe_fixture, order_paid_at, pay_through_stand_in, tagged_variant  # noqa: F401
from shop.models import LocalStripeIdempotencyKey
from shop.payments.local_stripe.testing import local_client

pytestmark = pytest.mark.django_db

RETURN_URL = "http://testserver/studio/earnings/payout-account/return/"
REFRESH_URL = "http://testserver/studio/earnings/payout-account/"


def _onboard(client, creator) -> None:
    url = start_payout_onboarding(creator=creator, refresh_url=REFRESH_URL, return_url=RETURN_URL)
    response = client.post(urlsplit(url).path)
    assert response.status_code == 302 and response["Location"] == RETURN_URL
    assert refresh_payout_account(creator=creator) is True


def _payable_order(creator, *, quantity=2, price="20.00"):
    """A paid order (a real stand-in charge) whose commission is payable; answers (order, charge id)."""
    token = uuid.uuid4().hex
    now = timezone.now()
    tag, variant = tagged_variant(creator=creator, price=price)
    click(tag, at=now - timedelta(hours=1), session_key=token)
    order = order_paid_at((variant, quantity), paid_at=now, token=token)
    charge = pay_through_stand_in(order)
    record_order_commissions(order_id=order.pk)
    Commission.objects.filter(order_line__order=order).update(status=Commission.Status.PAYABLE)
    return order, charge


def _transfers(creator):
    return local_client().v1.transfers.list(params={"destination": creator.stripe_account_id}).data


def test_a_creator_connects_an_express_account_through_an_onboarding_link(local_stripe, client):
    creator = CreatorFactory()

    url = start_payout_onboarding(creator=creator, refresh_url=REFRESH_URL, return_url=RETURN_URL)

    creator.refresh_from_db()
    assert creator.stripe_account_id.startswith("acct_")
    assert creator.payouts_enabled is False
    assert urlsplit(url).path.startswith("/test-payments/connect/onboarding/")
    assert refresh_payout_account(creator=creator) is False
    assert client.post(urlsplit(url).path)["Location"] == RETURN_URL
    assert refresh_payout_account(creator=creator) is True
    creator.refresh_from_db()
    assert creator.payouts_enabled is True
    # A second link reuses the same account.
    start_payout_onboarding(creator=creator, refresh_url=REFRESH_URL, return_url=RETURN_URL)
    assert len(local_client().v1.accounts.retrieve(creator.stripe_account_id).id) > 0


def test_a_payout_pays_each_source_charge_with_one_transfer(local_stripe, client, staff_user):
    creator = CreatorFactory()
    _onboard(client, creator)
    first, first_charge = _payable_order(creator, quantity=2)  # 400
    second, second_charge = _payable_order(creator, quantity=1)  # 200

    [payout] = pay_creator(creator_id=creator.pk, by=staff_user)

    assert (payout.status, payout.amount_cents, payout.currency, payout.created_by) == ("paid", 600, "USD", staff_user)
    transfers = sorted(_transfers(creator), key=lambda t: t.amount)
    assert [(t.amount, t.source_transaction, t.transfer_group) for t in transfers] == [
        (200, second_charge, second.number),
        (400, first_charge, first.number),
    ]
    assert sorted(payout.stripe_transfer_ids) == sorted(t.id for t in transfers)
    keys = set(LocalStripeIdempotencyKey.objects.values_list("key", flat=True))
    assert {f"payout:{payout.pk}:transfer:{first_charge}", f"payout:{payout.pk}:transfer:{second_charge}"} <= keys
    assert set(Commission.objects.values_list("status", "payout_id")) == {("paid", payout.pk)}


def test_paying_again_pays_nothing_twice(local_stripe, client):
    creator = CreatorFactory()
    _onboard(client, creator)
    _payable_order(creator)
    pay_creator(creator_id=creator.pk)

    assert pay_creator(creator_id=creator.pk) == []

    assert len(_transfers(creator)) == 1
    assert Payout.objects.count() == 1


def test_a_stripe_error_fails_the_payout_and_the_commissions_are_payable_again(local_stripe, client):
    creator = CreatorFactory()
    start_payout_onboarding(creator=creator, refresh_url=REFRESH_URL, return_url=RETURN_URL)
    creator.refresh_from_db()
    creator.payouts_enabled = True  # stale: Stripe has not enabled transfers yet
    creator.save()
    _payable_order(creator)

    [payout] = pay_creator(creator_id=creator.pk)

    assert payout.status == "failed"
    assert "capabilities" in payout.failure_message
    assert list(Commission.objects.values_list("status", "payout_id")) == [("payable", None)]
    assert _transfers(creator) == []


def test_a_failed_payout_is_retried_as_the_same_payout_once_the_account_can_be_paid(local_stripe, client):
    creator = CreatorFactory()
    url = start_payout_onboarding(creator=creator, refresh_url=REFRESH_URL, return_url=RETURN_URL)
    creator.refresh_from_db()
    creator.payouts_enabled = True
    creator.save()
    _payable_order(creator)
    [failed] = pay_creator(creator_id=creator.pk)
    client.post(urlsplit(url).path)

    [paid] = pay_creator(creator_id=creator.pk)

    assert (paid.pk, paid.status, paid.failure_message) == (failed.pk, "paid", "")
    assert len(_transfers(creator)) == 1


def test_a_negative_adjustment_is_netted_in_the_next_payout(local_stripe, client):
    creator = CreatorFactory()
    _onboard(client, creator)
    refunded, _ = _payable_order(creator, quantity=1)  # 200, paid earlier, then refunded after payout
    pay_creator(creator_id=creator.pk)
    line = refunded.lines.get()
    adjustment = Commission.objects.create(
        creator=creator,
        order_line=line,
        kind=Commission.Kind.ADJUSTMENT,
        status=Commission.Status.PAYABLE,
        rate=line.affiliate_commission_rate,
        base_cents=2000,
        amount_cents=-150,
        currency="USD",
    )
    fresh, fresh_charge = _payable_order(creator, quantity=2)  # 400

    [payout] = pay_creator(creator_id=creator.pk)

    assert payout.amount_cents == 250
    newest = [t for t in _transfers(creator) if t.id in payout.stripe_transfer_ids]
    assert [(t.amount, t.source_transaction, t.transfer_group) for t in newest] == [(250, fresh_charge, fresh.number)]
    adjustment.refresh_from_db()
    assert (adjustment.status, adjustment.payout_id) == ("paid", payout.pk)


def test_adjustments_larger_than_earnings_wait(local_stripe, client):
    creator = CreatorFactory()
    _onboard(client, creator)
    order, _ = _payable_order(creator, quantity=1)  # 200
    line = order.lines.get()
    Commission.objects.create(
        creator=creator, order_line=line, kind="adjustment", status="payable", rate=10, base_cents=0,
        amount_cents=-300, currency="USD",
    )  # fmt: skip

    assert pay_creator(creator_id=creator.pk) == []
    assert Commission.objects.filter(status="payable", payout__isnull=True).count() == 2


def test_a_creator_without_a_payout_account_cannot_be_paid(local_stripe):
    creator = CreatorFactory()

    with pytest.raises(PayoutNotPossible) as error:
        pay_creator(creator_id=creator.pk)

    assert error.value.code == "no_payout_account"


def test_transfer_plans_take_negative_nets_from_the_largest_charge():
    plans = plan_transfers({("ch_a", "M-1"): 400, ("ch_b", "M-2"): 100, ("ch_c", "M-3"): -150})

    assert [(p.charge_id, p.amount_cents, p.transfer_group) for p in plans] == [
        ("ch_a", 250, "M-1"),
        ("ch_b", 100, "M-2"),
    ]
