"""Commission and payout amounts in words staff and creators read: 1234 cents of USD is `$12.34 USD`."""

from shop.currencies import from_minor_units
from shop.templatetags.catalog import money


def cents_in_words(cents: int, currency: str) -> str:
    """An integer amount in minor units as `$12.34 USD` (`-$1.50 USD` taken back, `12.34 CHF` without a symbol)."""
    text = money(from_minor_units(abs(cents), currency), currency)
    if not text.endswith(f" {currency}"):
        text = f"{text} {currency}"
    return f"-{text}" if cents < 0 else text
