"""The shopper's emails about an order go once each (a SentEmail row), and a failed send is tried again."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from fulfillment.tests.shipping_helpers import labelled_shipment
from shop.models import Order, OrderEvent, SentEmail
from shop.order_timeline import describe
from shop.services.notifications import send_order_email

pytestmark = pytest.mark.django_db


def test_a_shipment_email_goes_once_per_shipment_however_often_it_is_asked():
    shipment = labelled_shipment()
    order = Order.objects.get(pk=shipment.fulfillment_order.order_id)

    results = [
        send_order_email(order_id=order.pk, kind=SentEmail.Kind.SHIPMENT_SHIPPED, shipment_id=shipment.pk)
        for _ in range(2)
    ]

    assert results == [True, False]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"A shipment of your order {order.number} is on its way"
    assert shipment.tracking_number in mail.outbox[0].body
    sent = order.events.filter(kind=OrderEvent.Kind.EMAIL_SENT)
    assert [describe(event) for event in sent] == [f"Shipment {shipment.pk} is on its way: email sent."]


def test_a_failed_send_marks_nothing_so_the_retry_sends_it(monkeypatch):
    shipment = labelled_shipment()
    order_id = shipment.fulfillment_order.order_id
    real_send = EmailMultiAlternatives.send

    def mail_server_down(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", mail_server_down)
    with pytest.raises(OSError):
        send_order_email(order_id=order_id, kind=SentEmail.Kind.SHIPMENT_DELIVERED, shipment_id=shipment.pk)
    assert not SentEmail.objects.exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)

    assert send_order_email(order_id=order_id, kind=SentEmail.Kind.SHIPMENT_DELIVERED, shipment_id=shipment.pk)
    assert len(mail.outbox) == 1
    assert SentEmail.objects.get().kind == SentEmail.Kind.SHIPMENT_DELIVERED


def test_no_confirmation_for_an_order_that_was_never_paid_or_was_undone():
    shipment = labelled_shipment()
    order = Order.objects.get(pk=shipment.fulfillment_order.order_id)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)

    assert send_order_email(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION) is False
    assert mail.outbox == []
