"""Shipping policy kept as data: the order value from which standard shipping at home is free, per currency."""

from django.core.validators import MinValueValidator
from django.db import models

from shop.currencies import validate_currency
from shop.models.landed_cost import DatedRule


class FreeShippingThreshold(DatedRule):
    """From `amount` of items in `currency`, standard shipping within the home country is free.

    A currency without a row gets no free shipping (an amount is never read in another currency); a change
    is a new row with its own `effective_from`, as for the landed-cost tables.
    """

    currency = models.CharField(max_length=3, validators=[validate_currency])
    amount = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta(DatedRule.Meta):
        ordering = ["currency", "-effective_from"]
        constraints = [
            *DatedRule.Meta.constraints,
            models.UniqueConstraint(fields=["currency", "effective_from"], name="free_shipping_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"Free standard shipping from {self.amount} {self.currency} (from {self.effective_from})"
