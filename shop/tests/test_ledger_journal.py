"""The journal: balanced per currency or refused, written once per key, never edited, balances are sums."""

import pytest
from django.db import IntegrityError, connection, transaction

from shop.models import JournalEntry, JournalLine, LedgerAccount
from shop.services.ledger import (
    Posting,
    UnbalancedEntry,
    account,
    balance_of,
    post_entry,
    seller_account,
    transfer,
    unbalanced_entries,
)
from shop.tests.factories import SellerFactory

pytestmark = pytest.mark.django_db
A = LedgerAccount.Kind


def test_a_balanced_entry_is_written_and_balances_are_its_sums():
    seller = SellerFactory()
    cash, payable = account(A.PLATFORM_CASH), seller_account(seller.pk)

    post_entry(
        kind="charge", key="k1", postings=transfer(debit=cash, credit=payable, amount_minor=1250, currency="USD")
    )
    post_entry(kind="charge", key="k2", postings=transfer(debit=cash, credit=payable, amount_minor=300, currency="JPY"))

    assert balance_of(cash, currency="USD") == 1250
    assert balance_of(payable, currency="USD") == -1250
    assert balance_of(payable, currency="JPY") == -300
    assert unbalanced_entries() == []


def test_an_entry_that_does_not_sum_to_zero_per_currency_is_refused_and_nothing_is_written():
    cash, revenue = account(A.PLATFORM_CASH), account(A.PLATFORM_REVENUE)
    # 100 USD against 100 EUR sums to zero overall, but not in each currency.
    postings = [Posting(cash, 100, "USD"), Posting(revenue, -100, "EUR")]

    with pytest.raises(UnbalancedEntry) as refused:
        post_entry(kind="adjustment", key="bad", postings=postings)

    assert refused.value.imbalance == {"USD": 100, "EUR": -100}
    assert not JournalEntry.objects.exists()
    assert not JournalLine.objects.exists()


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [(1.5, "USD", "integers in minor units"), (100, "XYZ", "ISO 4217"), (True, "USD", "integers")],
)
def test_amounts_that_are_not_whole_minor_units_or_currencies_unknown_are_refused(amount, currency, message):
    cash, revenue = account(A.PLATFORM_CASH), account(A.PLATFORM_REVENUE)

    with pytest.raises(ValueError, match=message):
        post_entry(
            kind="adjustment",
            key="bad",
            postings=[Posting(cash, amount, currency), Posting(revenue, -amount, currency)],
        )

    assert not JournalEntry.objects.exists()


def test_posting_the_same_event_twice_writes_it_once():
    cash, revenue = account(A.PLATFORM_CASH), account(A.PLATFORM_REVENUE)
    postings = transfer(debit=cash, credit=revenue, amount_minor=99, currency="EUR")

    first = post_entry(kind="platform_fee", key="fee:1", postings=postings)
    again = post_entry(kind="platform_fee", key="fee:1", postings=postings)

    assert again.pk == first.pk
    assert balance_of(revenue, currency="EUR") == -99


def test_the_journal_is_append_only():
    cash, revenue = account(A.PLATFORM_CASH), account(A.PLATFORM_REVENUE)
    entry = post_entry(
        kind="adjustment", key="a", postings=transfer(debit=cash, credit=revenue, amount_minor=5, currency="USD")
    )
    line = entry.lines.first()

    with pytest.raises(ValueError, match="never edited"):
        entry.memo = "changed"
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        line.delete()
    with pytest.raises(ValueError, match="never edited"):
        line.amount_minor = 6
        line.save()
    assert balance_of(revenue, currency="USD") == -5


def test_the_database_refuses_a_zero_line_and_a_seller_account_without_a_seller():
    entry = post_entry(kind="adjustment", key="z", postings=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalLine.objects.create(entry=entry, account=account(A.PLATFORM_CASH), amount_minor=0, currency="USD")
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerAccount.objects.create(kind=A.SELLER_PAYABLE)


def test_a_forged_unbalanced_row_is_found_by_the_check():
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses the forged row itself (the test below); the check is SQLite's guard")
    cash = account(A.PLATFORM_CASH)
    entry = post_entry(kind="adjustment", key="f", postings=[])
    JournalLine.objects.bulk_create([JournalLine(entry=entry, account=cash, amount_minor=7, currency="USD")])

    assert unbalanced_entries() == [(entry.pk, "USD", 7)]


def test_each_party_has_one_account():
    seller = SellerFactory()

    assert seller_account(seller.pk).pk == seller_account(seller.pk).pk
    assert account(A.TAX_PAYABLE, jurisdiction="US-NY").pk != account(A.TAX_PAYABLE, jurisdiction="DE").pk
    assert LedgerAccount.objects.filter(kind=A.SELLER_PAYABLE).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgresql_itself_refuses_an_unbalanced_entry_at_commit_and_any_edit_or_delete():
    cash, revenue = account(A.PLATFORM_CASH), account(A.PLATFORM_REVENUE)
    entry = post_entry(kind="adjustment", key="pg", postings=[])

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        JournalLine.objects.bulk_create([JournalLine(entry=entry, account=cash, amount_minor=5, currency="USD")])
    assert not JournalLine.objects.exists()

    postings = transfer(debit=cash, credit=revenue, amount_minor=5, currency="USD")
    balanced = post_entry(kind="adjustment", key="pg-ok", postings=postings)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=balanced).update(amount_minor=6)
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=balanced).delete()
    assert balance_of(revenue, currency="USD") == -5
