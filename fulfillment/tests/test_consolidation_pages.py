"""What the shopper sees of a consolidated parcel: the lane's legs, the master it flies under, the last-mile
number after the split; on the order page (same queries whatever the legs) and the public tracking page."""

import datetime as dt

import pytest

from fulfillment.models import Consolidation, ConsolidationItem, MasterScan
from fulfillment.services.consolidation import close_consolidation
from fulfillment.services.master_scans import record_master_scan, tender_consolidation
from fulfillment.tests.consolidation_helpers import labelled_abroad, lane
from fulfillment.tests.shipping_helpers import T0
from shop.models import Order

pytestmark = pytest.mark.django_db
M = MasterScan.Kind


def test_the_order_page_shows_the_lane_legs_the_master_and_the_last_mile_number(client, user, get_counting_queries):
    lane()
    shipment = labelled_abroad(user=user)
    order_url = Order.objects.get(pk=shipment.fulfillment_order.order_id).get_absolute_url()
    client.force_login(user)
    _, before_split = get_counting_queries(client, order_url)

    consolidation = Consolidation.objects.get()
    close_consolidation(consolidation_id=consolidation.pk)
    tender_consolidation(consolidation_id=consolidation.pk, at=T0)
    for hours, kind in ((1, M.DEPARTED), (9, M.ARRIVED), (10, M.CUSTOMS_CLEARED), (11, M.SPLIT)):
        record_master_scan(consolidation_id=consolidation.pk, kind=kind, occurred_at=T0 + dt.timedelta(hours=hours))
    consolidation.refresh_from_db()
    number = ConsolidationItem.objects.get(shipment=shipment).last_mile_tracking_number

    response, after_split = get_counting_queries(client, order_url)
    page = response.content.decode()

    assert f"under air waybill {consolidation.awb}" in page
    assert f'Now with Royal Mail, tracking number\n      <a href="/carriers/track/{number}/">{number}</a>' in page
    assert "Newark fulfillment centre → JFK export hub" in page
    assert "JFK (Atlantic Cargo) → LHR import gateway" in page
    assert "Royal Mail, London → London" in page
    assert f"Departed JFK on Atlantic Cargo, air waybill {consolidation.awb}" in page
    assert before_split == after_split

    public = client.get(f"/carriers/track/{number}/").content.decode()
    assert f"Handed to Royal Mail: tracking number {number}" in public and "John Smith" not in public


def test_a_parcel_flying_alone_shows_no_route_box(client, user):
    shipment = labelled_abroad(user=user)  # no lane
    client.force_login(user)
    page = client.get(Order.objects.get(pk=shipment.fulfillment_order.order_id).get_absolute_url()).content.decode()
    assert "Flies consolidated" not in page and shipment.tracking_number in page
