"""A return's prepaid label in the ledger: a carrier cost, paid by the seller when the return's cost is theirs."""

import pytest

from fulfillment.selectors import return_label
from shop.currencies import to_minor_units
from shop.models import JournalEntry, LedgerAccount
from shop.services.ledger import account, balance_of, seller_account, unbalanced_entries
from shop.services.returns import request_return
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db
A = LedgerAccount.Kind


def _owed(line) -> int:
    return -balance_of(seller_account(line.variant.product.seller_id), currency="USD")


def test_a_return_the_seller_pays_for_charges_them_its_label(delivered_order, deliver_events):
    order = delivered_order
    before = _owed(order.tea)

    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit", comment="Too small")
    deliver_events()  # fulfillment buys the label; its fact reaches the ledger
    deliver_events()  # a replay posts nothing more

    label = return_label(return_id=ret.pk)
    cost = to_minor_units(label.amount, label.currency)
    assert cost > 0
    assert _owed(order.tea) == before - cost
    entry = JournalEntry.objects.get(external_id=label.tracking_number)
    assert entry.kind == "label_purchase" and "seller pays" in entry.memo
    assert balance_of(account(A.CARRIER_PAYABLE), currency="USD") <= -cost
    assert unbalanced_entries() == []


def test_a_return_the_platform_pays_for_leaves_the_seller_alone(delivered_order, deliver_events):
    order = delivered_order
    before = _owed(order.cup)

    ret = request_return(order=order, lines=[(order.cup.pk, 1)], reason="arrived_late", comment="After the party")
    deliver_events()

    label = return_label(return_id=ret.pk)
    assert _owed(order.cup) == before
    assert JournalEntry.objects.get(external_id=label.tracking_number).memo.endswith("(platform pays)")
