"""Shipping quotes: flat rates per zone for now (the fulfillment issue swaps in carrier rates here)."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

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
FREE_STANDARD_DOMESTIC_FROM = Decimal("50.00")


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


def quote_shipping(*, country: str, subtotal: Decimal, currency: str) -> list[ShippingOption]:
    """Shipping options to a country for an order of `subtotal`, cheapest first."""
    zone = shipping_zone(country)
    options = []
    free_standard = zone == DOMESTIC and subtotal >= FREE_STANDARD_DOMESTIC_FROM
    for code, name, amount, days_min, days_max in RATES[zone]:
        price = Decimal("0.00") if free_standard and code == "standard" else amount
        options.append(ShippingOption(code, name, price, currency, days_min, days_max))
    return sorted(options, key=lambda option: option.amount)


def shipping_option(*, country: str, subtotal: Decimal, currency: str, code: str) -> ShippingOption | None:
    return next(
        (o for o in quote_shipping(country=country, subtotal=subtotal, currency=currency) if o.code == code), None
    )
