"""Reconciliation: the ledger's cash against Stripe's balance transactions to the cent, each difference explained."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from shop.models import LedgerAccount, ReconciliationReport
from shop.payments.local_stripe.testing import local_client
from shop.services.ledger import account, balance_of, post_entry, transfer
from shop.services.payments import refund_order
from shop.services.reconciliation import Item, compare, reconcile_day
from shop.services.seller_transfers import pay_seller
from shop.tests.seller_money_support import (
    deliver,
    onboard,
    paid_order_fixture,  # noqa: F401  (fixture "paid_order")
)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = pytest.mark.django_db
A = LedgerAccount.Kind


def _stripe_balance(currency: str = "usd") -> int:
    """The platform's balance at the stand-in: the sum of its balance transactions, net of fees."""
    return sum(txn.net for txn in local_client().v1.balance_transactions.list(params={"limit": 100}).data
               if txn.currency == currency)  # fmt: skip


def test_a_day_of_charges_refunds_transfers_and_reversals_agrees_to_the_cent(
    paid_order, client, django_capture_on_commit_callbacks, deliver_events, staff_user
):
    seller = paid_order.tea_seller
    onboard(client, seller)
    deliver(paid_order, at=timezone.now() - timezone.timedelta(days=31))
    pay_seller(seller_id=seller.pk)
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.tea.pk, 1)])
    deliver_events()  # the transfer is partly reversed

    report = reconcile_day(day=timezone.now().date())

    assert report.differences == []
    assert report.balanced
    totals = {row["category"]: (row["ledger"], row["stripe"]) for row in report.totals}
    assert totals == {
        "charge": (4262, 4262),
        "fee": (-154, -154),  # 2.9 % of 42.62 + 0.30
        "refund": (-1250, -1250),
        "transfer": (-2100, -2100),
        "transfer_reversal": (1150, 1150),
    }
    # The ledger's cash is Stripe's balance.
    assert balance_of(account(A.PLATFORM_CASH), currency="USD") == _stripe_balance() == 4262 - 154 - 1250 - 2100 + 1150
    assert not [email for email in mail.outbox if "Reconciliation" in email.subject]
    # Run again: the fees are not posted twice and the answer is the same.
    assert reconcile_day(day=timezone.now().date()).differences == []
    assert ReconciliationReport.objects.count() == 1


def test_planted_differences_are_found_with_their_causes_and_staff_are_alerted(paid_order, staff_user, caplog):
    # Stripe refunded 5.00 the ledger never heard of (someone used Stripe's dashboard; no webhook yet) ...
    intent = paid_order.payments.get().payment_intent_id
    refund = local_client().v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    # ... and the ledger has cash Stripe never received.
    post_entry(kind="adjustment", key="planted", external_id="ch_missing", postings=transfer(
        debit=account(A.PLATFORM_CASH), credit=account(A.REFUNDS), amount_minor=1234, currency="USD"))  # fmt: skip

    report = reconcile_day(day=timezone.now().date())

    causes = {(d["category"], d["external_id"]): (d["cause"], d["ledger"], d["stripe"]) for d in report.differences}
    assert causes == {
        ("refund", refund.id): ("missing_in_ledger", None, -500),
        ("adjustment", "ch_missing"): ("missing_at_stripe", 1234, None),
    }
    assert "Ledger and Stripe differ" in caplog.text
    [alert] = [email for email in mail.outbox if "Reconciliation" in email.subject]
    assert alert.to == [staff_user.email]
    assert refund.id in alert.body


def test_the_command_says_when_all_agrees_and_fails_on_a_difference(paid_order):
    out = StringIO()
    call_command("reconcile_ledger", "--day", timezone.now().date().isoformat(), stdout=out)
    assert "agrees with Stripe to the cent" in out.getvalue()

    post_entry(kind="adjustment", key="planted", external_id="x", postings=transfer(
        debit=account(A.PLATFORM_CASH), credit=account(A.REFUNDS), amount_minor=1, currency="USD"))  # fmt: skip
    with pytest.raises(CommandError, match="1 difference"):
        call_command("reconcile_ledger", "--day", timezone.now().date().isoformat(), "--no-alert", stdout=StringIO())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("reconcile_ledger", "--day", "yesterday")


def test_amounts_that_differ_are_told_apart_from_missing_ones():
    stripe = [Item("charge", "pi_1", "USD", 1000), Item("charge", "pi_2", "JPY", 500)]
    ledger = [Item("charge", "pi_1", "USD", 999), Item("charge", "pi_2", "JPY", 500)]

    [difference] = compare(stripe=stripe, ledger=ledger)

    assert (difference["cause"], difference["ledger"], difference["stripe"]) == ("amount_differs", 999, 1000)
