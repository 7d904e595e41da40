"""Order history and order pages (own orders only, signed links for guests) and the confirmation email."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from marketplace.tests.factories import UserFactory
from shop.checkout.links import order_token
from shop.models import Order, OrderEvent, OrderLine, Payment, SentEmail
from shop.order_timeline import describe
from shop.services.notifications import send_order_email
from shop.services.order_fulfillment import announce_paid
from shop.services.orders import new_order_number, set_order_status
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def an_order(
    *, user=None, lines: int = 1, status: str = Order.Status.PENDING_PAYMENT, email="ada@example.com"
) -> Order:
    """An order as place_order leaves it (lines copied, first event written), moved on to `status`."""
    order = Order.objects.create(
        number=new_order_number(),
        user=user,
        email=user.email if user else email,
        currency="USD",
        subtotal=Decimal("12.50") * lines,
        shipping_total=Decimal("4.99"),
        total=Decimal("12.50") * lines + Decimal("4.99"),
        shipping_method="standard",
        shipping_method_name="Standard (3-5 business days)",
        ship_name="Ada Shopper",
        ship_line1="1 Main St",
        ship_city="Springfield",
        ship_region="IL",
        ship_postal_code="62701",
        ship_country="US",
    )
    for index in range(lines):
        variant = VariantFactory(product__title=f"Green tea {index}", name="Large", price=Decimal("12.50"))
        OrderLine.objects.create(
            order=order, variant=variant, product_title=variant.product.title, variant_label="Large",
            sku=variant.sku, quantity=1, unit_price=variant.price, currency="USD", line_total=variant.price,
        )  # fmt: skip
    OrderEvent.objects.create(order=order, to_status=Order.Status.PENDING_PAYMENT, kind=OrderEvent.Kind.PLACED)
    if status != Order.Status.PENDING_PAYMENT:
        paid = {"amount": "17.49", "currency": "USD", "attempt": 1}
        set_order_status(order=order, to=status, kind=OrderEvent.Kind.PAID, params=paid)
    return order


# History


def test_the_order_history_needs_a_log_in(client):
    response = client.get("/orders/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/orders/"


def test_the_history_lists_only_the_shoppers_orders_newest_first(client, user):
    older = an_order(user=user)
    newer = an_order(user=user, lines=2, status=Order.Status.PAID)
    someone_elses = an_order(user=UserFactory())
    client.force_login(user)

    page = client.get("/orders/").content.decode()

    assert page.index(newer.number) < page.index(older.number)
    assert someone_elses.number not in page
    assert "2 items" in page
    assert "$29.99 USD" in page
    assert '<span class="badge order-status order-status-paid">Paid</span>' in page


def test_the_history_is_paginated(client, user):
    orders = [an_order(user=user) for _ in range(11)]
    client.force_login(user)

    first, second = client.get("/orders/").content.decode(), client.get("/orders/?page=2").content.decode()

    assert orders[0].number in second and orders[0].number not in first
    assert "Page 1 of 2" in first


def test_the_history_takes_as_many_queries_for_one_order_as_for_ten(client, user, get_counting_queries):
    client.force_login(user)
    an_order(user=user, lines=3)
    _, one = get_counting_queries(client, "/orders/")
    for _ in range(9):
        an_order(user=user, lines=2)

    response, ten = get_counting_queries(client, "/orders/")

    assert response.content.decode().count('class="order-card"') == 10
    assert one == ten


# One order


def test_the_owner_sees_status_lines_totals_address_and_timeline(client, user):
    order = an_order(user=user, lines=2, status=Order.Status.PAID)
    client.force_login(user)

    page = client.get(f"/orders/{order.number}/").content.decode()

    assert f"<h1>Order {order.number}</h1>" in page
    assert "Green tea 0 — Large" in page and "Green tea 1 — Large" in page
    assert '<dt>Total</dt><dd>$29.99 <span class="currency-code">USD</span></dd>' in page
    assert "Springfield, IL 62701" in page and "United States of America" in page
    assert "<strong>Awaiting payment</strong>" in page and "<strong>Paid</strong>" in page
    assert "Paid 17.49 USD through Stripe (attempt 1)." in page


def test_the_order_detail_takes_the_same_queries_for_one_line_and_for_ten(client, user, get_counting_queries):
    client.force_login(user)
    _, one = get_counting_queries(client, f"/orders/{an_order(user=user, lines=1).number}/")

    _, ten = get_counting_queries(client, f"/orders/{an_order(user=user, lines=10).number}/")

    assert one == ten


def test_an_unpaid_order_offers_to_pay_unless_a_payment_is_settling(client, user):
    order = an_order(user=user)
    client.force_login(user)
    assert "Pay now" in client.get(f"/orders/{order.number}/").content.decode()

    Payment.objects.create(order=order, amount=order.total, currency="USD", status=Payment.Status.PROCESSING)

    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "Pay now" not in page
    assert "Payment processing: your payment is being confirmed by your bank." in page
    assert client.post("/checkout/cancelled/", {"order": order.number}).status_code == 303
    assert order.payments.count() == 1  # no second attempt while one settles


def test_someone_elses_order_is_not_found(client, user):
    order = an_order(user=UserFactory())
    client.force_login(user)

    assert client.get(f"/orders/{order.number}/").status_code == 404
    assert client.get("/orders/MK-NOPE-NOPE/").status_code == 404


def test_a_logged_out_owner_following_a_link_is_asked_to_log_in(client, user):
    order = an_order(user=user)

    response = client.get(f"/orders/{order.number}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/orders/{order.number}/"


def test_a_guest_opens_their_order_with_the_signed_link(client):
    order = an_order()

    response = client.get(f"/orders/{order.number}/?token={order_token(order.number)}")

    assert response.status_code == 200
    assert f"<h1>Order {order.number}</h1>" in response.content.decode()


def test_a_tampered_or_borrowed_token_is_not_found(client, user):
    guest_order, other_guest_order, account_order = an_order(), an_order(), an_order(user=user)
    token = order_token(guest_order.number)

    assert client.get(f"/orders/{guest_order.number}/?token={token[:-1]}x").status_code == 404
    assert client.get(f"/orders/{other_guest_order.number}/?token={token}").status_code == 404
    assert client.get(f"/orders/{account_order.number}/?token={order_token(account_order.number)}").status_code == 404
    assert client.get(f"/orders/{guest_order.number}/?token=").status_code == 404


def test_a_guest_order_without_a_token_is_not_shown(client, user):
    order = an_order()
    client.force_login(user)

    assert client.get(f"/orders/{order.number}/").status_code == 404


# Confirmation email


def test_paid_announces_one_confirmation_with_number_lines_total_and_signed_link(settings, deliver_events):
    settings.SITE_URL = "https://shop.example.com"
    order = an_order(lines=2, status=Order.Status.PAID)

    announce_paid(order)
    deliver_events()

    [message] = mail.outbox
    assert message.subject == f"Your order {order.number} is confirmed"
    assert message.to == ["ada@example.com"]
    assert "1 × Green tea 0 — Large: $12.50" in message.body  # noqa: RUF001
    assert "1 × Green tea 1 — Large: $12.50" in message.body  # noqa: RUF001
    assert "Total: $29.99 USD" in message.body
    assert f"https://shop.example.com/orders/{order.number}/?token={order_token(order.number)}" in message.body
    assert message.alternatives[0].mimetype == "text/html"


def test_an_account_order_links_to_the_plain_order_page(settings, user):
    settings.SITE_URL = "https://shop.example.com"
    order = an_order(user=user, status=Order.Status.PAID)

    send_order_email(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION)

    assert f"https://shop.example.com/orders/{order.number}/\n" in mail.outbox[0].body
    assert "token" not in mail.outbox[0].body


def test_the_confirmation_goes_once_however_often_paid_is_announced(deliver_events):
    order = an_order(status=Order.Status.PAID)

    for _ in range(3):
        announce_paid(order)
    deliver_events()

    assert len(mail.outbox) == 1
    sent = order.events.filter(kind=OrderEvent.Kind.EMAIL_SENT)
    assert [describe(event) for event in sent] == ["Order confirmation: email sent."]


def test_no_confirmation_for_an_order_that_is_not_paid():
    order = an_order()

    assert send_order_email(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION) is False
    assert mail.outbox == []


def test_a_failed_send_leaves_the_confirmation_to_the_retry(monkeypatch):
    order = an_order(status=Order.Status.PAID)
    outbox_send = EmailMultiAlternatives.send

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(ConnectionRefusedError):
        send_order_email(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION)
    assert not order.sent_emails.exists() and not order.events.filter(kind=OrderEvent.Kind.EMAIL_SENT).exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", outbox_send)

    assert send_order_email(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION) is True

    assert len(mail.outbox) == 1
    assert order.sent_emails.get().kind == SentEmail.Kind.CONFIRMATION


def test_a_failed_send_in_the_paid_handler_marks_nothing_and_the_next_delivery_sends_once(monkeypatch, deliver_events):
    order = an_order(status=Order.Status.PAID)
    outbox_send = EmailMultiAlternatives.send

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    announce_paid(order)
    deliver_events()
    assert not order.sent_emails.exists() and not order.events.filter(kind=OrderEvent.Kind.EMAIL_SENT).exists()
    monkeypatch.setattr(EmailMultiAlternatives, "send", outbox_send)

    deliver_events()
    deliver_events()

    assert len(mail.outbox) == 1
    assert order.sent_emails.get().kind == SentEmail.Kind.CONFIRMATION
    assert order.events.filter(kind=OrderEvent.Kind.EMAIL_SENT).count() == 1
