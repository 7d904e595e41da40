"""Warehouses, stock, the movement ledger, reservations, allocations. Stock writes go through services/stock.py."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_countries.fields import CountryField


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(f"{value!r} is not a known time zone (IANA name, e.g. Europe/Berlin).") from error


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        FULFILLMENT_CENTRE = "fulfillment_centre", "Fulfillment centre"
        CONSOLIDATION_HUB = "consolidation_hub", "Consolidation hub"
        RETURNS_CENTRE = "returns_centre", "Returns centre"

    class Operator(models.TextChoices):
        # Who counts the stock: in ours, staff receive announced shipments and adjust with a reason;
        # in a seller's own warehouse the seller sets the on-hand counts (dashboard, API).
        NETWORK = "network", "Our network"
        SELLER = "seller", "A seller"

    code = models.CharField(max_length=16, unique=True, help_text="Short code printed on labels, e.g. US-NJ1.")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.FULFILLMENT_CENTRE)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = CountryField()
    # Allocation prefers a higher priority over distance and stock (the fulfillment issue uses it).
    priority = models.SmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    operator = models.CharField(max_length=8, choices=Operator.choices, default=Operator.NETWORK)
    # The shop's seller id (a plain number: fulfillment never imports the shop) of a seller-run warehouse.
    operator_seller_id = models.PositiveBigIntegerField(
        "operating seller id", null=True, blank=True, help_text="The seller running it; empty for ours."
    )
    # The delivery promise (fulfillment.delivery_promise): an order placed before the cut-off on a business
    # day starts its handling that day; it leaves after `handling_days` business days.
    cutoff_time = models.TimeField(
        "order cut-off", default=dt.time(14, 0), help_text="Orders placed before it (local time) start that day."
    )
    handling_days = models.PositiveSmallIntegerField(
        default=1, help_text="Business days from the day handling starts to the hand-over to the carrier."
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone], help_text="IANA name, e.g. America/New_York."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operator="network", operator_seller_id__isnull=True)
                | Q(operator="seller", operator_seller_id__isnull=False),
                name="warehouse_seller_run_names_its_seller",
                violation_error_message="A warehouse a seller runs needs that seller's id; one of ours has none.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def run_by_network(self) -> bool:
        return self.operator == self.Operator.NETWORK

    def counted_by_seller(self, seller_id: int) -> bool:
        """May this seller set on-hand counts here? Only in a warehouse they run themselves."""
        return self.operator == self.Operator.SELLER and self.operator_seller_id == seller_id


# Warehouses that ship to shoppers: a returns centre sells again what it restocked.
SHIPPING_WAREHOUSE_KINDS = (Warehouse.Kind.FULFILLMENT_CENTRE, Warehouse.Kind.RETURNS_CENTRE)


class Stock(models.Model):
    """How many units of a variant a warehouse holds, and how many of those are promised."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stocks")
    variant = models.ForeignKey("shop.Variant", on_delete=models.PROTECT, related_name="stocks")
    quantity = models.IntegerField(default=0)
    quantity_allocated = models.IntegerField(default=0)
    bin_location = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse__code", "variant__sku"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "variant"], name="stock_unique_warehouse_variant"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_quantity_not_negative"),
            models.CheckConstraint(condition=Q(quantity_allocated__gte=0), name="stock_allocated_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__lte=F("quantity")), name="stock_allocated_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} at {self.warehouse_id}: {self.quantity} ({self.quantity_allocated} allocated)"

    @property
    def quantity_free(self) -> int:
        return self.quantity - self.quantity_allocated


class VariantAvailability(models.Model):
    """Units of a variant free to sell, stored so listing pages read one column instead of summing stock.

    `available` = on hand minus allocated over active warehouses, minus the reservations held there
    (unexpired ones and, until the sweep deletes them within a minute, expired ones: the count errs on
    the side of "fewer"). Kept by the stock service in the transaction of every change; checked and
    repaired by the stock reconciliation (`fulfillment.tasks.reconcile_stock`). Checkout never relies on
    it: reserving recounts under row locks.
    """

    variant = models.OneToOneField(
        "shop.Variant", primary_key=True, on_delete=models.CASCADE, related_name="availability"
    )
    available = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "variant availability"

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.available} available"


