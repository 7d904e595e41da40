"""Returns the network receives: fulfillment's copy of an approved return, what comes back and what becomes of it.

The ids are the shop's return and return-line ids (plain numbers, as for OutboundOrder): the shop
decides whether a return is accepted and refunds it; fulfillment brings the parcel back, receives it
at a returns centre, inspects each line and puts units back into stock.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField


class InboundReturn(models.Model):
    class Status(models.TextChoices):
        EXPECTED = "expected", "Expected (label issued)"
        IN_TRANSIT = "in_transit", "On its way back"
        RECEIVED = "received", "Received, to inspect"
        INSPECTED = "inspected", "Inspected"
        CANCELLED = "cancelled", "Cancelled (never sent)"

    id = models.BigIntegerField(primary_key=True, help_text="The shop's return id.")
    number = models.CharField(max_length=32, unique=True)
    order = models.ForeignKey("fulfillment.OutboundOrder", on_delete=models.PROTECT, related_name="returns")
    warehouse = models.ForeignKey("fulfillment.Warehouse", on_delete=models.PROTECT, related_name="inbound_returns")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EXPECTED, db_index=True)
    # The parcel coming back: a return shipment with its own label, or the outbound one returned to sender.
    shipment = models.OneToOneField(
        "fulfillment.Shipment", null=True, blank=True, on_delete=models.PROTECT, related_name="inbound_return"
    )
    # Shown as a QR code: a drop-off point scans it and prints the label there.
    drop_off_code = models.CharField(max_length=40, blank=True)
    ship_name = models.CharField("name", max_length=200, blank=True)
    ship_line1 = models.CharField("address line 1", max_length=200, blank=True)
    ship_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100, blank=True)
    ship_region = models.CharField("state / region", max_length=100, blank=True)
    ship_postal_code = models.CharField("postal code", max_length=20, blank=True)
    ship_country = CountryField("country", blank=True)
    ship_phone = models.CharField("phone", max_length=40, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_at = models.DateTimeField(null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What did not match what was announced (fewer units, another item...), in the inspector's words.
    mismatch_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "return to receive"
        verbose_name_plural = "returns to receive"

    def __str__(self) -> str:
        return self.number


class InboundReturnLine(models.Model):
    """Units of one order line coming back, and (once inspected) what became of each."""

    class Disposition(models.TextChoices):
        RESTOCK = "restock", "Restock"
        REFURBISH = "refurbish", "Refurbish"
        WRITE_OFF = "write_off", "Write off"
        MISSING = "missing", "Missing"

    id = models.BigIntegerField(primary_key=True, help_text="The shop's return line id.")
    inbound_return = models.ForeignKey(InboundReturn, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("fulfillment.OutboundLine", on_delete=models.PROTECT, related_name="return_lines")
    variant = models.ForeignKey("shop.Variant", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(help_text="Units announced.")
    quantity_received = models.PositiveIntegerField(default=0)
    restocked = models.PositiveIntegerField(default=0)
    refurbished = models.PositiveIntegerField(default=0)
    written_off = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="inbound_return_line_quantity_positive"),
            # Every announced unit ends in exactly one disposition (or none yet).
            models.CheckConstraint(
                condition=Q(restocked__lte=F("quantity"))
                & Q(refurbished__lte=F("quantity"))
                & Q(written_off__lte=F("quantity"))
                & Q(missing__lte=F("quantity")),
                name="inbound_return_line_dispositions_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"

    @property
    def accepted(self) -> int:
        """Units that came back (whatever is done with them): the ones the shopper is refunded for."""
        return self.restocked + self.refurbished + self.written_off
