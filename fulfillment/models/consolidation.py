"""Lanes from a consolidation hub to a destination, consolidations under one master air waybill, master scans.

A parcel bound abroad on a lane is an item of its lane's open consolidation; closing it makes the master
shipment (air waybill, manifest). Scans of the master are stored once (`MasterScan`, unique per kind) and
fanned out to every parcel in it (fulfillment.services.master_scans).
"""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from marketplace.storage import private_storage

from .shipping import Shipment
from .stock import Warehouse


class Lane(models.Model):
    """A route abroad: fulfillment centres of the hub's country -> export hub -> air -> import gateway -> last mile."""

    class Service(models.TextChoices):
        # The built-in carriers' service codes: a parcel labelled for this service rides this lane.
        POSTAL = "postal", "Postal (tracked packet)"
        EXPRESS = "express", "Express"

    code = models.CharField(max_length=24, unique=True, help_text="e.g. US-GB-POSTAL")
    name = models.CharField(max_length=120)
    origin_hub = models.ForeignKey(
        Warehouse,
        on_delete=models.PROTECT,
        related_name="lanes",
        limit_choices_to={"kind": Warehouse.Kind.CONSOLIDATION_HUB},
    )
    origin_countries = models.CharField(
        max_length=120,
        blank=True,
        help_text="Countries whose fulfillment centres feed this hub, separated by spaces (empty: the hub's own).",
    )
    destination_countries = models.CharField(
        max_length=120, help_text="ISO country codes separated by spaces: one country, or a region such as 'DE AT NL'."
    )
    service = models.CharField(max_length=16, choices=Service.choices)
    # The linehaul legs, as shown on every parcel's timeline.
    departure_airport = models.CharField(max_length=3, help_text="IATA airport code, e.g. EWR")
    airline_name = models.CharField(max_length=80)
    airline_prefix = models.CharField(max_length=3, help_text="IATA 3-digit airline prefix of the air waybill")
    import_gateway = models.CharField(max_length=80, help_text="Where the master lands and is split, e.g. LHR")
    import_gateway_city = models.CharField(max_length=80)
    last_mile_carrier = models.CharField(max_length=80, help_text="Who delivers after the split, e.g. Royal Mail")
    last_mile_prefix = models.CharField(
        max_length=2, default="LM", help_text="2 letters of the last-mile carrier's S10 tracking numbers"
    )
    flight_hours = models.PositiveSmallIntegerField(default=10)
    # Departure schedule: cut-off times of each day in the hub's time zone ('09:00, 17:00').
    cutoff_times = models.CharField(max_length=120, default="17:00")
    hub_timezone = models.CharField(max_length=60, default="UTC")
    # Capacity of one master.
    max_parcels = models.PositiveIntegerField(default=500, validators=[MinValueValidator(1)])
    max_weight_grams = models.PositiveIntegerField(default=500_000, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(max_parcels__gte=1), name="lane_max_parcels_positive"),
            models.CheckConstraint(condition=Q(max_weight_grams__gte=1), name="lane_max_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def origins(self) -> list[str]:
        codes = [c.upper() for c in self.origin_countries.replace(",", " ").split() if c]
        return codes or [str(self.origin_hub.country).upper()]

    @property
    def destinations(self) -> list[str]:
        return [c.upper() for c in self.destination_countries.replace(",", " ").split() if c]


class Consolidation(models.Model):
    """The parcels of one lane leaving at one departure, under one master air waybill once closed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        TENDERED = "tendered", "Tendered to the airline"
        DEPARTED = "departed", "Departed"
        ARRIVED = "arrived", "Arrived at the import gateway"
        CUSTOMS_HELD = "customs_held", "Held at import customs"
        CUSTOMS_CLEARED = "customs_cleared", "Cleared import customs"
        SPLIT = "split", "Split for the last mile"
        DONE = "done", "Done"

    class CloseReason(models.TextChoices):
        NONE = "", "-"
        CUTOFF = "cutoff", "Cut-off reached"
        FULL = "full", "Full"
        EARLY = "early", "Closed early by staff"

    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, related_name="consolidations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True)
    cutoff_at = models.DateTimeField(db_index=True, help_text="The departure's cut-off (UTC).")
    parcel_count = models.PositiveIntegerField(default=0)
    weight_grams = models.PositiveBigIntegerField(default=0)
    close_reason = models.CharField(max_length=8, choices=CloseReason.choices, blank=True)
    awb = models.CharField("air waybill", max_length=12, unique=True, null=True, blank=True)
    manifest_csv = models.FileField(upload_to="manifests/", storage=private_storage, blank=True)
    manifest_pdf = models.FileField(upload_to="manifests/", storage=private_storage, blank=True)
    # The master's customs declaration: the parcels' electronic records, one list.
    declarations = models.JSONField(default=list, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cutoff_at", "id"]
        constraints = [
            # One consolidation takes parcels per lane at a time; the next opens when it closes.
            models.UniqueConstraint(fields=["lane"], condition=Q(status="open"), name="one_open_consolidation_per_lane")
        ]

    def __str__(self) -> str:
        return self.awb or f"Consolidation {self.pk} ({self.lane_id})"


class ConsolidationItem(models.Model):
    """A parcel (a shipment abroad) in a consolidation; pulled out, it travels on alone."""

    consolidation = models.ForeignKey(Consolidation, on_delete=models.PROTECT, related_name="items")
    shipment = models.OneToOneField(Shipment, on_delete=models.PROTECT, related_name="consolidation_item")
    weight_grams = models.PositiveIntegerField()
    declared_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    hs_codes = models.CharField(max_length=200, blank=True)
    consignee_country = models.CharField(max_length=2)
    # Departures missed (labelled after the cut-off); the shopper's timeline says so.
    rolled_over = models.PositiveSmallIntegerField(default=0)
    held_at_customs = models.BooleanField(default=False)
    pulled_out_at = models.DateTimeField(null=True, blank=True)
    last_mile_tracking_number = models.CharField(max_length=40, blank=True, db_index=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["consolidation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["last_mile_tracking_number"],
                condition=~Q(last_mile_tracking_number=""),
                name="unique_last_mile_tracking_number",
            )
        ]

    def __str__(self) -> str:
        return f"Shipment {self.shipment_id} in {self.consolidation_id}"


class MasterScan(models.Model):
    """One scan of a master shipment, stored once per kind: the same scan twice changes nothing."""

    class Kind(models.TextChoices):
        TENDERED = "tendered", "Tendered to the airline"
        DEPARTED = "departed", "Departed"
        ARRIVED = "arrived", "Arrived at the import gateway"
        CUSTOMS_HELD = "customs_held", "Held at import customs"
        CUSTOMS_CLEARED = "customs_cleared", "Cleared import customs"
        SPLIT = "split", "Split for the last mile"

    class Source(models.TextChoices):
        AIRLINE = "airline", "Airline or broker"
        SIMULATION = "simulation", "Simulated network"
        STAFF = "staff", "Staff"

    consolidation = models.ForeignKey(Consolidation, on_delete=models.CASCADE, related_name="scans")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.AIRLINE)
    # A hold names the parcels customs want (tracking numbers).
    held_tracking_numbers = models.JSONField(default=list, blank=True)
    parcels = models.PositiveIntegerField(default=0, help_text="Parcels it was fanned out to.")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["consolidation", "kind"], name="one_master_scan_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.consolidation_id} at {self.occurred_at:%Y-%m-%d %H:%M}"
