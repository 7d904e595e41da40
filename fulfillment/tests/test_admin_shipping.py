"""Staff work shipments from the admin: labels bought, printed, reprinted and voided, hand-over; events read-only."""

import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from pypdf import PdfReader

import fulfillment.admin_shipping  # noqa: F401  (registers the admins until fulfillment/admin.py imports it)
from fulfillment.models import Shipment, ShippingLabel, TrackingEvent
from fulfillment.tests.shipping_helpers import labelled_shipment, packed_shipment

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/fulfillment/shipment/"


def act(client, action: str, *shipments):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [s.pk for s in shipments]})


def status_of(shipment) -> str:
    return Shipment.objects.get(pk=shipment.pk).status


def test_the_changelist_takes_the_same_queries_for_one_shipment_and_for_thirty(assert_changelist_queries_constant):
    def make_rows(count: int) -> None:
        for _ in range(count):  # each of another order, from another warehouse
            packed_shipment()

    assert_changelist_queries_constant(CHANGELIST, make_rows)


def test_the_changelist_filters_by_status_and_warehouse_and_finds_a_tracking_number(staff_client):
    labelled, packed = labelled_shipment(), packed_shipment()

    by_status = staff_client.get(CHANGELIST, {"status__exact": "labelled"}).context["cl"].result_list
    by_warehouse = (
        staff_client.get(CHANGELIST, {"fulfillment_order__warehouse__id__exact": packed.fulfillment_order.warehouse_id})
        .context["cl"]
        .result_list
    )
    by_number = staff_client.get(CHANGELIST, {"q": labelled.tracking_number}).context["cl"].result_list
    by_order = staff_client.get(CHANGELIST, {"q": packed.fulfillment_order.order.number}).context["cl"].result_list

    assert [s.pk for s in by_status] == [labelled.pk]
    assert [s.pk for s in by_warehouse] == [packed.pk]
    assert [s.pk for s in by_number] == [labelled.pk]
    assert [s.pk for s in by_order] == [packed.pk]


def test_buying_labels_enqueues_a_task_per_packed_shipment(staff_client):
    packed, labelled = packed_shipment(), labelled_shipment()

    response = act(staff_client, "buy_labels", packed, labelled)

    assert response.status_code == 302
    assert status_of(packed) == "labelled"  # eager tasks in tests: the label was bought
    assert ShippingLabel.objects.count() == 2


def test_printing_a_batch_answers_one_pdf_and_the_zpl(staff_client):
    one, two = labelled_shipment(), labelled_shipment(parcels=2)

    pdf = act(staff_client, "print_labels_pdf", one, two)
    zpl = act(staff_client, "print_labels_zpl", one, two)

    assert pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) == 3
    assert zpl.content.decode().count("^XA") == 3


def test_printing_without_labels_says_so(staff_client):
    response = act(staff_client, "print_labels_pdf", packed_shipment())

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["None of these shipments has a live label."]


def test_a_label_is_reprinted_from_the_shipment_page(staff_client):
    shipment = labelled_shipment()
    label = ShippingLabel.objects.get()

    page = staff_client.get(f"{CHANGELIST}{shipment.pk}/change/").content.decode()
    pdf = staff_client.get(f"{CHANGELIST}label/{label.pk}/pdf/")
    zpl = staff_client.get(f"{CHANGELIST}label/{label.pk}/zpl/")

    assert f"{CHANGELIST}label/{label.pk}/pdf/" in page and shipment.tracking_number in page
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert zpl.content.decode() == label.zpl
    assert ShippingLabel.objects.get().printed_count == 2


def test_voiding_then_handing_over(staff_client):
    voided, handed = labelled_shipment(), labelled_shipment()

    act(staff_client, "void_labels", voided)
    act(staff_client, "hand_over", handed)
    refused = act(staff_client, "void_labels", handed)

    assert status_of(voided) == "packed" and ShippingLabel.objects.get(shipment=voided).voided_at is not None
    assert status_of(handed) == "in_transit"
    assert TrackingEvent.objects.filter(shipment=handed, status="picked_up", source="staff").count() == 1
    assert [str(m) for m in refused.wsgi_request._messages][
        -1
    ] == f"Shipment {handed.pk} is in_transit: too late to void."


def test_the_shipment_page_has_its_parcels_labels_and_events_and_edits_nothing(staff_client):
    shipment = labelled_shipment(parcels=2)

    response = staff_client.get(f"{CHANGELIST}{shipment.pk}/change/")
    posted = staff_client.post(f"{CHANGELIST}{shipment.pk}/change/", {"status": "delivered"})

    page = response.content.decode()
    assert all(n in page for n in shipment.parcels.values_list("tracking_number", flat=True))
    assert "Label created, shipment information sent to the carrier" in page
    assert posted.status_code != 500 and status_of(shipment) == "labelled"


def test_tracking_events_are_read_only_and_staff_only(staff_client):
    from django.test import Client

    labelled_shipment()
    event = TrackingEvent.objects.get()

    assert staff_client.get("/admin/fulfillment/trackingevent/").status_code == 200
    assert staff_client.get("/admin/fulfillment/trackingevent/add/").status_code == 403
    staff_client.post(f"/admin/fulfillment/trackingevent/{event.pk}/change/", {"status": "delivered"})
    assert TrackingEvent.objects.get().status == "label_created"
    assert Client().get(CHANGELIST).status_code == 302  # not logged in: to the login page
