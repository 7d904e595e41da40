"""A LabelStore in the database, so the built-in carriers' numbers stay unique across processes and restarts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from fulfillment.carriers.builtin import IssuedNumber
from fulfillment.models import CarrierSerial, IssuedTrackingNumber


class DatabaseLabelStore:
    """Serial counters (CarrierSerial) and issued numbers (IssuedTrackingNumber) kept in our tables."""

    def next_serial(self, key: str) -> int:
        """The next value of the counter; the UPDATE's row lock makes concurrent callers take turns."""
        with transaction.atomic():
            CarrierSerial.objects.get_or_create(key=key)
            CarrierSerial.objects.filter(key=key).update(value=F("value") + 1)
            # Read inside the same transaction: the lock taken by the UPDATE is held until commit.
            return CarrierSerial.objects.filter(key=key).values_list("value", flat=True).get()

    def record(self, issued: IssuedNumber) -> None:
        IssuedTrackingNumber.objects.create(
            tracking_number=issued.tracking_number,
            carrier=issued.carrier,
            service=issued.service,
            label_number=issued.label_number,
            created_at=issued.created_at,
            voided_at=issued.voided_at,
        )

    def get(self, tracking_number: str) -> IssuedNumber | None:
        row = IssuedTrackingNumber.objects.filter(tracking_number=tracking_number).first()
        if row is None:
            return None
        return IssuedNumber(
            tracking_number=row.tracking_number,
            carrier=row.carrier,
            service=row.service,
            label_number=row.label_number,
            created_at=row.created_at,
            voided_at=row.voided_at,
        )

    def mark_void(self, label_number: str, *, at: dt.datetime) -> None:
        IssuedTrackingNumber.objects.filter(label_number=label_number, voided_at__isnull=True).update(voided_at=at)
