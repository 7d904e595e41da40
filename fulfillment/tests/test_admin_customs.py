"""The fulfillment admin's customs pages: the held-at-customs queue, the release page and a shipment's documents."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fulfillment.models import ClearanceDocument, CustomsDocument, Shipment, TrackingEvent
from fulfillment.services.tracking import hand_over_to_carrier, ingest_tracking_event
from fulfillment.tests.shipping_helpers import LONDON, T0, labelled_shipment
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE_URL = reverse("admin:fulfillment_shipment_held_at_customs")
PDF = b"%PDF-1.4 the seller's commercial invoice"


def release_url(shipment: Shipment) -> str:
    return reverse("admin:fulfillment_shipment_release", args=[shipment.pk])


def held_shipment(*, reason: str = "documents_missing", at: dt.datetime = T0) -> Shipment:
    """A labelled parcel to London, handed over and held at import customs (a carrier scan) with `reason`."""
    shipment = labelled_shipment(address=LONDON)
    hand_over_to_carrier(shipment_id=shipment.pk)
    ingest_tracking_event(
        tracking_number=shipment.tracking_number,
        status=TrackingEvent.Status.IN_TRANSIT,
        occurred_at=at - dt.timedelta(hours=2),
        location="GB import customs",
        stage="import_customs",
    )
    ingest_tracking_event(
        tracking_number=shipment.tracking_number,
        status=TrackingEvent.Status.CUSTOMS_HELD,
        occurred_at=at,
        location="GB import customs",
        description="Held at import customs",
        stage="import_customs",
        customs_reason=reason,
    )
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.CUSTOMS_HOLD
    return shipment


def test_the_queue_lists_only_held_shipments_with_reason_since_and_declaration(staff_client):
    held = held_shipment(reason="value_queried")
    in_transit = labelled_shipment(address=LONDON)
    hand_over_to_carrier(shipment_id=in_transit.pk)
    document = CustomsDocument.objects.get(shipment=held)

    response = staff_client.get(QUEUE_URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert [row["shipment"].pk for row in response.context["rows"]] == [held.pk]
    row = response.context["rows"][0]
    assert row["reason"] == "Declared value queried"
    assert row["held_since"] == T0
    assert row["destination"] == "London, GB"
    assert row["order"].number in page and held.tracking_number in page
    assert in_transit.tracking_number not in page
    pdf_url = reverse("admin:fulfillment_customs_document_pdf", args=[document.pk])
    assert f'href="{pdf_url}">{document.get_kind_display()} (PDF)' in page
    assert release_url(held) in page


def test_an_empty_queue_says_so(staff_client):
    response = staff_client.get(QUEUE_URL)

    assert response.status_code == 200
    assert "No shipment is held at customs." in response.content.decode()


def test_the_declaration_pdf_is_served_to_staff(staff_client):
    held = held_shipment()
    document = CustomsDocument.objects.get(shipment=held)

    response = staff_client.get(reverse("admin:fulfillment_customs_document_pdf", args=[document.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert f"{document.kind}-{held.tracking_number}.pdf" in response["Content-Disposition"]


def test_staff_release_a_held_shipment_with_a_pdf_and_a_note(staff_client, staff_user):
    held = held_shipment()
    document = SimpleUploadedFile("invoice.pdf", PDF, content_type="application/pdf")

    response = staff_client.post(release_url(held), {"document": document, "note": "Sent the seller's invoice"})

    assert response.status_code == 302 and response["Location"] == QUEUE_URL
    held.refresh_from_db()
    assert held.status == Shipment.Status.CLEARED
    clearance = ClearanceDocument.objects.get(shipment=held)
    assert (clearance.note, clearance.by, clearance.document.read()) == ("Sent the seller's invoice", staff_user, PDF)
    released = held.tracking_events.get(status=TrackingEvent.Status.CUSTOMS_RELEASED)
    assert released.source == TrackingEvent.Source.STAFF
    assert "Sent the seller's invoice" in released.description
    assert staff_client.get(QUEUE_URL).context["rows"] == []
    # The shipment's admin page shows what was sent, with a link to the document.
    change = staff_client.get(reverse("admin:fulfillment_shipment_change", args=[held.pk])).content.decode()
    assert "Sent the seller&#x27;s invoice" in change
    assert reverse("admin:fulfillment_clearance_document_file", args=[clearance.pk]) in change
    served = staff_client.get(reverse("admin:fulfillment_clearance_document_file", args=[clearance.pk]))
    assert b"".join(served.streaming_content) == PDF


def test_a_file_that_is_not_a_document_is_a_form_error_and_nothing_changes(staff_client):
    held = held_shipment()
    events_before = held.tracking_events.count()
    script = SimpleUploadedFile("invoice.pdf", b"#!/bin/sh\necho hi", content_type="application/pdf")

    response = staff_client.post(release_url(held), {"document": script, "note": "Invoice"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"document": ["Attach a PDF, PNG or JPEG document."]}
    held.refresh_from_db()
    assert held.status == Shipment.Status.CUSTOMS_HOLD
    assert not ClearanceDocument.objects.exists() and held.tracking_events.count() == events_before


def test_a_release_with_neither_document_nor_note_is_refused(staff_client):
    held = held_shipment()

    response = staff_client.post(release_url(held), {"note": "  "})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Attach the document customs asked for, or say in the note what was sent."
    ]
    held.refresh_from_db()
    assert held.status == Shipment.Status.CUSTOMS_HOLD and not ClearanceDocument.objects.exists()


def test_a_shipment_not_held_is_refused_as_a_form_error(staff_client):
    in_transit = labelled_shipment(address=LONDON)
    hand_over_to_carrier(shipment_id=in_transit.pk)

    page = staff_client.get(release_url(in_transit))
    response = staff_client.post(release_url(in_transit), {"note": "Sent the invoice"})

    assert "not held at customs: there is nothing to release" in page.content.decode()
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"Shipment {in_transit.pk} is in transit, not held at customs."
    ]
    in_transit.refresh_from_db()
    assert in_transit.status == Shipment.Status.IN_TRANSIT and not ClearanceDocument.objects.exists()


def test_a_second_release_of_the_same_shipment_is_refused(staff_client):
    held = held_shipment()
    assert staff_client.post(release_url(held), {"note": "Sent the invoice"}).status_code == 302

    again = staff_client.post(release_url(held), {"note": "Sent it again"})

    assert again.status_code == 200
    assert "not held at customs" in again.context["form"].non_field_errors()[0]
    assert ClearanceDocument.objects.filter(shipment=held).count() == 1


def test_only_staff_who_may_change_shipments_release_them(client):
    held = held_shipment()
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_shipment", content_type__app_label="fulfillment"))
    client.force_login(viewer)

    queue = client.get(QUEUE_URL)
    release = client.post(release_url(held), {"note": "Sent the invoice"})

    assert queue.status_code == 200 and release_url(held) not in queue.content.decode()
    assert release.status_code == 403
    held.refresh_from_db()
    assert held.status == Shipment.Status.CUSTOMS_HOLD


def test_staff_without_shipment_permissions_and_shoppers_are_kept_out(client, user):
    held = held_shipment()
    clerk = UserFactory(is_staff=True)
    client.force_login(clerk)
    assert client.get(QUEUE_URL).status_code == 403
    assert client.post(release_url(held), {"note": "x"}).status_code == 403
    document = CustomsDocument.objects.get(shipment=held)
    assert client.get(reverse("admin:fulfillment_customs_document_pdf", args=[document.pk])).status_code == 403

    client.force_login(user)  # a shopper: the admin sends them to its log-in page
    assert client.get(QUEUE_URL).status_code == 302
    assert client.post(release_url(held), {"note": "x"}).status_code == 302
    held.refresh_from_db()
    assert held.status == Shipment.Status.CUSTOMS_HOLD and not ClearanceDocument.objects.exists()


def test_the_admin_home_links_the_queue(staff_client):
    home = staff_client.get(reverse("admin:index")).content.decode()

    assert f'<a href="{QUEUE_URL}">Held at customs</a>' in home


def test_the_shipment_page_shows_its_declaration_and_electronic_record(staff_client):
    held = held_shipment()
    document = CustomsDocument.objects.get(shipment=held)

    page = staff_client.get(reverse("admin:fulfillment_shipment_change", args=[held.pk])).content.decode()

    assert "customs documents (declarations)" in page.lower()
    assert reverse("admin:fulfillment_customs_document_pdf", args=[document.pk]) in page
    assert "&quot;schema&quot;: &quot;marketplace.customs.v1&quot;" in page
    assert f"&quot;tracking_number&quot;: &quot;{held.tracking_number}&quot;" in page


def test_the_queue_costs_the_same_queries_for_one_and_for_many_held_shipments(staff_client, get_counting_queries):
    held_shipment()
    staff_client.get(QUEUE_URL)  # warm per-process caches (content types, session)
    one_response, one = get_counting_queries(staff_client, QUEUE_URL)
    for hours in range(1, 5):
        held_shipment(reason="value_queried", at=T0 + dt.timedelta(hours=hours))

    many_response, many = get_counting_queries(staff_client, QUEUE_URL)

    assert len(one_response.context["rows"]) == 1 and len(many_response.context["rows"]) == 5
    assert many == one
    held_since = [row["held_since"] for row in many_response.context["rows"]]
    assert held_since == sorted(held_since)
