"""The tables behind import duties, taxes and currency conversion, each row dated and sourced.

Rules change on dates, so a change is a NEW row with its own `effective_from` (the old one gets an
`effective_to`), never an edit: an old order's figures can always be explained by the rows that were in
effect on its day. The admin makes a row read-only once it has taken effect, except closing it.
`shop.landed_cost` holds the vocabulary of the columns and the engine that reads them.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django_countries.fields import CountryField

from shop.currencies import validate_currency
from shop.landed_cost import Basis, Channel, ChargeKind, Collector, DutyScope, FixedPer, TaxName

HS_PREFIX_VALIDATOR = RegexValidator(r"^(\d{2,10})?$", "An HS prefix has 2 to 10 digits, or is empty for any code.")
REGION_VALIDATOR = RegexValidator(r"^[A-Z]{2,3}$", "A region is a state or province code in capitals, e.g. CA or ON.")
COUNTRY_LIST_VALIDATOR = RegexValidator(
    r"^([A-Z]{2}(,[A-Z]{2})*)?$", "ISO country codes in capitals separated by commas, e.g. US,MX."
)
PERCENT = {"max_digits": 6, "decimal_places": 3, "validators": [MinValueValidator(0)]}


class DatedRule(models.Model):
    """What every rule row has: the days it applies, where it comes from, and a note."""

    effective_from = models.DateField(help_text="The first day the row applies.")
    effective_to = models.DateField(
        null=True,
        blank=True,
        help_text="The last day the row applies; empty while it holds. Set it to close the row, "
        "and add a new row for the new rule.",
    )
    source = models.CharField(max_length=500, help_text="Where the rule comes from: a URL or the name of the document.")
    note = models.TextField(blank=True, help_text="Why, limits, and what staff must check.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="%(class)s_dates_in_order",
            )
        ]

    def is_effective(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or self.effective_to >= on)

    def clean(self) -> None:
        super().clean()
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "A row cannot end before it starts."})


class DutyRate(DatedRule):
    """Import duty for goods whose HS code starts with `hs_prefix`, sent to `country`."""

    country = CountryField(help_text="The destination.")
    hs_prefix = models.CharField(
        "HS prefix",
        max_length=10,
        blank=True,
        validators=[HS_PREFIX_VALIDATOR],
        help_text="2 to 10 digits; the longest prefix matching a code wins. Empty: the country's default row.",
    )
    origin_country = CountryField(
        blank=True,
        help_text="Only for goods made in this country (e.g. CN into the US). Such rows come before rows for any "
        "origin, whatever their prefix, so they carry the whole rate for that origin.",
    )
    rate_percent = models.DecimalField("rate (%)", **PERCENT)
    fixed_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="A fixed duty on top of the rate, e.g. 3 EUR per distinct tariff subheading.",
    )
    fixed_currency = models.CharField(max_length=3, blank=True, validators=[validate_currency])
    fixed_per = models.CharField(
        max_length=12,
        blank=True,
        choices=FixedPer.choices,
        help_text="Per item (times the quantity), or once per distinct tariff subheading (the first 6 digits of the "
        "HS code) in the parcel, shared by the lines of that subheading.",
    )
    scope = models.CharField(
        max_length=20,
        choices=DutyScope.choices,
        default=DutyScope.ALL,
        help_text="Which consignments the row is for. Low-value rows replace normal rates at or under the duty "
        "de-minimis threshold.",
    )
    basis = models.CharField(
        max_length=20,
        choices=Basis.choices,
        default=Basis.GOODS,
        help_text="What the rate applies to: the goods (FOB) or the goods and shipping (CIF).",
    )

    class Meta(DatedRule.Meta):
        ordering = ["country", "hs_prefix", "origin_country", "-effective_from"]
        constraints = [
            *DatedRule.Meta.constraints,
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(fixed_amount__gte=0), name="duty_rate_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(fixed_amount=0) | (~Q(fixed_currency="") & ~Q(fixed_per="")),
                name="duty_rate_fixed_amount_has_currency_and_unit",
            ),
            models.UniqueConstraint(
                fields=["country", "hs_prefix", "origin_country", "scope", "effective_from"],
                name="duty_rate_one_row_per_rule_and_day",
            ),
        ]
        indexes = [models.Index(fields=["country", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.country} duty {self.hs_prefix or '(default)'} {self.rate_percent} % from {self.effective_from}"

    def clean(self) -> None:
        super().clean()
        if self.fixed_amount and not (self.fixed_currency and self.fixed_per):
            raise ValidationError("A fixed amount needs its currency and what it is charged per.")


class TaxRate(DatedRule):
    """VAT, GST, HST, consumption tax or sales tax for a country, or one of its states or provinces."""

    country = CountryField()
    region = models.CharField(
        max_length=3,
        blank=True,
        validators=[REGION_VALIDATOR],
        help_text="A US state or Canadian province code; such a row replaces the country's row there.",
    )
    name = models.CharField("tax name", max_length=20, choices=TaxName.choices)
    rate_percent = models.DecimalField("rate (%)", **PERCENT)
    shipping_taxable = models.BooleanField(default=True)
    duty_taxable = models.BooleanField(
        default=True, help_text="Import VAT/GST is due on the duty-paid value; US sales tax is not."
    )

    class Meta(DatedRule.Meta):
        ordering = ["country", "region", "-effective_from"]
        constraints = [
            *DatedRule.Meta.constraints,
            models.CheckConstraint(condition=Q(rate_percent__gte=0), name="tax_rate_not_negative"),
            models.UniqueConstraint(
                fields=["country", "region", "effective_from"], name="tax_rate_one_row_per_place_and_day"
            ),
        ]
        indexes = [models.Index(fields=["country", "effective_from"])]

    def __str__(self) -> str:
        place = f"{self.country}-{self.region}" if self.region else str(self.country)
        return f"{place} {self.name} {self.rate_percent} % from {self.effective_from}"


class DeMinimis(DatedRule):
    """A value threshold for duty or for tax, and who collects at or under it and above it."""

    country = CountryField()
    kind = models.CharField(max_length=4, choices=ChargeKind.choices)
    threshold = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(
        max_length=3, validators=[validate_currency], help_text="The destination's currency, as its law states it."
    )
    basis = models.CharField(max_length=20, choices=Basis.choices, default=Basis.GOODS)
    shipped_from = models.CharField(
        max_length=60,
        blank=True,
        validators=[COUNTRY_LIST_VALIDATOR],
        help_text="Only for parcels sent from these countries (e.g. US,MX); empty for any.",
    )
    channel = models.CharField(
        max_length=10, blank=True, choices=Channel.choices, help_text="Only for this channel; empty for any."
    )
    collected_at_or_under = models.CharField(
        max_length=12, choices=Collector.choices, help_text="At or under the threshold."
    )
    collected_above = models.CharField(
        max_length=12,
        choices=[choice for choice in Collector.choices if choice[0] != Collector.EXEMPT],
        help_text="Above the threshold.",
    )

    class Meta(DatedRule.Meta):
        verbose_name = "de-minimis threshold"
        ordering = ["country", "kind", "shipped_from", "channel", "-effective_from"]
        constraints = [
            *DatedRule.Meta.constraints,
            models.CheckConstraint(condition=Q(threshold__gte=0), name="de_minimis_threshold_not_negative"),
            models.CheckConstraint(
                condition=~Q(collected_above=Collector.EXEMPT), name="de_minimis_due_above_threshold"
            ),
            models.UniqueConstraint(
                fields=["country", "kind", "shipped_from", "channel", "effective_from"],
                name="de_minimis_one_row_per_condition_and_day",
            ),
        ]
        indexes = [models.Index(fields=["country", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.country} {self.kind} de minimis {self.threshold} {self.currency} from {self.effective_from}"

    @property
    def shipped_from_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.shipped_from.split(",") if code)


class ExchangeRate(models.Model):
    """1 `base` = `rate` `quote`, from `effective_from` until a newer row for the pair."""

    base = models.CharField(max_length=3, validators=[validate_currency])
    quote = models.CharField(max_length=3, validators=[validate_currency])
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    effective_from = models.DateField()
    source = models.CharField(max_length=500)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["base", "quote", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
            models.CheckConstraint(condition=~Q(base=F("quote")), name="exchange_rate_two_currencies"),
            models.UniqueConstraint(fields=["base", "quote", "effective_from"], name="exchange_rate_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} from {self.effective_from}"

    def clean(self) -> None:
        super().clean()
        if self.base and self.base == self.quote:
            raise ValidationError("An exchange rate is between two different currencies.")
