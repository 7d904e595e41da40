"""Customs holds worked by staff: attach what customs asked for and release the shipment.

The release is a staff tracking event (`customs_released`) through `ingest_tracking_event`, the one door
of the shipment's machine: the shipment is cleared and the shop hears of it as of any carrier scan.
"""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fulfillment.models import ClearanceDocument, Shipment, TrackingEvent
from fulfillment.services.tracking import TrackingError, ingest_tracking_event

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ACCEPTED_DOCUMENTS = {b"%PDF": "pdf", b"\x89PNG": "png", b"\xff\xd8\xff": "jpg"}


class NotHeldAtCustoms(TrackingError):
    def __init__(self, shipment: Shipment) -> None:
        super().__init__(f"Shipment {shipment.pk} is {shipment.get_status_display().lower()}, not held at customs.")


class InvalidClearanceDocument(TrackingError):
    """The attached file is not a PDF, PNG or JPEG of at most 10 MB."""


def _check_document(document: UploadedFile) -> None:
    if document.size is not None and document.size > MAX_DOCUMENT_BYTES:
        raise InvalidClearanceDocument("The document is larger than 10 MB.")
    document.seek(0)
    head = document.read(4)
    document.seek(0)
    if not any(head.startswith(magic) for magic in ACCEPTED_DOCUMENTS):
        raise InvalidClearanceDocument("Attach a PDF, PNG or JPEG document.")


def release_from_customs(
    *, shipment_id: int, note: str = "", document: UploadedFile | None = None, by=None
) -> TrackingEvent:
    """Keep what was sent to customs and release the held shipment; refuses one not held (nothing changes)."""
    note = (note or "").replace("\x00", "").strip()[:300]
    if document is not None:
        _check_document(document)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
        if shipment.status != Shipment.Status.CUSTOMS_HOLD:
            raise NotHeldAtCustoms(shipment)
        ClearanceDocument.objects.create(
            shipment=shipment,
            document=document,
            note=note,
            by=by if getattr(by, "is_authenticated", False) else None,
        )
        # After the carrier's last scan whatever its clock says, so the release is what moves the shipment.
        last_scan = shipment.tracking_events.aggregate(at=Max("occurred_at"))["at"]
        at = timezone.now().replace(microsecond=0)
        if last_scan is not None and last_scan >= at:
            at = last_scan + dt.timedelta(seconds=1)
        return ingest_tracking_event(
            tracking_number=shipment.tracking_number,
            status=TrackingEvent.Status.CUSTOMS_RELEASED,
            occurred_at=at,
            location="Import customs",
            description=f"Released by customs after staff sent what was asked: {note}"[:240]
            if note
            else "Released by customs",
            source=TrackingEvent.Source.STAFF,
            by=by,
        )
