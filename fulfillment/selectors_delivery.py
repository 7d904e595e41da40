"""Reads for the delivery promise: how often parcels arrived by the day promised, per carrier and per warehouse."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate

from fulfillment.carriers import carrier_names
from fulfillment.models import Shipment, Warehouse


@dataclass(frozen=True)
class OnTimeRow:
    label: str  # the carrier's name or the warehouse's code and name
    delivered: int  # parcels delivered that had a promise
    on_time: int  # of those, delivered by the last promised day
    overdue: int  # not delivered yet and past the last promised day

    @property
    def rate(self) -> Decimal | None:
        """The share delivered on time, in percent with one decimal; None before any delivery."""
        if not self.delivered:
            return None
        return (Decimal(100) * self.on_time / self.delivered).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class OnTimeReport:
    carriers: list[OnTimeRow]
    warehouses: list[OnTimeRow]


def on_time_report(*, today: dt.date) -> OnTimeReport:
    """Outbound parcels of orders with a promise, per carrier and per shipping warehouse: two queries."""
    promised = F("fulfillment_order__order__promised_to")
    parcels = (
        Shipment.objects.filter(
            direction=Shipment.Direction.OUTBOUND, fulfillment_order__order__promised_to__isnull=False
        )
        .exclude(status=Shipment.Status.CANCELLED)
        .annotate(delivered_day=TruncDate("delivered_at"))
    )
    counts = {
        "delivered": Count("pk", filter=Q(delivered_at__isnull=False)),
        "on_time": Count("pk", filter=Q(delivered_at__isnull=False, delivered_day__lte=promised)),
        "overdue": Count("pk", filter=Q(delivered_at__isnull=True, fulfillment_order__order__promised_to__lt=today)),
    }
    by_carrier = parcels.values("carrier").annotate(**counts).order_by("carrier")
    by_warehouse = (
        parcels.values("fulfillment_order__warehouse_id").annotate(**counts).order_by("fulfillment_order__warehouse_id")
    )
    warehouses = {w.pk: f"{w.code} {w.name}" for w in Warehouse.objects.only("code", "name")}
    return OnTimeReport(
        carriers=[
            OnTimeRow(
                label=carrier_names(row["carrier"], "")[0] if row["carrier"] else "No label yet",
                delivered=row["delivered"],
                on_time=row["on_time"],
                overdue=row["overdue"],
            )
            for row in by_carrier
        ],
        warehouses=[
            OnTimeRow(
                label=warehouses.get(row["fulfillment_order__warehouse_id"], "?"),
                delivered=row["delivered"],
                on_time=row["on_time"],
                overdue=row["overdue"],
            )
            for row in by_warehouse
        ],
    )
