"""Fulfillment's own copy of what a paid order asks it to ship, taken when the shop hands the order over.

The ids are the shop's order and line ids (plain numbers, no foreign key to the shop), so the
warehouse ships what was paid for, to the address that was paid for, whatever changes later.
"""

from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

MONEY = {"max_digits": 12, "decimal_places": 2}


class OutboundOrder(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "To ship"
        CANCELLED = "cancelled", "Cancelled"

    id = models.BigIntegerField(primary_key=True, help_text="The shop's order id.")
    number = models.CharField(max_length=20, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    currency = models.CharField(max_length=3, blank=True)
    shipping_method = models.CharField(max_length=40, blank=True)
    shipping_days_max = models.PositiveSmallIntegerField(default=0)
    # The delivery dates promised at checkout (fulfillment.delivery_promise): the on-time report compares them.
    promised_from = models.DateField(null=True, blank=True)
    promised_to = models.DateField(null=True, blank=True)
    ship_name = models.CharField("name", max_length=200, blank=True)
    ship_line1 = models.CharField("address line 1", max_length=200, blank=True)
    ship_line2 = models.CharField("address line 2", max_length=200, blank=True)
    ship_city = models.CharField("city", max_length=100, blank=True)
    ship_region = models.CharField("state / region", max_length=100, blank=True)
    ship_postal_code = models.CharField("postal code", max_length=20, blank=True)
    ship_country = CountryField("country", blank=True)
    ship_phone = models.CharField("phone", max_length=40, blank=True)
    # Across a border: who pays duties and taxes (DDP: paid at checkout; DAP: at the door), the goods'
    # value in SDR (CN22 up to 300), and the exporter named on the declaration.
    incoterm = models.CharField(max_length=3, blank=True)
    value_in_sdr = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    exporter = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "order to ship"
        verbose_name_plural = "orders to ship"

    def __str__(self) -> str:
        return self.number or f"order {self.pk}"


class OutboundLine(models.Model):
    id = models.BigIntegerField(primary_key=True, help_text="The shop's order line id.")
    order = models.ForeignKey(OutboundOrder, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("shop.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    product_title = models.CharField(max_length=200)
    variant_label = models.CharField(max_length=120, blank=True)
    quantity = models.PositiveIntegerField()
    unit_value = models.DecimalField(**MONEY, default=0)
    # Customs data as the shop knew it (kept current by the shop while the line waits); empty where unknown.
    hs_code = models.CharField("HS code", max_length=10, blank=True)
    country_of_origin = CountryField(blank=True)
    customs_description = models.CharField(max_length=200, blank=True)
    net_weight_grams = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="outbound_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def has_customs_data(self) -> bool:
        """Everything a customs declaration needs for this line."""
        return bool(self.hs_code and self.country_of_origin and self.customs_description and self.net_weight_grams)
