"""Amounts in minor units shown as money ("$12.50", "¥1200", "12.500 KWD")."""

from decimal import Decimal

from shop.currencies import MINOR_UNIT_EXPONENT

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cad": "CA$", "aud": "A$"}


def to_decimal(amount: int, currency: str) -> Decimal:
    exponent = MINOR_UNIT_EXPONENT.get(currency.upper(), 2)
    return Decimal(amount).scaleb(-exponent)


def format_amount(amount: int, currency: str) -> str:
    value = to_decimal(amount, currency)
    exponent = MINOR_UNIT_EXPONENT.get(currency.upper(), 2)
    number = f"{value:,.{exponent}f}"
    symbol = SYMBOLS.get(currency.lower())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"
