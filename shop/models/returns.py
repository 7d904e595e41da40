"""Returns: what a shopper sends back, why, what the policy decided, and the refund it led to.

The shop decides and refunds; fulfillment carries the parcel back and inspects it (its InboundReturn,
keyed by this return's id). Status changes go through shop.services.returns.set_return_status.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from marketplace.storage import private_storage

MONEY = {"max_digits": 12, "decimal_places": 2}


class ReturnRequest(models.Model):
    class Status(models.TextChoices):
        IN_REVIEW = "in_review", "Waiting for review"
        APPROVED = "approved", "Approved: send it back"
        IN_TRANSIT = "in_transit", "On its way back"
        RECEIVED = "received", "Received, being inspected"
        COMPLETED = "completed", "Inspected"
        REFUNDED_WITHOUT_RETURN = "refunded_without_return", "Refunded, keep the item"
        REJECTED = "rejected", "Not accepted"
        EXPIRED = "expired", "Expired: never sent"

    class Reason(models.TextChoices):
        CHANGED_MIND = "changed_mind", "Changed my mind"
        DOESNT_FIT = "doesnt_fit", "Doesn't fit"
        DAMAGED = "damaged", "Arrived damaged"
        NOT_AS_DESCRIBED = "not_as_described", "Not as described"
        WRONG_ITEM = "wrong_item", "Wrong item sent"
        ARRIVED_LATE = "arrived_late", "Arrived too late"
        RETURNED_TO_SENDER = "returned_to_sender", "Returned to us by the carrier"

    class CostBearer(models.TextChoices):
        SELLER = "seller", "Seller"
        PLATFORM = "platform", "Platform"

    class RefundAt(models.TextChoices):
        INSPECTION = "inspection", "After inspection"
        FIRST_SCAN = "first_scan", "At the carrier's first scan"

    class Source(models.TextChoices):
        SHOPPER = "shopper", "The shopper"
        CARRIER = "carrier", "The carrier (returned to sender)"

    number = models.CharField(max_length=32, unique=True, help_text="The order's number and a sequence, e.g. -R1.")
    order = models.ForeignKey("shop.Order", on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=24, choices=Status.choices, db_index=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.SHOPPER)
    reason = models.CharField(max_length=24, choices=Reason.choices)
    comment = models.TextField(blank=True, max_length=1000)
    # The decision and why, as the policy (or staff) took it.
    cost_bearer = models.CharField(max_length=8, choices=CostBearer.choices)
    refund_at = models.CharField(max_length=12, choices=RefundAt.choices, default=RefundAt.INSPECTION)
    refund_shipping = models.BooleanField(default=False, help_text="The seller's fault: shipping is refunded too.")
    review_reason = models.CharField(max_length=200, blank=True, help_text="Why it waits for staff, if it does.")
    decision_message = models.CharField(max_length=500, blank=True, help_text="What staff told the shopper.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value = models.DecimalField(**MONEY, help_text="The returned units at the price paid.")
    currency = models.CharField(max_length=3)
    # The returns centre (or, returned to sender, the warehouse it left) the parcel goes to.
    warehouse = models.ForeignKey(
        "fulfillment.Warehouse", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ship_by = models.DateTimeField(null=True, blank=True, help_text="An approved return not sent by then expires.")
    refund = models.OneToOneField(
        "shop.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="return_request"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "ship_by"])]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="return_value_not_negative")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RETURN_STATUSES


# A return that still claims its units (they cannot be asked for again).
OPEN_RETURN_STATUSES = (
    ReturnRequest.Status.IN_REVIEW,
    ReturnRequest.Status.APPROVED,
    ReturnRequest.Status.IN_TRANSIT,
    ReturnRequest.Status.RECEIVED,
)
# Statuses whose units count as returned or being returned (the rest gave them back).
CLAIMING_RETURN_STATUSES = (
    *OPEN_RETURN_STATUSES,
    ReturnRequest.Status.COMPLETED,
    ReturnRequest.Status.REFUNDED_WITHOUT_RETURN,
)


class ReturnLine(models.Model):
    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("shop.OrderLine", on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    # Filled from fulfillment's inspection: units that came back (refunded), and units that did not.
    quantity_accepted = models.PositiveIntegerField(default=0)
    quantity_missing = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="return_line_quantity_positive"),
            models.UniqueConstraint(fields=["return_request", "order_line"], name="one_return_line_per_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"


def return_photo_path(instance: "ReturnPhoto", filename: str) -> str:
    return f"returns/{instance.return_request_id}/{filename}"


class ReturnPhoto(models.Model):
    """A shopper's photo of what is wrong; private (staff and the order's shopper and seller only)."""

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=return_photo_path, storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of return {self.return_request_id}"
