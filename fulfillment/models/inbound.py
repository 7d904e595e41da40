"""Stock sellers send to our warehouses: the announcement (ASN), its lines, and what staff counted on arrival.

Keyed by plain ids as OutboundOrder is: `seller_id` is the shop's seller id (fulfillment never imports
the shop). The seller announces; staff count each line (received, of which damaged) and close the
receipt (fulfillment.services.receiving), which puts the good units into stock as RECEIVED movements
and keeps each line's discrepancy for the seller to see.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class InboundShipment(models.Model):
    class Status(models.TextChoices):
        ANNOUNCED = "announced", "Announced"
        RECEIVING = "receiving", "Being counted"
        CLOSED = "closed", "Received"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=24, unique=True, help_text="Printed on the cartons, e.g. ASN-7KQ2M9XH.")
    seller_id = models.PositiveBigIntegerField(db_index=True, help_text="The shop's seller id.")
    warehouse = models.ForeignKey("fulfillment.Warehouse", on_delete=models.PROTECT, related_name="inbound_shipments")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ANNOUNCED, db_index=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True, db_index=True)
    expected_on = models.DateField(help_text="When the seller expects it at the warehouse.")
    note = models.CharField(max_length=300, blank=True, help_text="The seller's note to the warehouse.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by staff's "close" (run as a task): a sweep sends the close again if no worker finished it.
    close_requested_at = models.DateTimeField(null=True, blank=True)
    close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "inbound shipment (ASN)"
        verbose_name_plural = "inbound shipments (ASN)"
        indexes = [models.Index(fields=["seller_id", "-created_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ANNOUNCED, self.Status.RECEIVING)

    @property
    def discrepancies(self) -> list["InboundShipmentLine"]:
        """Lines of a closed receipt that did not match (short, over, damaged); uses prefetched lines."""
        if self.status != self.Status.CLOSED:
            return []
        return [line for line in self.lines.all() if line.has_discrepancy]


class InboundShipmentLine(models.Model):
    """Units of one variant announced, and once counted: how many arrived, how many of those damaged."""

    shipment = models.ForeignKey(InboundShipment, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("shop.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64, help_text="The variant's SKU when announced.")
    quantity_expected = models.PositiveIntegerField()
    # None until counted; damaged units are part of the received ones and never reach the shelf.
    quantity_received = models.PositiveIntegerField(null=True, blank=True)
    quantity_damaged = models.PositiveIntegerField(default=0)
    # The discrepancy, kept when the receipt closes: fewer or more than announced.
    quantity_short = models.PositiveIntegerField(default=0)
    quantity_over = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "variant"], name="inbound_line_one_per_variant"),
            models.CheckConstraint(condition=Q(quantity_expected__gte=1), name="inbound_line_expected_positive"),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True, quantity_damaged=0)
                | Q(quantity_damaged__lte=F("quantity_received")),
                name="inbound_line_damaged_within_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_expected} x {self.sku}"

    @property
    def quantity_good(self) -> int:
        """Units put on the shelf: received and not damaged."""
        return (self.quantity_received or 0) - self.quantity_damaged

    @property
    def has_discrepancy(self) -> bool:
        return bool(self.quantity_short or self.quantity_over or self.quantity_damaged)
