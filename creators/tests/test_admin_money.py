"""Staff pages for commissions and payouts: read-only lists, constant queries, the pay action."""

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.admin import helpers
from django.utils import timezone

import creators.admin_money  # noqa: F401  (registers the admins; creators/admin.py imports it too)
from creators.models import Commission, Payout
from creators.services.commissions import record_order_commissions
from creators.services.payouts import refresh_payout_account, start_payout_onboarding
from creators.tests.factories import CreatorFactory
from creators.tests.money import click, local_stripe_fixture, order_paid_at, pay_through_stand_in, tagged_variant  # noqa: F401

pytestmark = pytest.mark.django_db

COMMISSIONS = "/admin/creators/commission/"
PAYOUTS = "/admin/creators/payout/"


def _commission(creator=None, *, pay=False):
    creator = creator or CreatorFactory()
    token = uuid.uuid4().hex
    now = timezone.now()
    tag, variant = tagged_variant(creator=creator)
    click(tag, at=now - timedelta(hours=1), session_key=token)
    order = order_paid_at((variant, 2), paid_at=now, token=token)
    if pay:
        pay_through_stand_in(order)
    record_order_commissions(order_id=order.pk)
    return Commission.objects.get(order_line__order=order)


def test_the_commission_list_makes_as_many_queries_for_30_rows_as_for_1(assert_changelist_queries_constant):
    def make_rows(n):
        for _ in range(n):
            payout = Payout.objects.create(
                creator=CreatorFactory(), amount_cents=1, currency="USD", idempotency_key=uuid.uuid4().hex
            )
            Commission.objects.filter(pk=_commission().pk).update(payout=payout)

    assert_changelist_queries_constant(COMMISSIONS, make_rows)


def test_the_payout_list_makes_as_many_queries_for_30_rows_as_for_1(assert_changelist_queries_constant, staff_user):
    def make_rows(n):
        for _ in range(n):
            Payout.objects.create(
                creator=CreatorFactory(),
                amount_cents=100,
                currency="USD",
                idempotency_key=uuid.uuid4().hex,
                created_by=staff_user,
            )

    assert_changelist_queries_constant(PAYOUTS, make_rows)


def test_commissions_cannot_be_edited_in_the_admin(staff_client):
    commission = _commission()

    staff_client.post(f"{COMMISSIONS}{commission.pk}/change/", {"amount_cents": 1})

    assert Commission.objects.get(pk=commission.pk).amount_cents == 400
    assert staff_client.get(f"{COMMISSIONS}add/").status_code == 403


def test_the_pay_action_confirms_the_amounts_then_pays_through_stripe(local_stripe, client, staff_client):
    creator = CreatorFactory(handle="ada.pays")
    url = start_payout_onboarding(
        creator=creator, refresh_url="http://testserver/r/", return_url="http://testserver/b/"
    )
    client.post(urlsplit(url).path)
    refresh_payout_account(creator=creator)
    commission = _commission(creator, pay=True)
    Commission.objects.filter(pk=commission.pk).update(status="payable")
    selection = {"action": "pay_payable_commissions", helpers.ACTION_CHECKBOX_NAME: [str(commission.pk)]}

    confirm = staff_client.post(COMMISSIONS, selection)

    assert confirm.status_code == 200
    assert "$4.00 USD" in confirm.content.decode() and "@ada.pays" in confirm.content.decode()
    assert not Payout.objects.exists()

    done = staff_client.post(COMMISSIONS, {**selection, "confirm": "yes"}, follow=True)

    payout = Payout.objects.get()
    assert (payout.status, payout.amount_cents, len(payout.stripe_transfer_ids)) == ("paid", 400, 1)
    assert Commission.objects.get().status == "paid"
    assert "paid $4.00 USD" in done.content.decode()


def test_the_pay_action_tells_staff_when_a_creator_has_no_payout_account(staff_client):
    commission = _commission()
    Commission.objects.filter(pk=commission.pk).update(status="payable")
    selection = {
        "action": "pay_payable_commissions",
        helpers.ACTION_CHECKBOX_NAME: [str(commission.pk)],
        "confirm": "yes",
    }

    response = staff_client.post(COMMISSIONS, selection, follow=True)

    assert "has not connected a payout account yet" in response.content.decode()
    assert Commission.objects.get().status == "payable"


def test_commissions_and_payouts_show_money_not_cents(staff_client):
    commission = _commission()  # 10 % of 2 x $20.00
    Commission.objects.filter(pk=commission.pk).update(amount_reversed_cents=150)
    payout = Payout.objects.create(
        creator=commission.creator, amount_cents=123456, currency="USD", idempotency_key=uuid.uuid4().hex
    )
    Commission.objects.filter(pk=commission.pk).update(payout=payout)

    listed = staff_client.get(COMMISSIONS).content.decode()
    shown = staff_client.get(f"{COMMISSIONS}{commission.pk}/change/").content.decode()
    payouts = staff_client.get(PAYOUTS).content.decode()
    payout_page = staff_client.get(f"{PAYOUTS}{payout.pk}/change/").content.decode()

    assert '<td class="field-amount">$4.00 USD</td>' in listed
    assert '<td class="field-taken_back">$1.50 USD</td>' in listed
    assert f"Payout {payout.pk} to {commission.creator_id}: $1,234.56 USD" in listed
    for text in ("$40.00 USD", "$4.00 USD", "$1.50 USD", "$2.50 USD", "10.00 %"):
        assert text in shown
    assert '<td class="field-amount">$1,234.56 USD</td>' in payouts
    assert "$1,234.56 USD" in payout_page
    assert "123456" not in payouts + payout_page and ">400<" not in listed + shown


def test_money_in_words_keeps_the_sign_and_the_currency():
    from creators.money import cents_in_words

    assert cents_in_words(1234, "USD") == "$12.34 USD"
    assert cents_in_words(-150, "USD") == "-$1.50 USD"
    assert cents_in_words(500, "JPY") == "¥500 JPY"
    assert cents_in_words(1234, "CHF") == "12.34 CHF"
