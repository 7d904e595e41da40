"""A return's money: the units that came back with their tax (and shipping when at fault), once, never above paid."""

from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import InboundReturn
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from fulfillment.services.tracking import ingest_tracking_event
from marketplace.models import OutboxEvent
from marketplace.outbox import handle
from shop.models import Order, Refund, ReturnRequest, SentEmail
from shop.services.payments import refund_order
from shop.services.returns import refund_without_return, request_return
from shop.tests.factories import image_upload
from shop.tests.returns_support import delivered_order_fixture, paid_and_delivered, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


@pytest.fixture
def refunds_sent(django_capture_on_commit_callbacks, deliver_events):
    """Deliver the facts so far, Stripe calls included (they run after commit)."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            deliver_events()
        deliver_events()

    return run


def _inspect(ret: ReturnRequest, **counts_by_line) -> None:
    receive_return(code=ret.number)
    dispositions = [
        Disposition(line_id=line.pk, **counts_by_line.get(str(line.order_line_id), {"restock": line.quantity}))
        for line in ret.lines.all()
    ]
    inspect_return(return_id=ret.pk, dispositions=dispositions)


@pytest.mark.usefixtures("local_stripe", "returns_centre")
def test_tax_goes_back_in_proportion_with_the_units(
    client, deliver_events, django_capture_on_commit_callbacks, refunds_sent
):
    order = paid_and_delivered(client, django_capture_on_commit_callbacks, deliver_events, tax="3.30")  # 10 % of 33.00
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    refunds_sent()
    _inspect(ret)
    refunds_sent()
    ret.refresh_from_db()
    # 12.50 of 33.00 of goods: 12.50 + 1.25 of tax; shipping is not refunded for a change of fit.
    assert (ret.refund.amount, ret.refund.status) == (Decimal("13.75"), "succeeded")
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("13.75")


def test_the_shops_fault_refunds_shipping_too_and_a_whole_return_leaves_the_order_returned(
    delivered_order, refunds_sent
):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 2), (order.cup.pk, 1)], reason="arrived_late")
    refunds_sent()
    _inspect(ret)
    refunds_sent()
    ret.refresh_from_db()
    order.refresh_from_db()
    assert ret.refund.amount == Decimal("42.62") == order.amount_paid == order.amount_refunded
    assert order.status == Order.Status.RETURNED  # not "refunded": the goods came back
    assert (
        SentEmail.objects.filter(order=order, kind=SentEmail.Kind.RETURN_REFUNDED, subject_key=str(ret.pk)).count() == 1
    )


def test_units_missing_from_the_parcel_are_not_refunded(delivered_order, refunds_sent):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="changed_mind")
    refunds_sent()
    _inspect(ret, **{str(order.tea.pk): {"restock": 1, "missing": 1}})
    refunds_sent()
    ret.refresh_from_db()
    line = ret.lines.get()
    assert (line.quantity_accepted, line.quantity_missing, ret.refund.amount) == (1, 1, Decimal("12.50"))
    assert "1 unit(s) announced but not in the parcel." in str(
        order.events.filter(kind="return_inspected").get().params
    )


def test_a_replayed_inspection_fact_refunds_once(delivered_order, refunds_sent):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.cup.pk, 1)], reason="doesnt_fit")
    refunds_sent()
    _inspect(ret)
    fact = OutboxEvent.objects.get(name="fulfillment.return_inspected")
    refunds_sent()
    for _ in range(3):  # the same fact handed to the handler again (a redelivery after a crash)
        handle(event_id=fact.pk, handler_name="shop.return_inspected", name=fact.name, payload=fact.payload)
    inspect_return(return_id=ret.pk, dispositions=[])  # and staff submitting the form twice
    refunds_sent()
    assert Refund.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).amount_refunded == Decimal("8.00")


def test_a_wrong_item_is_refunded_at_the_first_scan(delivered_order, refunds_sent):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.cup.pk, 1)], reason="wrong_item")
    refunds_sent()
    shipment = InboundReturn.objects.get(pk=ret.pk).shipment
    ingest_tracking_event(
        tracking_number=shipment.tracking_number, status="picked_up", occurred_at=timezone.now(), location="Springfield"
    )
    refunds_sent()
    ret.refresh_from_db()
    # 8.00 and its share of the 9.62 shipping (8 / 33 of it), before anyone opened the parcel.
    assert (ret.status, ret.refund.amount, ret.refund.status) == ("in_transit", Decimal("10.33"), "succeeded")
    _inspect(ret)
    refunds_sent()
    assert Refund.objects.filter(order=order).count() == 1


def test_never_more_than_was_paid_when_staff_refunded_money_first(
    delivered_order, refunds_sent, django_capture_on_commit_callbacks
):
    order = delivered_order
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, amount=Decimal("30.00"), reason="Goodwill")
    ret = request_return(order=order, lines=[(order.tea.pk, 2)], reason="arrived_late")
    refunds_sent()
    _inspect(ret)
    refunds_sent()
    order.refresh_from_db()
    assert order.amount_refunded == order.amount_paid == Decimal("42.62")
    assert ReturnRequest.objects.get(pk=ret.pk).refund.amount == Decimal("12.62")


def test_refund_without_return_lets_the_shopper_keep_it(delivered_order, staff_user, refunds_sent):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.cup.pk, 1)], reason="damaged", photos=[image_upload()])
    refund_without_return(return_id=ret.pk, message="Keep it, sorry!", by=staff_user)
    refunds_sent()
    ret.refresh_from_db()
    assert (ret.status, ret.refund.amount, ret.decided_by) == ("refunded_without_return", Decimal("10.33"), staff_user)
    assert not InboundReturn.objects.exists()


def test_a_second_click_on_a_decision_changes_nothing(delivered_order, staff_user, refunds_sent):
    order = delivered_order
    kept = request_return(order=order, lines=[(order.cup.pk, 1)], reason="damaged", photos=[image_upload()])
    refund_without_return(return_id=kept.pk, message="Keep it", by=staff_user)
    refund_without_return(return_id=kept.pk, message="Keep it, really", by=None)
    refunds_sent()
    kept.refresh_from_db()
    assert (kept.decision_message, kept.decided_by) == ("Keep it", staff_user)
    assert Refund.objects.filter(order=order).count() == 1
    assert OutboxEvent.objects.filter(name="shop.return_closed", payload__return_id=kept.pk).count() == 1
