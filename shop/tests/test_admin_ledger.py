"""Staff admin of seller money: the journal read-only, dated fee rules, transfers, reconciliation reports."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfillment.tests.factories import stock_of
from shop.models import (
    JournalEntry,
    LedgerAccount,
    ReconciliationReport,
    SellerPaymentAccount,
    SellerTransfer,
    TakeRate,
)
from shop.services.ledger import account, post_entry, seller_account, transfer
from shop.tests.factories import CategoryFactory, SellerFactory, VariantFactory, paid_order
from shop.tests.seller_money_support import deliver, onboard, pay_order
from shop.tests.test_payments_support import local_stripe_fixture, stocked_variant  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
A = LedgerAccount.Kind


def _entries(count: int) -> None:
    for _ in range(count):
        seller = SellerFactory()
        postings = transfer(
            debit=account(A.PLATFORM_CASH), credit=seller_account(seller.pk), amount_minor=100, currency="USD"
        )
        post_entry(kind="charge", key=f"k{seller.pk}", order_id=seller.pk, postings=postings)


def _take_rates(count: int) -> None:
    for _ in range(count):
        TakeRate.objects.create(category=CategoryFactory(), rate_percent=Decimal("9"), effective_from=timezone.now(),
                                source="test")  # fmt: skip


def _reports(count: int) -> None:
    start = ReconciliationReport.objects.count()
    for offset in range(start, start + count):
        ReconciliationReport.objects.create(day=date(2026, 1, 1) + timedelta(days=offset), ran_at=timezone.now())


def _transfers(count: int) -> None:
    for _ in range(count):
        variant = VariantFactory()
        stock_of(variant, quantity=5)
        order = paid_order((variant, 1))
        SellerTransfer.objects.create(seller=SellerFactory(), order=order, currency="USD", amount_minor=100,
                                      charge_id="ch_1", idempotency_key=f"t{order.pk}")  # fmt: skip


@pytest.mark.parametrize(
    ("model", "make_rows"),
    [("journalentry", _entries), ("ledgeraccount", _entries), ("takerate", _take_rates),
     ("reconciliationreport", _reports), ("sellertransfer", _transfers)],
)  # fmt: skip
def test_changelist_query_count_does_not_grow_with_rows(assert_changelist_queries_constant, model, make_rows):
    assert_changelist_queries_constant(reverse(f"admin:shop_{model}_changelist"), make_rows)


def test_the_journal_cannot_be_edited_or_deleted_from_the_admin(staff_client):
    _entries(1)
    entry = JournalEntry.objects.get()

    page = staff_client.get(reverse("admin:shop_journalentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert b"1.00 USD" in page.content and b"-1.00 USD" in page.content
    assert (
        staff_client.post(reverse("admin:shop_journalentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert staff_client.get(reverse("admin:shop_journalentry_add")).status_code == 403
    assert JournalEntry.objects.count() == 1


def test_a_take_rate_in_effect_is_read_only_and_a_future_one_can_be_corrected(staff_client):
    current = TakeRate.objects.get(category=None)
    future = TakeRate.objects.create(rate_percent=Decimal("9"), effective_from=timezone.now() + timedelta(days=3),
                                     source="Next quarter")  # fmt: skip

    staff_client.post(reverse("admin:shop_takerate_change", args=[current.pk]), {"rate_percent": "1"})
    current.refresh_from_db()
    assert current.rate_percent == Decimal("8.00")
    response = staff_client.post(
        reverse("admin:shop_takerate_change", args=[future.pk]),
        {"rate_percent": "9.50", "effective_from_0": (timezone.now() + timedelta(days=3)).date().isoformat(),
         "effective_from_1": "00:00:00", "source": "Next quarter, revised", "category": ""},
    )  # fmt: skip
    assert response.status_code == 302
    future.refresh_from_db()
    assert future.rate_percent == Decimal("9.50")


def test_a_take_rate_above_50_percent_is_refused(staff_client):
    response = staff_client.post(
        reverse("admin:shop_takerate_add"),
        {"rate_percent": "75", "effective_from_0": "2027-01-01", "effective_from_1": "00:00:00", "source": "x"},
    )
    assert response.status_code == 200
    assert "less than or equal to 50" in response.content.decode()
    assert TakeRate.objects.count() == 1


def test_the_reconciliation_report_shows_each_difference_and_its_cause(staff_client):
    report = ReconciliationReport.objects.create(
        day=date(2026, 12, 2), ran_at=timezone.now(),
        totals=[{"currency": "USD", "category": "refund", "ledger": 0, "stripe": -500}],
        differences=[{"category": "refund", "external_id": "re_9", "currency": "USD", "ledger": None, "stripe": -500,
                      "cause": "missing_in_ledger", "explanation": "Stripe moved money the ledger has no entry for"}],
    )  # fmt: skip

    listing = staff_client.get(reverse("admin:shop_reconciliationreport_changelist")).content.decode()
    page = staff_client.get(reverse("admin:shop_reconciliationreport_change", args=[report.pk])).content.decode()

    assert "1 difference(s)" in listing
    assert "re_9" in page and "-5.00 USD" in page and "Stripe moved money the ledger has no entry for" in page


def test_ledger_pages_are_for_staff_only(client, seller_client):
    for url in (reverse("admin:shop_journalentry_changelist"), reverse("admin:shop_reconciliationreport_changelist")):
        assert client.get(url).status_code == 302
        assert seller_client.get(url).status_code == 302


def test_staff_pay_a_seller_now_from_the_admin(staff_client, client, local_stripe, django_capture_on_commit_callbacks):
    tea = stocked_variant(price="12.50")
    order = pay_order(client, django_capture_on_commit_callbacks, (tea, 2))
    onboard(client, tea.product.seller)
    deliver(order, at=timezone.now() - timedelta(days=31))
    account_row = SellerPaymentAccount.objects.get(seller=tea.product.seller)

    response = staff_client.post(
        reverse("admin:shop_sellerpaymentaccount_changelist"),
        {"action": "pay_now", "_selected_action": [account_row.pk]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [f"{tea.product.seller}: 21.00 USD."]
    assert SellerTransfer.objects.get().status == "paid"
