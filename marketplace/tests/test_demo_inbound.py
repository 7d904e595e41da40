"""seed_demo's inbound shipments: the demo seller sees one in every state, received through the services."""

import io

import pytest
from django.core.management import call_command

from fulfillment.models import InboundShipment, StockMovement
from fulfillment.selectors import stock_ledger_mismatches
from shop.models import Seller

pytestmark = pytest.mark.django_db


def test_the_demo_seller_has_inbound_shipments_in_every_state(settings, django_capture_on_commit_callbacks, client):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--products", "40", "--skip-creators", "--skip-orders", stdout=io.StringIO())

    seller = Seller.objects.get(slug="glow-theory")
    shipments = InboundShipment.objects.filter(seller_id=seller.pk)
    assert set(shipments.values_list("status", flat=True)) == set(InboundShipment.Status.values)
    discrepant = [s for s in shipments.prefetch_related("lines") if s.discrepancies]
    assert len(discrepant) == 1
    assert {(line.quantity_short, line.quantity_damaged) for line in discrepant[0].discrepancies} == {(4, 0), (0, 3)}
    received = StockMovement.objects.filter(reason=StockMovement.Reason.RECEIVED, reference__startswith="inbound ")
    assert received.count() == 5  # 3 lines with a discrepancy (one damaged), 2 as announced
    assert stock_ledger_mismatches() == []

    assert client.login(username="seller", password="seller-demo-pass")
    page = client.get("/seller/inbound/").content.decode()
    assert page.count('data-shipment="ASN-') == 5 and "1 short" not in page and "4 short" in page