class StockMovement(models.Model):
    """Append-only ledger: every change to a stock row, so totals can be recomputed and checked."""

    class Reason(models.TextChoices):
        RECEIVED = "received", "Received"
        COUNTED = "counted", "Counted (set by hand)"
        ADJUSTED = "adjusted", "Adjusted"
        DAMAGED = "damaged", "Damaged / written off"
        ALLOCATED = "allocated", "Allocated to an order"
        DEALLOCATED = "deallocated", "Allocation released"
        SHIPPED = "shipped", "Shipped"
        RETURNED = "returned", "Returned to stock"

    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="movements")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    quantity_change = models.IntegerField(default=0)
    allocated_change = models.IntegerField(default=0)
    quantity_after = models.IntegerField()
    allocated_after = models.IntegerField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reference = models.CharField(max_length=100, blank=True, help_text="What caused it: an order, an ASN, a note.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} {self.quantity_change:+d}/{self.allocated_change:+d} on stock {self.stock_id}"


def counts_against_availability(now=None) -> Q:
    """A reservation that counts against availability: unexpired, or held for a paid order (no expiry)."""
    return Q(reserved_until__isnull=True) | Q(reserved_until__gt=now or timezone.now())


class ReservationQuerySet(models.QuerySet):
    def active(self, now=None) -> "ReservationQuerySet":
        """Reservations that count against availability (`counts_against_availability`)."""
        return self.filter(counts_against_availability(now))


class Reservation(models.Model):
    """A soft claim on stock for an order line while the shopper pays.

    Counts against availability while `reserved_until` is in the future; `reserved_until` null
    means held for a paid order until the fulfillment issue turns it into an allocation.
    """

    order_line = models.ForeignKey("shop.OrderLine", on_delete=models.CASCADE, related_name="reservations")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    reserved_until = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_quantity_positive"),
            models.UniqueConstraint(fields=["order_line", "stock"], name="reservation_one_per_line_and_stock"),
        ]
        indexes = [models.Index(fields=["stock", "reserved_until"])]

    def __str__(self) -> str:
        return f"{self.quantity} of stock {self.stock_id} for line {self.order_line_id}"


class FulfillmentOrder(models.Model):
    """What one warehouse ships for one order. The order's status follows from these and its shipments."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ON_HOLD = "on_hold", "On hold"
        IN_PROGRESS = "in_progress", "In progress"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class HoldReason(models.TextChoices):
        NONE = "", "-"
        INCORRECT_ADDRESS = "incorrect_address", "Incorrect address"
        MISSING_CUSTOMS_DATA = "missing_customs_data", "Missing customs data"
        AWAITING_STOCK = "awaiting_stock", "Awaiting stock"
        OTHER = "other", "Other"

    order = models.ForeignKey("fulfillment.OutboundOrder", on_delete=models.PROTECT, related_name="fulfillment_orders")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="fulfillment_orders")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    hold_reason = models.CharField(max_length=24, choices=HoldReason.choices, blank=True)
    hold_note = models.CharField(max_length=200, blank=True)
    # Set when the order is printed on a pick list (the fulfillment order goes in_progress).
    pick_list = models.ForeignKey(
        "fulfillment.PickList", null=True, blank=True, on_delete=models.SET_NULL, related_name="fulfillment_orders"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # One fulfillment order still to pick per warehouse; once it is picked or shipped, units that
            # arrive later for the same order (backorders) start a new one there.
            models.UniqueConstraint(
                fields=["order", "warehouse"],
                condition=Q(status__in=["open", "on_hold"]),
                name="one_open_fulfillment_order_per_warehouse",
            )
        ]

    def __str__(self) -> str:
        return f"Order {self.order_id} from {self.warehouse_id} ({self.status})"


class Allocation(models.Model):
    """The hard claim of a paid order line on a warehouse's stock (counted in Stock.quantity_allocated)."""

    fulfillment_order = models.ForeignKey(FulfillmentOrder, on_delete=models.CASCADE, related_name="allocations")
    order_line = models.ForeignKey("fulfillment.OutboundLine", on_delete=models.PROTECT, related_name="allocations")
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Set at hand-over to the carrier: the units left the warehouse (a SHIPPED movement).
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="allocation_quantity_positive"),
            # One live claim per line and stock row; consumed ones (shipped) stay as the record.
            models.UniqueConstraint(
                fields=["order_line", "stock"],
                condition=Q(consumed_at__isnull=True),
                name="one_live_allocation_per_line_and_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of stock {self.stock_id} for line {self.order_line_id}"


class Backorder(models.Model):
    """Units of a paid line that no warehouse had: flagged for staff, allocated when stock arrives."""

    order_line = models.ForeignKey("fulfillment.OutboundLine", on_delete=models.PROTECT, related_name="backorders")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    allocated_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="backorder_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} backordered for line {self.order_line_id}"
