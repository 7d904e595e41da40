"""An order's money in the ledger: paid, fees, refunds by line and in full, commissions; always balanced."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.selectors import ShipmentLabelCost
from shop.models import JournalEntry, LedgerAccount, Order, Payment, TakeRate
from shop.seller_fees import NoFeeRule, take_rates_at
from shop.services.ledger import account, balance_of, seller_account, unbalanced_entries
from shop.services.ledger_postings import post_commission, post_label_purchase, post_order_paid
from shop.services.payments import refund_order
from shop.services.seller_earnings import LineTerms, line_earnings
from shop.tests.factories import CategoryFactory, VariantFactory
from shop.tests.factories import paid_order as paid_order_of
from shop.tests.seller_money_support import (
    paid_order_fixture,  # noqa: F401  (fixture "paid_order")
    pay_order,
)
from shop.tests.test_payments_support import (  # noqa: F401  (fixture "local_stripe")
    deliver_stand_in_events,
    local_stripe_fixture,
    stocked_variant,
)

pytestmark = pytest.mark.django_db
A = LedgerAccount.Kind


def owed_to(seller_id: int) -> int:
    """What the platform owes a seller, in cents (the seller payable account is a liability: credit)."""
    return -balance_of(seller_account(seller_id), currency="USD")


def test_a_paid_order_owes_each_seller_their_sale_less_the_take_rate_and_pick_and_pack(paid_order):
    assert balance_of(account(A.PLATFORM_CASH), currency="USD") == 4262
    # Tea: 25.00 - 8 % (2.00) - 2 x 1.00 pick and pack; cup: 8.00 - 0.64 - 1.00.
    assert owed_to(paid_order.tea_seller_id) == 2500 - 200 - 200 == 2100
    assert owed_to(paid_order.cup_seller_id) == 800 - 64 - 100 == 636
    assert balance_of(account(A.PLATFORM_REVENUE), currency="USD") == -(200 + 64)
    assert balance_of(account(A.FULFILLMENT_REVENUE), currency="USD") == -(962 + 300)
    entry = JournalEntry.objects.get(kind="charge", order_id=paid_order.pk)
    assert entry.external_id == paid_order.payments.get().payment_intent_id
    assert unbalanced_entries() == []


def test_paying_again_posts_nothing_more(paid_order, client, django_capture_on_commit_callbacks):
    entries = JournalEntry.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        deliver_stand_in_events(client)  # the same webhooks delivered again

    assert JournalEntry.objects.count() == entries
    assert balance_of(account(A.PLATFORM_CASH), currency="USD") == 4262


def test_a_line_refund_takes_the_units_back_from_their_seller_and_gives_the_fee_back(
    paid_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.tea.pk, 1)], reason="Damaged")

    assert balance_of(account(A.PLATFORM_CASH), currency="USD") == 4262 - 1250
    # One tea kept: 12.50 - 1.00 fee; pick and pack of both units stays (they were shipped).
    assert owed_to(paid_order.tea_seller_id) == 1250 - 100 - 200
    assert owed_to(paid_order.cup_seller_id) == 636
    assert balance_of(account(A.PLATFORM_REVENUE), currency="USD") == -(100 + 64)
    assert balance_of(account(A.REFUNDS), currency="USD") == 0
    assert unbalanced_entries() == []


def test_a_full_refund_takes_back_every_unit_and_the_platform_bears_the_shipping(
    paid_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, lines=[(paid_order.cup.pk, 1)])
        refund_order(order=paid_order, reason="Cancelled")  # the rest: 2 teas and shipping

    assert balance_of(account(A.PLATFORM_CASH), currency="USD") == 0
    # Sellers now owe the pick and pack of what was shipped to them.
    assert (owed_to(paid_order.tea_seller_id), owed_to(paid_order.cup_seller_id)) == (-200, -100)
    assert balance_of(account(A.PLATFORM_REVENUE), currency="USD") == 0
    assert balance_of(account(A.REFUNDS), currency="USD") == 962
    assert JournalEntry.objects.filter(kind="refund", order_id=paid_order.pk).count() == 2
    assert unbalanced_entries() == []


def test_a_refund_of_an_amount_alone_is_borne_by_the_platform(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, amount=Decimal("3.00"), reason="Goodwill")

    assert balance_of(account(A.REFUNDS), currency="USD") == 300
    assert owed_to(paid_order.tea_seller_id) == 2100


def test_a_commission_is_funded_by_the_seller_and_follows_its_reversals(paid_order):
    line = paid_order.tea

    post_commission(order_line_id=line.pk, creator_id=42, net_minor=250, currency="USD")
    post_commission(order_line_id=line.pk, creator_id=42, net_minor=250, currency="USD")  # replayed
    assert owed_to(paid_order.tea_seller_id) == 2100 - 250
    creator = account(A.CREATOR_PAYABLE, creator_id=42)
    assert balance_of(creator, currency="USD") == -250

    post_commission(order_line_id=line.pk, creator_id=42, net_minor=125, currency="USD")  # half reversed
    assert balance_of(creator, currency="USD") == -125
    assert owed_to(paid_order.tea_seller_id) == 2100 - 125
    assert list(JournalEntry.objects.filter(kind__startswith="commission").values_list("kind", flat=True)) == [
        "commission",
        "commission_reversal",
    ]
    assert unbalanced_entries() == []


def test_the_take_rate_is_the_categorys_own_else_its_parents_else_the_default_in_force_then():
    now = timezone.now()
    parent = CategoryFactory()
    child, other = CategoryFactory(parent=parent), CategoryFactory()
    TakeRate.objects.create(category=parent, rate_percent=Decimal("12"), effective_from=now - timedelta(days=30),
                            source="Beauty deal")  # fmt: skip
    TakeRate.objects.create(category=parent, rate_percent=Decimal("15"), effective_from=now + timedelta(days=1),
                            source="Next month")  # fmt: skip

    rates = take_rates_at(category_ids={child.pk, other.pk, None}, at=now)

    assert rates == {child.pk: Decimal("12"), other.pk: Decimal("8.00"), None: Decimal("8.00")}
    assert take_rates_at(category_ids={child.pk}, at=now + timedelta(days=2)) == {child.pk: Decimal("15")}


def test_without_any_rate_in_force_no_fee_is_made_up():
    TakeRate.objects.all().delete()
    with pytest.raises(NoFeeRule, match="No platform take rate"):
        take_rates_at(category_ids={VariantFactory().product.category_id}, at=timezone.now())


def test_a_label_is_a_carrier_cost_charged_to_the_sellers_of_its_units_to_the_cent(paid_order):
    cost = ShipmentLabelCost(
        order_id=paid_order.pk, shipment_id=1, tracking_number="RR123456785GB", amount=Decimal("7.01"),
        currency="USD", units_by_order_line={paid_order.tea.pk: 2, paid_order.cup.pk: 1},
    )  # fmt: skip

    post_label_purchase(cost=cost)
    post_label_purchase(cost=cost)  # the fact delivered twice

    assert balance_of(account(A.CARRIER_PAYABLE), currency="USD") == -701
    assert balance_of(account(A.SHIPPING_COST), currency="USD") == 701
    # 2 of 3 units: 4.6733 -> 4.67; the cup takes the cent rounding left (2.3367 -> 2.34).
    assert owed_to(paid_order.tea_seller_id) == 2100 - 467
    assert owed_to(paid_order.cup_seller_id) == 636 - 234
    assert unbalanced_entries() == []


def test_a_label_in_another_currency_is_recorded_as_a_cost_only(paid_order):
    cost = ShipmentLabelCost(order_id=paid_order.pk, shipment_id=1, tracking_number="T1", amount=Decimal("5.00"),
                             currency="GBP", units_by_order_line={paid_order.tea.pk: 2})  # fmt: skip

    post_label_purchase(cost=cost)

    assert balance_of(account(A.SHIPPING_COST), currency="GBP") == 500
    assert owed_to(paid_order.tea_seller_id) == 2100


def test_many_units_refunded_in_turns_at_a_high_take_rate_leave_exactly_what_the_arithmetic_says(
    client, local_stripe, django_capture_on_commit_callbacks
):
    variant = stocked_variant(quantity=30, price="10.00")
    TakeRate.objects.create(category=variant.product.category, rate_percent=Decimal("50"),
                            effective_from=timezone.now() - timedelta(days=1), source="Test: half")  # fmt: skip
    order = pay_order(client, django_capture_on_commit_callbacks, (variant, 20))
    line = order.lines.get()
    with django_capture_on_commit_callbacks(execute=True):
        for units in (1, 1, 1, 5):
            refund_order(order=order, lines=[(line.pk, units)], reason="Back")

    expected = line_earnings(
        LineTerms(currency="USD", unit_price_minor=1000, units=20, take_rate_percent=Decimal("50"),
                  commission_rate_percent=Decimal("0"), pick_pack_per_unit_minor=100),
        units_refunded=8,
    )  # fmt: skip
    assert owed_to(variant.product.seller_id) == expected.seller_net == 12 * 1000 - 6000 - 2000
    assert balance_of(account(A.PLATFORM_REVENUE), currency="USD") == -6000
    assert unbalanced_entries() == []


def test_an_order_paid_in_a_three_decimal_currency_is_recorded_unapplied_and_staff_are_told(caplog):
    variant = stocked_variant(price="12.50")
    order = paid_order_of((variant, 1))
    Order.objects.filter(pk=order.pk).update(currency="KWD", total=Decimal("12.34"), amount_paid=Decimal("12.34"))
    order.refresh_from_db()
    payment = Payment.objects.create(order=order, amount=order.total, currency="KWD", amount_paid=order.total,
                                     status=Payment.Status.PAID, payment_intent_id="pi_kwd")  # fmt: skip

    post_order_paid(order=order, payment=payment)

    assert balance_of(account(A.PLATFORM_CASH), currency="KWD") == 12340
    assert balance_of(account(A.UNAPPLIED_PAYMENTS), currency="KWD") == -12340
    assert balance_of(seller_account(variant.product.seller_id), currency="KWD") == 0
    assert "not settled in: left unapplied" in caplog.text
