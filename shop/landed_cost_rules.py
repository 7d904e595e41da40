"""Loads the landed-cost rows for one destination and day into the engine's plain `Rules` value.

Every row of the country (all dates) and the exchange rates come from the cache (`shop.reference_data`): no query
while it is warm, four when cold. The rows in effect on the day are chosen here, in Python, on every call; the
engine (`shop.landed_cost`) chooses prefixes and regions.
"""

from dataclasses import dataclass
from datetime import date

from marketplace.fragments import cached_rows
from shop.landed_cost import DeMinimisRule, DutyRule, NoLandedCostRules, Rules, TaxRule, effective_on
from shop.models import DeMinimis, DutyRate, TaxRate
from shop.reference_data import RATES_VERSION
from shop.selectors import exchange_rates_on


@dataclass(frozen=True)
class _CountryRows:
    duties: tuple[DutyRule, ...]
    taxes: tuple[TaxRule, ...]
    de_minimis: tuple[DeMinimisRule, ...]


def rules_for(country: str, *, on: date) -> Rules:
    """The rows for `country` in effect on `on`, and the exchange rates of that day.

    Raises `NoLandedCostRules` when the country has neither tax nor duty rows on that day.
    """
    country = country.upper()
    rows = cached_rows(RATES_VERSION, f"landed-cost:{country}", lambda: _country_rows(country))
    duties = effective_on(rows.duties, on)
    taxes = effective_on(rows.taxes, on)
    if not duties and not taxes:
        raise NoLandedCostRules(country)
    return Rules(
        country=country,
        duties=duties,
        taxes=taxes,
        de_minimis=effective_on(rows.de_minimis, on),
        exchange_rates=exchange_rates_on(on=on),
    )


def _country_rows(country: str) -> _CountryRows:
    """Every row of `country`, whatever its dates, ordered by id (three queries)."""
    duties = tuple(
        DutyRule(
            id=row.pk,
            hs_prefix=row.hs_prefix,
            rate_percent=row.rate_percent,
            fixed_amount=row.fixed_amount,
            fixed_currency=row.fixed_currency,
            fixed_per=row.fixed_per,
            origin_country=str(row.origin_country),
            scope=row.scope,
            basis=row.basis,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            source=row.source,
        )
        for row in DutyRate.objects.filter(country=country).order_by("pk")
    )
    taxes = tuple(
        TaxRule(
            id=row.pk,
            region=row.region,
            name=row.name,
            rate_percent=row.rate_percent,
            shipping_taxable=row.shipping_taxable,
            duty_taxable=row.duty_taxable,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            source=row.source,
        )
        for row in TaxRate.objects.filter(country=country).order_by("pk")
    )
    de_minimis = tuple(
        DeMinimisRule(
            id=row.pk,
            kind=row.kind,
            threshold=row.threshold,
            currency=row.currency,
            basis=row.basis,
            shipped_from=row.shipped_from_codes,
            channel=row.channel,
            collected_at_or_under=row.collected_at_or_under,
            collected_above=row.collected_above,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            source=row.source,
        )
        for row in DeMinimis.objects.filter(country=country).order_by("pk")
    )
    return _CountryRows(duties=duties, taxes=taxes, de_minimis=de_minimis)
