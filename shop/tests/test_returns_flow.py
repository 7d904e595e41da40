"""A return from request to refund: label with QR, carried back by the simulated carrier, received, inspected."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from fulfillment import simulation
from fulfillment.models import InboundReturn, Stock, StockMovement
from fulfillment.selectors import return_label
from fulfillment.services.returns import Disposition, inspect_return, receive_return
from shop.models import Order, ReturnRequest, SentEmail
from shop.services.returns import request_return
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def _carry_back(inbound: InboundReturn, deliver_events) -> None:
    """The simulated network scans the return parcel until it reaches the centre."""
    now = timezone.now()
    for step in range(1, 15):
        simulation.advance(now=now + dt.timedelta(hours=step * 5), seed=7, chances=simulation.Chances(0, 0, 0))
        deliver_events()
        inbound.refresh_from_db()
        if inbound.shipment.status == "delivered":
            return
        inbound.shipment.refresh_from_db()
    raise AssertionError(f"return shipment stuck at {inbound.shipment.status}")


def test_a_return_goes_from_request_to_refund_and_the_units_back_on_the_shelf(
    delivered_order, returns_centre, deliver_events, django_capture_on_commit_callbacks
):
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit", comment="Too small")
    assert ret.status == ReturnRequest.Status.APPROVED
    deliver_events()

    inbound = InboundReturn.objects.get(pk=ret.pk)
    label = return_label(return_id=ret.pk)
    assert inbound.warehouse == returns_centre and inbound.drop_off_code.startswith("RT-")
    assert label is not None and label.pdf.read(4) == b"%PDF"
    approved = SentEmail.objects.get(order=order, kind=SentEmail.Kind.RETURN_APPROVED)
    assert approved.subject_key == str(ret.pk)
    sent = mail.outbox[-1]
    assert sent.subject.startswith(f"Your return {ret.number} is approved")
    assert [a[0] for a in sent.attachments] == [f"return-label-{ret.number}.pdf", f"drop-off-code-{ret.number}.png"]

    _carry_back(inbound, deliver_events)
    ret.refresh_from_db()
    assert ret.status == ReturnRequest.Status.IN_TRANSIT

    receive_return(code=label.tracking_number)
    receive_return(code=label.tracking_number)  # the same parcel scanned twice
    deliver_events()
    ret.refresh_from_db()
    assert ret.status == ReturnRequest.Status.RECEIVED

    shelf = Stock.objects.filter(warehouse=returns_centre, variant=order.tea.variant)
    assert not shelf.exists()
    inspect_return(return_id=ret.pk, dispositions=[Disposition(line_id=ret.lines.get().pk, restock=1)])
    with django_capture_on_commit_callbacks(execute=True):
        deliver_events()
    deliver_events()

    ret.refresh_from_db()
    order.refresh_from_db()
    assert ret.status == ReturnRequest.Status.COMPLETED
    assert ret.refund.status == "succeeded" and ret.refund.amount == Decimal("12.50")
    assert order.amount_refunded == Decimal("12.50")
    assert order.status == Order.Status.PARTIALLY_RETURNED
    assert shelf.get().quantity == 1
    assert StockMovement.objects.filter(stock=shelf.get(), reason="returned", quantity_change=1).count() == 1
