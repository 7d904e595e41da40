"""The order page, the confirmation email and the order API show tax and import duties as their own lines."""

import pytest
from django.core import mail

from shop.checkout.links import order_token
from shop.models import SentEmail
from shop.services.notifications import send_order_email
from shop.tests.factories import paid_order
from shop.tests.test_checkout_import_charges import BERLIN, LONDON, shirt

pytestmark = pytest.mark.django_db


def test_the_confirmation_email_lists_vat_and_duty_and_says_they_are_included():
    order = paid_order((shirt(price="40.00", currency="EUR"), 1), address=BERLIN)

    send_order_email(order_id=order.pk, kind=SentEmail.Kind.CONFIRMATION)

    text = mail.outbox[-1].body
    assert f"Tax: €{order.tax_total}" in text
    assert "Import duties: €3.00" in text
    assert "Import charges included: nothing more to pay on delivery." in text
    html = mail.outbox[-1].alternatives[0][0]
    assert "Import duties" in html


def test_the_order_page_shows_the_estimate_to_pay_at_the_door(client):
    order = paid_order((shirt(price="200.00", currency="GBP"), 1), address=LONDON)

    page = client.get(f"{order.get_absolute_url()}?token={order_token(order.number)}").content.decode()

    assert "Import duties" in page
    assert f"Import charges of about £{order.import_charges_due_at_door} to pay on delivery (estimate)." in page


def test_the_order_api_gives_tax_duty_and_the_incoterm(api_client, user):
    order = paid_order((shirt(price="40.00", currency="EUR"), 1), address=BERLIN, user=user)
    api_client.force_authenticate(user)

    body = api_client.get(f"/api/v1/orders/{order.number}/").json()

    assert (body["tax_total"], body["duty_total"], body["incoterm"], body["import_charges_due_at_door"]) == (
        str(order.tax_total), "3.00", "DDP", "0.00",
    )  # fmt: skip
    assert (body["lines"][0]["tax_amount"], body["lines"][0]["duty_amount"]) == (str(order.tax_total), "3.00")
