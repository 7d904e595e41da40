"""The seller's email when their inbound shipment is received: once, with what differed."""

import pytest
from django.core import mail

from fulfillment.services.receiving import LineCount, close_receipt, record_line_counts
from fulfillment.tests.factories import WarehouseFactory
from fulfillment.tests.inbound_helpers import announced
from shop.tests.factories import ProductFactory, SellerMemberFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _received(shipment, **by_sku) -> None:
    record_line_counts(
        shipment_id=shipment.pk,
        counts=[LineCount(line_id=line.pk, received=by_sku[line.sku][0], damaged=by_sku[line.sku][1])
                for line in shipment.lines.all()],
    )  # fmt: skip
    close_receipt(shipment_id=shipment.pk)


def test_the_owner_is_told_once_what_arrived_short_and_damaged(deliver_events):
    owner = SellerMemberFactory(user__email="mina@glow.example.com")
    SellerMemberFactory(seller=owner.seller, role="staff", user__email="helper@glow.example.com")
    product = ProductFactory(seller=owner.seller)
    tea, cup = VariantFactory(product=product, sku="TEA"), VariantFactory(product=product, sku="CUP")
    shipment = announced(WarehouseFactory(code="US-NJ1"), (tea, 10), (cup, 4))
    _received(shipment, TEA=(9, 2), CUP=(4, 0))

    deliver_events()
    deliver_events()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mina@glow.example.com"]
    assert message.subject == f"Shipment {shipment.number} was received at US-NJ1"
    assert "- TEA: 10 announced, 9 received, 1 short, 2 damaged" in message.body
    assert "CUP" not in message.body
    assert f"/seller/inbound/{shipment.pk}/" in message.body


def test_a_shipment_as_announced_says_so(deliver_events):
    owner = SellerMemberFactory(user__email="mina@glow.example.com")
    tea = VariantFactory(product=ProductFactory(seller=owner.seller), sku="TEA")
    shipment = announced(WarehouseFactory(), (tea, 5))
    _received(shipment, TEA=(5, 0))

    deliver_events()

    assert "Every line arrived as announced." in mail.outbox[0].body
