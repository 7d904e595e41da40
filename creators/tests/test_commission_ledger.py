"""Commissions in the shop's ledger: earned from the seller's share, reversed on refund, paid out by transfer."""

import pytest

from creators.services.commissions import apply_order_refunds
from creators.services.payouts import pay_creator
from creators.tests.factories import CreatorFactory
from creators.tests.money import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")
from creators.tests.test_payouts import _onboard, _payable_order
from shop.models import JournalEntry, LedgerAccount
from shop.services.ledger import account, balance_of, seller_account, unbalanced_entries
from shop.services.payments import refund_order

pytestmark = pytest.mark.django_db
A = LedgerAccount.Kind


def test_an_earned_commission_moves_from_the_seller_to_the_creator_and_a_payout_takes_it_out_of_cash(
    local_stripe, client
):
    creator = CreatorFactory()
    _onboard(client, creator)
    order, _charge = _payable_order(creator, quantity=2, price="20.00")  # 10 % of 40.00
    seller_id = order.lines.get().variant.product.seller_id
    creator_payable = account(A.CREATOR_PAYABLE, creator_id=creator.pk)

    assert balance_of(creator_payable, currency="USD") == -400
    assert balance_of(seller_account(seller_id), currency="USD") == 400  # taken from the seller's share

    [payout] = pay_creator(creator_id=creator.pk)

    assert payout.status == "paid"
    assert balance_of(creator_payable, currency="USD") == 0
    entry = JournalEntry.objects.get(kind="creator_payout")
    assert entry.external_id == payout.stripe_transfer_ids[0]
    assert unbalanced_entries() == []


def test_a_refund_before_payout_gives_the_commission_back_to_the_seller(
    local_stripe, client, django_capture_on_commit_callbacks
):
    creator = CreatorFactory()
    order, _charge = _payable_order(creator, quantity=2, price="20.00")
    line = order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, lines=[(line.pk, 1)], reason="Damaged")

    apply_order_refunds(order_id=order.pk)

    assert balance_of(account(A.CREATOR_PAYABLE, creator_id=creator.pk), currency="USD") == -200
    assert balance_of(seller_account(line.variant.product.seller_id), currency="USD") == 200
    assert JournalEntry.objects.filter(kind="commission_reversal").count() == 1
