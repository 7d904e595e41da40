"""Shipping quotes: flat rates per zone, set in USD and converted into the cart's currency.

The USD figures are converted with the exchange-rate table (admin: Shop > Exchange rates) on the day and
rounded to the currency's minor unit: a currency with no rate raises `MissingExchangeRate`, never a USD figure
relabelled. Free standard shipping at home starts at the currency's own threshold (admin: Shop > Free
shipping thresholds); a currency without a row has none. (Carrier rate tables by weight are still to come.)
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from shop.currencies import quantize_money
from shop.exchange_rates import MissingExchangeRate
from shop.models import FreeShippingThreshold
from shop.selectors import exchange_rates_on

DOMESTIC = "domestic"
NEIGHBOURS = "north_america"
EUROPE = "europe"
WORLD = "world"

EUROPE_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)

# zone -> [(code, name, amount in USD, days min, days max)]
RATES: dict[str, list[tuple[str, str, Decimal, int, int]]] = {
    DOMESTIC: [
        ("standard", "Standard (3-5 business days)", Decimal("4.99"), 3, 5),
        ("express", "Express (1-2 business days)", Decimal("14.99"), 1, 2),
    ],
    NEIGHBOURS: [
        ("standard", "Standard international (6-10 business days)", Decimal("12.99"), 6, 10),
        ("express", "Express international (2-4 business days)", Decimal("29.99"), 2, 4),
    ],
    EUROPE: [
        ("standard", "Standard international (7-12 business days)", Decimal("14.99"), 7, 12),
        ("express", "Express international (3-5 business days)", Decimal("34.99"), 3, 5),
    ],
    WORLD: [
        ("standard", "Standard international (10-20 business days)", Decimal("19.99"), 10, 20),
        ("express", "Express international (4-7 business days)", Decimal("44.99"), 4, 7),
    ],
}
RATES_CURRENCY = "USD"


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    amount: Decimal
    currency: str
    days_min: int
    days_max: int


def shipping_zone(country: str) -> str:
    if country == settings.SHOP_HOME_COUNTRY:
        return DOMESTIC
    if country in {"US", "CA", "MX"}:
        return NEIGHBOURS
    if country in EUROPE_COUNTRIES:
        return EUROPE
    return WORLD


def quote_shipping(*, country: str, subtotal: Decimal, currency: str, on: date | None = None) -> list[ShippingOption]:
    """Shipping options to a country for an order of `subtotal` in `currency`, cheapest first.

    Raises MissingExchangeRate when the rates cannot be converted into `currency` (one query unless USD; one
    more at home for the free-shipping threshold).
    """
    on = on or timezone.localdate()
    zone = shipping_zone(country)
    currency = currency.upper()
    rates = exchange_rates_on(on=on) if currency != RATES_CURRENCY else None
    threshold = free_shipping_threshold(currency=currency, on=on) if zone == DOMESTIC else None
    free_standard = threshold is not None and subtotal >= threshold
    options = []
    for code, name, usd, days_min, days_max in RATES[zone]:
        amount = usd if rates is None else rates.convert(usd, from_currency=RATES_CURRENCY, to_currency=currency, on=on)
        price = Decimal("0.00") if free_standard and code == "standard" else quantize_money(amount, currency)
        options.append(ShippingOption(code, name, price, currency, days_min, days_max))
    return sorted(options, key=lambda option: option.amount)


def free_shipping_threshold(*, currency: str, on: date) -> Decimal | None:
    """The items' value in `currency` from which standard shipping at home is free on `on`; None: never."""
    row = (
        FreeShippingThreshold.objects.filter(currency=currency.upper(), effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("-effective_from", "-pk")
        .first()
    )
    return row.amount if row else None


def shipping_option(*, country: str, subtotal: Decimal, currency: str, code: str) -> ShippingOption | None:
    return next(
        (o for o in quote_shipping(country=country, subtotal=subtotal, currency=currency) if o.code == code), None
    )


__all__ = ["MissingExchangeRate", "ShippingOption", "free_shipping_threshold", "quote_shipping", "shipping_option"]
