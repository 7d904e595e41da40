"""Sellers paid by transfer: held until delivery plus the return window, reversed on a later refund, debts carried."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from shop.ledger.tasks import pay_sellers
from shop.models import JournalEntry, SellerPaymentAccount, SellerTransfer
from shop.payments import gateway
from shop.payments.local_stripe.testing import local_client
from shop.services.ledger import unbalanced_entries
from shop.services.payments import refund_order
from shop.services.seller_accounts import start_seller_onboarding
from shop.services.seller_transfers import PlannedTransfer, pay_seller, plan_seller_transfers
from shop.tests.seller_money_support import (
    deliver,
    onboard,
    owed_to,
    paid_order_fixture,  # noqa: F401  (fixture "paid_order")
    pay_order,
)
from shop.tests.test_payments_support import (  # noqa: F401  (fixture "local_stripe")
    deliver_stand_in_events,
    local_stripe_fixture,
    stocked_variant,
)

pytestmark = pytest.mark.django_db
LONG_AGO = timedelta(days=31)


def _stripe_transfers(seller) -> list:
    return local_client().v1.transfers.list(params={"destination": seller.payment_account.stripe_account_id}).data


def test_nothing_is_paid_before_delivery_plus_the_return_window(paid_order, client):
    seller = paid_order.tea_seller
    onboard(client, seller)

    assert pay_seller(seller_id=seller.pk) == []  # not delivered
    deliver(paid_order, at=timezone.now() - timedelta(days=29))
    assert pay_seller(seller_id=seller.pk) == []  # delivered, return window still open

    assert owed_to(seller) == 2100
    assert not SellerTransfer.objects.exists()


def test_after_the_window_the_seller_gets_one_transfer_from_the_orders_charge(paid_order, client):
    seller = paid_order.tea_seller
    onboard(client, seller)
    deliver(paid_order, at=timezone.now() - LONG_AGO)

    [transfer] = pay_seller(seller_id=seller.pk)

    charge = gateway.charge_of_payment_intent(paid_order.payments.get().payment_intent_id)
    [at_stripe] = _stripe_transfers(seller)
    assert (at_stripe.amount, at_stripe.source_transaction, at_stripe.transfer_group) == (
        2100,
        charge,
        paid_order.number,
    )
    assert (transfer.status, transfer.stripe_transfer_id, transfer.charge_id) == ("paid", at_stripe.id, charge)
    assert owed_to(seller) == 0
    assert JournalEntry.objects.get(kind="transfer").external_id == at_stripe.id
    # Run again (the next beat): nothing more to pay.
    assert pay_seller(seller_id=seller.pk) == []
    assert len(_stripe_transfers(seller)) == 1
    assert unbalanced_entries() == []


def test_a_seller_not_onboarded_keeps_their_earnings_in_their_balance(paid_order):
    deliver(paid_order, at=timezone.now() - LONG_AGO)

    assert pay_seller(seller_id=paid_order.cup_seller.pk) == []
    assert owed_to(paid_order.cup_seller) == 636


def test_a_refund_before_the_transfer_lowers_it(paid_order, client, django_capture_on_commit_callbacks):
    seller = paid_order.tea_seller
    onboard(client, seller)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.tea.pk, 1)])
    deliver(paid_order, at=timezone.now() - LONG_AGO)

    [transfer] = pay_seller(seller_id=seller.pk)

    # 12.50 kept, less its 1.00 fee, less pick and pack of both units shipped.
    assert transfer.amount_minor == 1250 - 100 - 200 == 950


def test_a_refund_after_the_transfer_reverses_what_the_seller_now_owes(
    paid_order, client, django_capture_on_commit_callbacks, deliver_events
):
    seller = paid_order.tea_seller
    onboard(client, seller)
    deliver(paid_order, at=timezone.now() - LONG_AGO)
    [transfer] = pay_seller(seller_id=seller.pk)

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.tea.pk, 1)])
    deliver_events()

    transfer.refresh_from_db()
    [at_stripe] = _stripe_transfers(seller)
    # The seller had 12.50 - 1.00 fee of the refunded unit: 11.50 comes back.
    assert (transfer.amount_reversed_minor, at_stripe.amount_reversed) == (1150, 1150)
    assert owed_to(seller) == 0
    assert JournalEntry.objects.get(kind="transfer_reversal").external_id == at_stripe.reversals.data[0].id
    deliver_events()  # the fact delivered again: nothing more is reversed
    assert local_client().v1.transfers.retrieve(at_stripe.id).amount_reversed == 1150
    assert unbalanced_entries() == []


def test_a_negative_balance_is_carried_to_the_next_transfer(
    paid_order, client, django_capture_on_commit_callbacks, deliver_events
):
    seller = paid_order.tea_seller
    onboard(client, seller)
    deliver(paid_order, at=timezone.now() - LONG_AGO)
    pay_seller(seller_id=seller.pk)  # 21.00
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, reason="Cancelled")  # everything, after the transfer
    deliver_events()
    # The whole transfer came back; the pick and pack of the 2 units shipped is still owed.
    assert owed_to(seller, order_id=paid_order.pk) == -200
    assert pay_seller(seller_id=seller.pk) == []  # nothing covers the debt yet: carried

    another = stocked_variant(price="30.00")
    another.product.seller = seller
    another.product.save()
    second = pay_order(client, django_capture_on_commit_callbacks, (another, 1))
    deliver(second, at=timezone.now() - LONG_AGO)
    [transfer] = pay_seller(seller_id=seller.pk)

    # 30.00 - 2.40 fee - 1.00 pick and pack, less the 2.00 carried.
    assert transfer.amount_minor == 3000 - 240 - 100 - 200 == 2460
    assert transfer.settles == {str(paid_order.pk): 200}
    assert owed_to(seller) == 0
    assert unbalanced_entries() == []


def test_a_worker_killed_after_stripe_answered_sends_the_same_transfer_once(paid_order, client, monkeypatch):
    seller = paid_order.tea_seller
    onboard(client, seller)
    deliver(paid_order, at=timezone.now() - LONG_AGO)
    real = gateway.create_transfer

    def killed_after_the_call(**kwargs):
        real(**kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(gateway, "create_transfer", killed_after_the_call)
    with pytest.raises(SystemExit):
        pay_seller(seller_id=seller.pk)
    assert SellerTransfer.objects.get().status == "pending"
    assert owed_to(seller) == 2100  # not posted: not known to be sent

    monkeypatch.setattr(gateway, "create_transfer", real)
    [transfer] = pay_seller(seller_id=seller.pk)

    assert len(_stripe_transfers(seller)) == 1
    assert transfer.stripe_transfer_id == _stripe_transfers(seller)[0].id
    assert owed_to(seller) == 0
    assert SellerTransfer.objects.count() == 1


def test_debts_are_taken_from_the_largest_earnings_first_and_never_make_a_transfer_negative():
    plans = plan_seller_transfers(owed={1: 500, 2: 1000, 3: 50}, debts={7: 1200, 8: 100})

    assert plans == [PlannedTransfer(order_id=1, amount_minor=200, settles={7: 200, 8: 100}),
                     PlannedTransfer(order_id=3, amount_minor=50, settles={})]  # fmt: skip
    assert plan_seller_transfers(owed={1: 100}, debts={2: 300}) == []


def test_stripes_account_updated_webhook_keeps_the_sellers_account_current(
    paid_order, client, django_capture_on_commit_callbacks
):
    seller = paid_order.tea_seller
    url = start_seller_onboarding(seller=seller, refresh_url="http://testserver/a", return_url="http://testserver/b")
    assert client.post(urlsplit(url).path).status_code == 302  # onboarded at Stripe; we were not told yet
    assert SellerPaymentAccount.objects.get(seller=seller).payouts_enabled is False

    with django_capture_on_commit_callbacks(execute=True):  # the stored event is processed by its task
        deliver_stand_in_events(client, "account.updated")

    account = SellerPaymentAccount.objects.get(seller=seller)
    assert (account.payouts_enabled, account.charges_enabled, account.requirements_due) == (True, True, [])


def test_the_beat_task_pays_every_onboarded_seller_with_a_balance(paid_order, client, settings):
    settings.SELLER_HOLD_DAYS_AFTER_DELIVERY = 0
    onboard(client, paid_order.tea_seller)
    deliver(paid_order, at=timezone.now() - timedelta(minutes=1))

    assert pay_sellers.delay().get() == 1  # the tea seller: the cup seller has not onboarded

    assert owed_to(paid_order.tea_seller) == 0
    assert owed_to(paid_order.cup_seller) == 636
    assert pay_sellers.delay().get() == 1 and SellerTransfer.objects.count() == 1  # a second run pays nothing
