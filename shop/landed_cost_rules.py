"""Loads the landed-cost rows for one destination and day into the engine's plain `Rules` value.

At most four queries whatever the cart: the duty, tax and de-minimis rows of the country in effect on
the day, and the exchange rates. The engine (`shop.landed_cost`) chooses prefixes and regions in Python.
"""

from datetime import date

from django.db.models import Q, QuerySet

from shop.landed_cost import DeMinimisRule, DutyRule, NoLandedCostRules, Rules, TaxRule
from shop.models import DeMinimis, DutyRate, TaxRate
from shop.selectors import exchange_rates_on


def rules_for(country: str, *, on: date) -> Rules:
    """The rows for `country` in effect on `on`, and the exchange rates of that day.

    Raises `NoLandedCostRules` when the country has neither tax nor duty rows on that day.
    """
    country = country.upper()
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
        for row in _in_effect(DutyRate.objects.filter(country=country), on)
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
        for row in _in_effect(TaxRate.objects.filter(country=country), on)
    )
    if not duties and not taxes:
        raise NoLandedCostRules(country)
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
        for row in _in_effect(DeMinimis.objects.filter(country=country), on)
    )
    return Rules(
        country=country, duties=duties, taxes=taxes, de_minimis=de_minimis, exchange_rates=exchange_rates_on(on=on)
    )


def _in_effect(rows: QuerySet, on: date) -> QuerySet:
    return rows.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on), effective_from__lte=on).order_by("pk")
