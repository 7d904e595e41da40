"""What carriers refuse to carry: hazards a product may have, and the rule table of where and how they may go.

Rules are data with effective dates and a source, never code: a rule that changes is a new row, so an
old decision can always be explained. `fulfillment.restrictions` reads them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django_countries import countries

ANY_COUNTRY = "*"


class Hazard(models.TextChoices):
    """The fixed list of hazard flags a product can carry (shop.Product.hazards)."""

    LITHIUM_BATTERY_INSTALLED = "lithium_battery_installed", "Lithium battery installed in equipment"
    LITHIUM_BATTERY_PACKED = "lithium_battery_packed", "Lithium battery packed with equipment"
    LITHIUM_BATTERY_LOOSE = "lithium_battery_loose", "Lithium battery on its own (power bank, spare cells)"
    AEROSOL = "aerosol", "Aerosol (pressurised spray)"
    FLAMMABLE_LIQUID = "flammable_liquid", "Flammable liquid (perfume, nail polish, alcohol)"
    LIQUID_OVER_LIMIT = "liquid_over_limit", "Liquid over 500 ml in one container"
    MAGNETISED = "magnetised", "Magnetised material (strong magnets)"


class ServiceKind(models.TextChoices):
    AIR = "air", "Air services"
    GROUND = "ground", "Ground services"
    ANY = "any", "Any service"


def validate_destination(value: str) -> None:
    if value != ANY_COUNTRY and not countries.name(value.upper()):
        raise ValidationError(f"“{value}” is neither a country code we know nor * (every country).", code="country")


class ShippingRestriction(models.Model):
    """Whether a hazard may go to a destination by a kind of service, from a date, and on whose word.

    The most specific row wins: a country before `*`, a service kind before `any`, then the latest
    `effective_from`. A hazard no row speaks of is allowed.
    """

    destination = models.CharField(
        max_length=2,
        validators=[validate_destination],
        help_text="ISO country code of the destination, or * for every country.",
    )
    service_kind = models.CharField(max_length=8, choices=ServiceKind.choices, default=ServiceKind.ANY)
    hazard = models.CharField(max_length=32, choices=Hazard.choices)
    allowed = models.BooleanField(help_text="Unticked: refused (the note says why, to the shopper).")
    note = models.CharField(max_length=200, help_text="Shown to shoppers and sellers, e.g. 'Air services refuse ...'.")
    source = models.CharField(max_length=300, help_text="Where the rule comes from (regulation, carrier terms, URL).")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True, help_text="Exclusive; empty: until further notice.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hazard", "destination", "service_kind", "-effective_from"]
        indexes = [models.Index(fields=["hazard", "destination"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gt=F("effective_from")),
                name="shipping_restriction_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "refused"
        return f"{self.get_hazard_display()} to {self.destination} by {self.service_kind}: {verdict}"

    def clean(self) -> None:
        self.destination = (self.destination or "").strip().upper()
        if self.effective_to and self.effective_from and self.effective_to <= self.effective_from:
            raise ValidationError({"effective_to": "Must be after the date the rule takes effect."})
