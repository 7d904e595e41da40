"""Boxes, pick lists, shipments with their parcels and labels, tracking legs and events."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketplace.storage import private_storage

from .stock import FulfillmentOrder, Warehouse


class Box(models.Model):
    """A carton in a warehouse's box catalogue; packing suggests the smallest that fits."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="boxes")
    code = models.CharField(max_length=16)
    name = models.CharField(max_length=80)
    inner_length_mm = models.PositiveIntegerField()
    inner_width_mm = models.PositiveIntegerField()
    inner_height_mm = models.PositiveIntegerField()
    max_weight_grams = models.PositiveIntegerField()
    tare_weight_grams = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["warehouse", "inner_length_mm", "inner_width_mm", "inner_height_mm", "code"]
        verbose_name_plural = "boxes"
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="box_code_per_warehouse")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def volume_mm3(self) -> int:
        return self.inner_length_mm * self.inner_width_mm * self.inner_height_mm


class PickList(models.Model):
    """A batch of fulfillment orders picked together in one warehouse, printed sorted by bin."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="pick_lists")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Pick list {self.pk} at {self.warehouse_id}"


class Shipment(models.Model):
    """What leaves one warehouse for one order: one or more parcels under one label purchase."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ALLOCATED = "allocated", "Allocated"
        PICKING = "picking", "Picking"
        PACKED = "packed", "Packed"
        LABELLED = "labelled", "Labelled"
        IN_TRANSIT = "in_transit", "In transit"
        AT_HUB = "at_hub", "At hub"
        CUSTOMS_HOLD = "customs_hold", "Held at customs"
        CLEARED = "cleared", "Cleared customs"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        EXCEPTION = "exception", "Exception"
        RETURNED_TO_SENDER = "returned_to_sender", "Returned to sender"
        CANCELLED = "cancelled", "Cancelled"

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", "To the shopper"
        RETURN = "return", "Back to a returns centre"

    # Empty for a return shipment: it comes back for an InboundReturn (its `inbound_return`).
    fulfillment_order = models.ForeignKey(
        FulfillmentOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="shipments"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.OUTBOUND)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ALLOCATED, db_index=True)
    # The carrier and service of the current label (empty until one is bought).
    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True, db_index=True)
    promised_days = models.PositiveSmallIntegerField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Where the simulated network has taken it; the simulation advances shipments due before now.
    next_simulated_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(direction="return") | Q(fulfillment_order__isnull=False),
                name="outbound_shipment_has_fulfillment_order",
            )
        ]

    def __str__(self) -> str:
        return f"Shipment {self.pk} ({self.status})"

    @property
    def is_return(self) -> bool:
        return self.direction == self.Direction.RETURN


