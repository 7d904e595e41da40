"""Orders: what was bought, at what price, shipped where; every status change is an OrderEvent."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django_countries.fields import CountryField

MONEY = {"max_digits": 12, "decimal_places": 2}


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        ON_HOLD = "on_hold", "On hold for staff"
        PARTIALLY_FULFILLED = "partially_fulfilled", "Partially shipped"
        FULFILLED = "fulfilled", "Shipped"
        PARTIALLY_DELIVERED = "partially_delivered", "Partially delivered"
        DELIVERED = "delivered", "Delivered"
        PARTIALLY_RETURNED = "partially_returned", "Partially returned"
        RETURNED = "returned", "Returned"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    number = models.CharField(max_length=20, unique=True, help_text="Human-friendly, e.g. MK-7K3Q-9XPM.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField()
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True)
    hold_reason = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY)
    shipping_total = models.DecimalField(**MONEY, default=Decimal("0"))
    # Import charges and tax as charged at sale (DDP, or a domestic sales tax); what DAP leaves for the door
    # is an estimate only, never charged. `landed_cost_rules` keeps the engine's explanations of the figures.
    tax_total = models.DecimalField(**MONEY, default=Decimal("0"))
    duty_total = models.DecimalField(**MONEY, default=Decimal("0"))
    incoterm = models.CharField(
        max_length=3,
        blank=True,
        choices=[("DDP", "DDP: import charges paid at checkout"), ("DAP", "DAP: import charges paid on delivery")],
        help_text="Empty for a domestic order.",
    )
    import_charges_due_at_door = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text="DAP: the estimate of what the carrier will ask on delivery."
    )
    landed_cost_rules = models.JSONField(default=list, blank=True, help_text="Which rules gave the tax and duty.")
    total = models.DecimalField(**MONEY)
    amount_paid = models.DecimalField(**MONEY, default=Decimal("0"))
    amount_refunded = models.DecimalField(**MONEY, default=Decimal("0"))
    shipping_method = models.CharField(max_length=40)
    shipping_method_name = models.CharField(max_length=100)
    shipping_days_max = models.PositiveSmallIntegerField(default=0)
    # The delivery dates shown at checkout, kept as promised; `delivered_on` is the day the last parcel
    # arrived (fulfillment's delivered fact), so the promise can be checked against what happened.
    promised_from = models.DateField(null=True, blank=True)
    promised_to = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    ship_name = models.CharField("name", max_length=200)
    ship_line1 = models.CharField("address line 1", max_length=200)
    ship_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100)
    ship_region = models.CharField("state / region", max_length=100, blank=True)
    ship_postal_code = models.CharField("postal code", max_length=20, blank=True)
    ship_country = CountryField("country")
    ship_phone = models.CharField("phone", max_length=40, blank=True)
    reserved_until = models.DateTimeField(null=True, blank=True)
    # The cart it was placed from: emptied of the ordered lines once the order is paid.
    cart = models.ForeignKey("shop.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            # Never refund more than was paid.
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount_paid")),
                name="order_refunds_within_paid",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("order-detail", kwargs={"number": self.number})

    @property
    def delivered_on_time(self) -> bool | None:
        """Was it delivered by the last promised day? None while undelivered or without a promise."""
        if self.delivered_on is None or self.promised_to is None:
            return None
        return self.delivered_on <= self.promised_to


class OrderLine(models.Model):
    """A line as bought: prices, names and the commission rate are copied, so later edits change nothing."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("shop.Variant", on_delete=models.PROTECT, related_name="order_lines")
    product_title = models.CharField(max_length=200)
    variant_label = models.CharField(max_length=120, blank=True)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    line_total = models.DecimalField(**MONEY)
    # This line's share of the tax and duty charged at sale (refunds give back from these).
    tax_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    duty_amount = models.DecimalField(**MONEY, default=Decimal("0"))
    affiliate_commission_rate = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    attribution_tag_id = models.PositiveBigIntegerField(null=True, blank=True)
    attribution_creator_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The creator's handle when the sale was credited, so the order page can say who recommended it.
    attribution_creator_handle = models.CharField(max_length=30, blank=True, default="")
    quantity_refunded = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="order_line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity_refunded__lte=F("quantity")), name="order_line_refunds_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class OrderEvent(models.Model):
    """The order's timeline: what happened, as a kind from a fixed list with its parameters.

    Rendered into words at the edge (shop/order_timeline.py); an audit trail, never the place to
    look up whether something was done (unique constraints do that, e.g. SentEmail).
    """

    class Kind(models.TextChoices):
        PLACED = "placed", "Order placed"
        PAID = "paid", "Paid"
        PAYMENT_SUBMITTED = "payment_submitted", "Payment submitted"
        PAYMENT_RECEIVED_ON_HOLD = "payment_received_on_hold", "Payment received while on hold"
        PAYMENT_RECEIVED_UNWANTED = "payment_received_unwanted", "Payment received but not needed"
        AMOUNT_MISMATCH = "amount_mismatch", "Amount paid differs"
        PAID_AFTER_SOLD_OUT = "paid_after_sold_out", "Paid after the stock was gone"
        STOCK_NOT_RESERVED = "stock_not_reserved", "Stock no longer reserved"
        RELEASED_FROM_HOLD = "released_from_hold", "Released from hold"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        REFUND_FAILED = "refund_failed", "Refund failed"
        SHIPPING_PROGRESS = "shipping_progress", "Shipping progress"
        FULFILLMENT_HELD = "fulfillment_held", "Held at a warehouse"
        FULFILLMENT_RELEASED = "fulfillment_released", "Released at a warehouse"
        FULFILLMENT_MOVED = "fulfillment_moved", "Moved to another warehouse"
        BACKORDER_ALLOCATED = "backorder_allocated", "Backordered units allocated"
        CUSTOMS_HELD = "customs_held", "Held at import customs"
        CUSTOMS_CLEARED = "customs_cleared", "Released by customs"
        DUTIES_DUE = "duties_due", "Import charges to pay on delivery"
        MISSED_DEPARTURE = "missed_departure", "Rolled to the next departure"
        PULLED_FROM_CONSOLIDATION = "pulled_from_consolidation", "Taken out of its consignment"
        RETURN_REQUESTED = "return_requested", "Return requested"
        RETURN_APPROVED = "return_approved", "Return approved"
        RETURN_REJECTED = "return_rejected", "Return not accepted"
        RETURN_LABEL_READY = "return_label_ready", "Return label ready"
        RETURN_IN_TRANSIT = "return_in_transit", "Return on its way back"
        RETURN_RECEIVED = "return_received", "Return received"
        RETURN_INSPECTED = "return_inspected", "Return inspected"
        RETURN_REFUNDED_WITHOUT_RETURN = "return_refunded_keep", "Refunded without return"
        RETURN_EXPIRED = "return_expired", "Return expired"
        RETURN_REMINDER = "return_reminder", "Return reminder sent"
        RETURNS_PROGRESS = "returns_progress", "Returns progress"
        EMAIL_SENT = "email_sent", "Email sent"
        NOTE = "note", "Note"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.NOTE)
    params = models.JSONField(default=dict, blank=True)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"


class SentEmail(models.Model):
    """An email the shopper was sent about an order: once per order, kind and subject (e.g. a shipment)."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Order confirmation"
        SHIPMENT_SHIPPED = "shipment_shipped", "Shipment on its way"
        SHIPMENT_DELIVERED = "shipment_delivered", "Shipment delivered"
        AUTOMATIC_REFUND = "automatic_refund", "Payment refunded automatically"
        RETURN_REQUESTED = "return_requested", "Return request received"
        RETURN_APPROVED = "return_approved", "Return approved, with its label"
        RETURN_REJECTED = "return_rejected", "Return not accepted"
        RETURN_RECEIVED = "return_received", "Return received"
        RETURN_REFUNDED = "return_refunded", "Return refunded"
        RETURN_REMINDER = "return_reminder", "Return label not used yet"
        RETURN_EXPIRED = "return_expired", "Return expired"
        RETURNED_TO_SENDER = "returned_to_sender", "Parcel returned to us"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="sent_emails")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # What the email is about within the order: a shipment or refund id, or "" for the order itself.
    subject_key = models.CharField(max_length=40, blank=True, default="")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "subject_key"], name="one_email_per_order_kind_subject")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for order {self.order_id}"
