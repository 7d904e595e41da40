"""The public tracking page (no personal data) and the shipments on the shopper's order page."""

import datetime as dt

import pytest

from fulfillment.services.labels import void_label
from fulfillment.services.tracking import ingest_tracking_event
from fulfillment.tests.shipping_helpers import T0, labelled_shipment, packed_shipment
from shop.checkout.links import order_path
from shop.models import Order

pytestmark = pytest.mark.django_db


def scans(shipment, count: int) -> None:
    for i, status in enumerate(
        ["picked_up", "at_sorting_facility", "in_transit", "in_transit", "out_for_delivery"][:count]
    ):
        ingest_tracking_event(
            tracking_number=shipment.tracking_number,
            status=status,
            occurred_at=T0 + dt.timedelta(hours=i),
            location=f"Facility {i}",
            description=f"Scan number {i}",
        )


def test_the_public_page_shows_carrier_status_and_timeline_and_nothing_personal(client):
    shipment = labelled_shipment()
    scans(shipment, 3)
    order = Order.objects.get(pk=shipment.fulfillment_order.order_id)

    response = client.get(f"/carriers/track/{shipment.tracking_number}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Tracking {shipment.tracking_number}</h1>" in page
    assert "<dd>Domestic Ground</dd>" in page and "<dd>Ground</dd>" in page
    assert "In transit</span>" in page
    assert page.index("Label created") < page.index("Scan number 0") < page.index("Scan number 2")
    assert "Facility 1" in page
    for personal in (order.ship_name, "Ada", order.ship_line1, order.email, order.ship_phone, order.number):
        assert personal not in page, personal


def test_an_unknown_or_voided_number_is_a_404_page(client):
    shipment = labelled_shipment()
    old = shipment.tracking_number
    void_label(shipment_id=shipment.pk, by=None)

    assert client.get("/carriers/track/9200000000000000000000/").status_code == 404
    response = client.get(f"/carriers/track/{old}/")
    assert response.status_code == 404
    assert "Tracking number not found" in response.content.decode()


def test_the_form_sends_a_typed_number_to_its_page(client):
    form = client.get("/carriers/track/")
    redirect = client.get("/carriers/track/", {"number": " lx 000000014us "})

    assert form.status_code == 200 and 'name="number"' in form.content.decode()
    assert redirect.status_code == 302 and redirect["Location"] == "/carriers/track/LX000000014US/"


def test_the_public_page_takes_the_same_queries_for_one_scan_and_for_many(client, get_counting_queries):
    few, many = labelled_shipment(), labelled_shipment()
    scans(few, 1)
    scans(many, 5)

    _, one = get_counting_queries(client, f"/carriers/track/{few.tracking_number}/")
    _, five = get_counting_queries(client, f"/carriers/track/{many.tracking_number}/")

    assert one == five


def test_the_order_page_shows_each_shipment_with_its_carrier_tracking_link_and_timeline(client, user):
    shipment = labelled_shipment(user=user)
    scans(shipment, 2)
    client.force_login(user)

    page = client.get(Order.objects.get(pk=shipment.fulfillment_order.order_id).get_absolute_url()).content.decode()

    assert "Shipments</h2>" in page
    assert f'<a href="/carriers/track/{shipment.tracking_number}/">{shipment.tracking_number}</a>' in page
    assert "Domestic Ground · Ground" in page
    assert "Scan number 1" in page and "In transit</span>" in page


def test_a_guest_sees_the_shipments_through_the_signed_link_and_a_packed_shipment_shows_as_being_prepared(client):
    shipment = packed_shipment()

    page = client.get(order_path(Order.objects.get(pk=shipment.fulfillment_order.order_id))).content.decode()

    assert "Being prepared" in page and "its tracking number appears here once it is labelled" in page


def test_the_order_page_takes_the_same_queries_for_one_shipment_and_for_many(client, user, get_counting_queries):
    from fulfillment.models import FulfillmentOrder, Parcel, Shipment
    from fulfillment.services.labels import buy_label
    from marketplace.tests.factories import UserFactory

    other = UserFactory()  # one cart per account: the second order is another shopper's
    small = labelled_shipment(user=user)
    scans(small, 1)
    big = labelled_shipment(user=other)
    scans(big, 5)
    # Two more shipments on the big order's fulfillment order, each labelled and scanned.
    fulfillment_order = FulfillmentOrder.objects.get(pk=big.fulfillment_order_id)
    for _ in range(2):
        extra = Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.PACKED)
        Parcel.objects.create(shipment=extra, weight_grams=500, length_mm=100, width_mm=100, height_mm=100)
        buy_label(shipment_id=extra.pk)
        extra.refresh_from_db()
        scans(extra, 5)

    client.force_login(user)
    _, one = get_counting_queries(client, Order.objects.get(pk=small.fulfillment_order.order_id).get_absolute_url())
    client.force_login(other)
    response, three = get_counting_queries(
        client, Order.objects.get(pk=big.fulfillment_order.order_id).get_absolute_url()
    )

    assert response.content.decode().count('class="order-shipment"') == 3
    assert one == three


def test_a_parcel_number_opens_its_shipment_page(client):
    shipment = labelled_shipment(parcels=2)
    second = shipment.parcels.get(sequence=2).tracking_number

    response = client.get(f"/carriers/track/{second}/")

    assert response.status_code == 200
    assert f"<h1>Tracking {shipment.tracking_number}</h1>" in response.content.decode()
