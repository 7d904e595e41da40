"""The stand-in's balance transactions, read with the real stripe SDK: charges with their fee, refunds, filters."""

from decimal import Decimal

import pytest
import stripe

from shop.payments.local_stripe.balance import card_fee, record_transfer
from shop.payments.local_stripe.testing import local_client
from shop.services.payments import refund_order
from shop.tests.seller_money_support import paid_order_fixture  # noqa: F401  (fixture "paid_order")
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401  (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def test_a_charge_and_a_refund_are_balance_transactions_with_the_charges_fee(
    paid_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=paid_order, amount=Decimal("1.00"))

    listed = local_client().v1.balance_transactions.list(params={"limit": 10}).data

    kinds = sorted((txn.type, txn.amount, txn.fee, txn.net) for txn in listed)
    assert kinds == [("charge", 4262, 154, 4108), ("refund", -100, 0, -100)]
    charge = next(txn for txn in listed if txn.type == "charge")
    expanded = local_client().v1.balance_transactions.list(params={"type": "charge", "expand": ["data.source"]})
    assert expanded.data[0].source.payment_intent == paid_order.payments.get().payment_intent_id
    assert local_client().v1.balance_transactions.retrieve(charge.id).amount == 4262


def test_filters_by_type_and_creation_time(paid_order):
    client = local_client()
    created = client.v1.balance_transactions.list().data[0].created

    assert len(client.v1.balance_transactions.list(params={"type": "refund"}).data) == 0
    assert len(client.v1.balance_transactions.list(params={"created": {"gte": created}}).data) == 1
    assert len(client.v1.balance_transactions.list(params={"created": {"lt": created}}).data) == 0


@pytest.mark.parametrize(
    "params", [{"type": "payout_thing"}, {"created": {"gte": "yesterday"}}, {"limit": 1000}]
)  # fmt: skip
def test_bad_parameters_get_stripes_invalid_request_error(local_stripe, params):
    with pytest.raises(stripe.InvalidRequestError):
        local_client().v1.balance_transactions.list(params=params)


def test_the_card_fee_is_stripes_standard_price_in_minor_units():
    assert card_fee(3799, "usd") == 140  # 110.171 -> 110, + 30
    assert card_fee(1000, "jpy") == 36  # 3.6 %, no fixed part in zero-decimal currencies


def _transfers(count: int, *, created: int) -> list[str]:
    """Balance transactions written as the stand-in writes them when money moves (several in one second)."""
    ids = []
    for index in range(count):
        txn_id = f"txn_1bench{index:04d}"
        record_transfer(
            {"balance_transaction": txn_id, "amount": 100 + index, "currency": "usd", "created": created + index // 4}
            | {"id": f"tr_1bench{index:04d}", "description": ""}
        )
        ids.append(txn_id)
    return ids


def test_paging_a_busy_day_gives_every_transaction_once_newest_first(local_stripe):
    ids = _transfers(23, created=1_764_800_000)

    listed = [txn.id for txn in local_client().v1.balance_transactions.list(params={"limit": 5}).auto_paging_iter()]

    newest_first = sorted(ids, key=lambda txn_id: (-(1_764_800_000 + ids.index(txn_id) // 4), txn_id))
    assert listed == newest_first


def test_a_page_costs_the_same_queries_deep_in_a_day_as_at_its_start(local_stripe, django_assert_max_num_queries):
    ids = _transfers(30, created=1_764_800_000)
    client = local_client()
    with django_assert_max_num_queries(5) as start:
        first = client.v1.balance_transactions.list(params={"limit": 5})
    with django_assert_max_num_queries(len(start.captured_queries) + 1):  # + the cursor's row
        deep = client.v1.balance_transactions.list(params={"limit": 5, "starting_after": ids[20]})

    assert len(first.data) == len(deep.data) == 5 and first.has_more and deep.has_more
