"""Reminders for unused return labels, and approved returns never sent expire (their label voided)."""

import datetime as dt

import pytest
from django.core import mail
from django.db.models import F
from django.utils import timezone

from fulfillment.models import InboundReturn, ShippingLabel
from fulfillment.services.tracking import ingest_tracking_event
from shop.models import ReturnRequest, SentEmail
from shop.services.returns import request_return
from shop.tasks import expire_unsent_returns, remind_unused_return_labels
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def _age(ret: ReturnRequest, days: int) -> None:
    """As if the return had been approved `days` ago."""
    ReturnRequest.objects.filter(pk=ret.pk).update(
        approved_at=F("approved_at") - dt.timedelta(days=days), ship_by=F("ship_by") - dt.timedelta(days=days)
    )


def test_an_unused_label_is_reminded_once(delivered_order, deliver_events, settings):
    settings.RETURNS_REMINDER_DAYS = 5
    ret = request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    assert remind_unused_return_labels() == 0  # too early
    _age(ret, 5)
    assert (remind_unused_return_labels(), remind_unused_return_labels()) == (1, 0)
    deliver_events()
    reminders = SentEmail.objects.filter(order=delivered_order, kind=SentEmail.Kind.RETURN_REMINDER)
    assert reminders.count() == 1
    assert mail.outbox[-1].subject == f"Your return {ret.number}: the label is not used yet"


def test_an_approved_return_never_sent_expires_and_its_label_is_voided(delivered_order, deliver_events, settings):
    settings.RETURNS_SHIP_BY_DAYS = 14
    ret = request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    label = ShippingLabel.objects.get(shipment__inbound_return__pk=ret.pk)
    _age(ret, 13)
    assert expire_unsent_returns() == 0
    _age(ret, 1)
    assert (expire_unsent_returns(), expire_unsent_returns()) == (1, 0)
    deliver_events()

    ret.refresh_from_db()
    label.refresh_from_db()
    assert ret.status == "expired" and ret.closed_at is not None
    assert label.voided_at is not None
    assert InboundReturn.objects.get(pk=ret.pk).status == "cancelled"
    assert SentEmail.objects.filter(order=delivered_order, kind=SentEmail.Kind.RETURN_EXPIRED).count() == 1
    # The units can be asked for again, within the window.
    again = request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 2)], reason="doesnt_fit")
    assert again.number.endswith("-R2")


def test_a_return_scanned_before_its_expiry_run_is_not_expired(delivered_order, deliver_events):
    ret = request_return(order=delivered_order, lines=[(delivered_order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()
    shipment = InboundReturn.objects.get(pk=ret.pk).shipment
    _age(ret, 15)
    ingest_tracking_event(
        tracking_number=shipment.tracking_number, status="picked_up", occurred_at=timezone.now(), location="Springfield"
    )
    # The shop has not heard of the scan yet: the carrier refuses to void a label it has scanned.
    assert expire_unsent_returns() == 0
    deliver_events()
    ret.refresh_from_db()
    assert ret.status == "in_transit"