class Parcel(models.Model):
    """One box of a shipment, with what the scale and the tape measure said."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="parcels")
    box = models.ForeignKey(Box, null=True, blank=True, on_delete=models.SET_NULL, related_name="parcels")
    sequence = models.PositiveSmallIntegerField(default=1)
    weight_grams = models.PositiveIntegerField()
    length_mm = models.PositiveIntegerField()
    width_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    tracking_number = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sequence"], name="parcel_sequence_per_shipment"),
            models.CheckConstraint(condition=Q(weight_grams__gte=1), name="parcel_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"Parcel {self.sequence} of shipment {self.shipment_id}"


def label_path(instance: "ShippingLabel", filename: str) -> str:
    return f"labels/{instance.carrier}/{filename}"


class ShippingLabel(models.Model):
    """A bought label (PDF 4x6 and ZPL, one page per parcel); voided labels stay for the record."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="labels")
    carrier = models.CharField(max_length=40)
    service = models.CharField(max_length=40)
    tracking_number = models.CharField(max_length=40, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    pdf = models.FileField(upload_to=label_path, storage=private_storage)
    zpl = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    printed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # At most one live label per shipment; a new one needs the old one voided.
            models.UniqueConstraint(
                fields=["shipment"], condition=Q(voided_at__isnull=True), name="one_live_label_per_shipment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class CarrierSerial(models.Model):
    """A counter per carrier and series, so the built-in carriers issue unique tracking numbers."""

    key = models.CharField(max_length=60, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class IssuedTrackingNumber(models.Model):
    """Every number a built-in carrier issued (its label store), with the void if any."""

    tracking_number = models.CharField(max_length=40, unique=True)
    carrier = models.CharField(max_length=40)
    service = models.CharField(max_length=40)
    label_number = models.CharField(max_length=40, db_index=True)
    created_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.tracking_number


class TrackingLeg(models.Model):
    """A stage of a shipment's journey, e.g. pickup, line haul, hub, export, import customs, last mile."""

    class Kind(models.TextChoices):
        FIRST_MILE = "first_mile", "Pickup"
        LINE_HAUL = "line_haul", "Line haul"
        HUB = "hub", "Hub"
        EXPORT = "export", "Export"
        IMPORT_CUSTOMS = "import_customs", "Import customs"
        LAST_MILE = "last_mile", "Last mile"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="legs")
    sequence = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    origin = models.CharField(max_length=120)
    destination = models.CharField(max_length=120)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipment", "sequence"]
        constraints = [models.UniqueConstraint(fields=["shipment", "sequence"], name="leg_sequence_per_shipment")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.origin} -> {self.destination}"


class TrackingEvent(models.Model):
    """What a carrier reported (or the simulation), stored once however often it is delivered."""

    class Status(models.TextChoices):
        LABEL_CREATED = "label_created", "Label created"
        PICKED_UP = "picked_up", "Picked up"
        AT_SORTING_FACILITY = "at_sorting_facility", "At sorting facility"
        IN_TRANSIT = "in_transit", "In transit"
        OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
        DELIVERED = "delivered", "Delivered"
        EXCEPTION = "exception", "Exception"
        DELIVERY_ATTEMPTED = "delivery_attempted", "Delivery attempted"
        RETURNED_TO_SENDER = "returned_to_sender", "Returned to sender"
        VOIDED = "voided", "Label voided"
        EXPORT_CLEARED = "export_cleared", "Export cleared"
        CUSTOMS_HELD = "customs_held", "Held at import customs"
        CUSTOMS_RELEASED = "customs_released", "Released by customs"
        DUTIES_DUE = "duties_due", "Import charges to pay on delivery"
        DUTIES_PAID = "duties_paid", "Import charges paid"

    class CustomsReason(models.TextChoices):
        NONE = "", "-"
        DOCUMENTS_MISSING = "documents_missing", "Documents missing"
        VALUE_QUERIED = "value_queried", "Declared value queried"
        RESTRICTED_ITEM = "restricted_item", "Restricted item"
        DUTIES_UNPAID = "duties_unpaid", "Import charges unpaid"

    class Source(models.TextChoices):
        CARRIER = "carrier", "Carrier webhook"
        SIMULATION = "simulation", "Simulated network"
        STAFF = "staff", "Staff"
        SYSTEM = "system", "System"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    leg = models.ForeignKey(TrackingLeg, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    tracking_number = models.CharField(max_length=40, db_index=True)
    status = models.CharField(max_length=24, choices=Status.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=240, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.CARRIER)
    # Why customs hold it (a customs_held event).
    customs_reason = models.CharField(max_length=20, choices=CustomsReason.choices, blank=True)
    # sha256 of (tracking number, status, time, location): the same event twice is stored once.
    fingerprint = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["shipment", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.tracking_number} {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"


_S = Shipment.Status
# Statuses of a shipment the carrier has taken (it left the warehouse), whatever happened since.
MOVING_STATUSES = frozenset({_S.IN_TRANSIT, _S.AT_HUB, _S.CUSTOMS_HOLD, _S.CLEARED, _S.OUT_FOR_DELIVERY})
HANDED_OVER_STATUSES = MOVING_STATUSES | {_S.EXCEPTION, _S.DELIVERED, _S.RETURNED_TO_SENDER}


def customs_document_path(instance: "CustomsDocument", filename: str) -> str:
    return f"customs/{instance.shipment_id}/{filename}"


class CustomsDocument(models.Model):
    """The declaration an international label travels with (CN22, CN23 or commercial invoice) and its record."""

    class Kind(models.TextChoices):
        CN22 = "cn22", "CN22"
        CN23 = "cn23", "CN23"
        COMMERCIAL_INVOICE = "commercial_invoice", "Commercial invoice"

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="customs_documents")
    label = models.OneToOneField(ShippingLabel, on_delete=models.CASCADE, related_name="customs_document")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    pdf = models.FileField(upload_to=customs_document_path, storage=private_storage)
    # The advance electronic data for the carrier or broker (fulfillment.customs.electronic_record).
    record = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of shipment {self.shipment_id}"


def clearance_document_path(instance: "ClearanceDocument", filename: str) -> str:
    return f"clearance/{instance.shipment_id}/{filename}"


class ClearanceDocument(models.Model):
    """What staff sent customs to release a held shipment (a document, a note), kept with the shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="clearance_documents")
    document = models.FileField(upload_to=clearance_document_path, storage=private_storage, blank=True)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Clearance of shipment {self.shipment_id}"
