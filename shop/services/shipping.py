"""Shipping quotes: the carriers' own rates for the cart, converted into the cart's currency.

`fulfillment.delivery_quotes` prices the cart as its label will be priced: from the warehouses that would
ship it, packed in their boxes, by the carriers' rate tables (per weight and zone). The carriers' figures
are converted with the exchange-rate table (admin: Shop > Exchange rates) on the day and rounded to the
currency's minor unit: a currency with no rate raises `MissingExchangeRate`, never a figure relabelled.
Free standard shipping at home starts at the currency's own threshold (admin: Shop > Free shipping
thresholds); a currency without a row has none. Each option carries the delivery dates the carriers' transit
days and the shipping warehouses' cut-off and handling days give (`arrives_from`, `arrives_to`): what the product
page, the cart and the checkout show, and what the order keeps as its promise.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from fulfillment.delivery_quotes import EXPRESS, STANDARD, QuoteItem, delivery_quotes
from fulfillment.models import Stock
from marketplace.fragments import cached_rows
from shop.currencies import quantize_money
from shop.exchange_rates import MissingExchangeRate
from shop.models import FreeShippingThreshold, Variant
from shop.reference_data import RATES_VERSION
from shop.selectors import CartContents, exchange_rates_on

METHOD_NAMES = {STANDARD: "Standard", EXPRESS: "Express"}


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    amount: Decimal
    currency: str
    days_min: int
    days_max: int
    arrives_from: date | None = None
    arrives_to: date | None = None


def shipping_items(lines: Iterable[tuple[Variant, int]]) -> list[QuoteItem]:
    """(variant with its product loaded, quantity) -> what the quote weighs and packs."""
    return [
        QuoteItem(
            variant_id=variant.pk,
            quantity=quantity,
            weight_grams=variant.product.weight_grams,
            length_mm=variant.product.length_mm,
            width_mm=variant.product.width_mm,
            height_mm=variant.product.height_mm,
        )
        for variant, quantity in lines
    ]


def quote_shipping(
    *,
    items: Sequence[QuoteItem],
    country: str,
    subtotal: Decimal,
    currency: str,
    postal_code: str = "",
    on: date | None = None,
    now: datetime | None = None,
    stocks: list[Stock] | None = None,
) -> list[ShippingOption]:
    """Shipping options for these items to a country (and postal code, when known), cheapest first.

    Empty when no carrier can carry them there. Raises MissingExchangeRate when the carriers' rates cannot be
    converted into `currency`. Two queries for the quote, one more unless the carriers' currency is the cart's,
    one more at home for the free-shipping threshold.
    """
    on = on or timezone.localdate()
    currency = currency.upper()
    quotes = delivery_quotes(items=items, country=country, postal_code=postal_code, now=now, stocks=stocks)
    if not quotes:
        return []
    rates = exchange_rates_on(on=on) if any(q.currency != currency for q in quotes) else None
    at_home = country.upper() == settings.SHOP_HOME_COUNTRY
    threshold = free_shipping_threshold(currency=currency, on=on) if at_home else None
    free_standard = threshold is not None and subtotal >= threshold
    options = []
    for quote in quotes:
        amount = (
            quote.amount
            if rates is None
            else rates.convert(quote.amount, from_currency=quote.currency, to_currency=currency, on=on)
        )
        price = Decimal("0.00") if free_standard and quote.code == STANDARD else quantize_money(amount, currency)
        name = f"{METHOD_NAMES[quote.code]} ({quote.days_min}-{quote.days_max} business days)"
        options.append(
            ShippingOption(
                quote.code,
                name,
                price,
                currency,
                quote.days_min,
                quote.days_max,
                arrives_from=quote.arrives_from,
                arrives_to=quote.arrives_to,
            )
        )
    return sorted(options, key=lambda option: option.amount)


def free_shipping_threshold(*, currency: str, on: date) -> Decimal | None:
    """The items' value in `currency` from which standard shipping at home is free on `on`; None: never.

    The rows come from the cache (`shop.reference_data`); the one in effect on `on` is chosen here.
    """
    currency = currency.upper()
    in_effect = [
        row
        for row in cached_rows(RATES_VERSION, "free-shipping-thresholds", _all_thresholds)
        if row.currency == currency and row.is_effective(on)
    ]
    # The newest; the same day, the highest id.
    newest = max(in_effect, key=lambda row: (row.effective_from, row.pk), default=None)
    return newest.amount if newest else None


def _all_thresholds() -> list[FreeShippingThreshold]:
    return list(FreeShippingThreshold.objects.order_by("pk"))


def quote_cart(contents: CartContents, *, country: str, postal_code: str = "") -> list[ShippingOption]:
    """`quote_shipping` for a cart as its page shows it (one currency; its lines know their products)."""
    return quote_shipping(
        items=shipping_items((line.variant, line.quantity) for line in contents.lines),
        country=country,
        postal_code=postal_code,
        subtotal=contents.subtotal,
        currency=contents.currency,
    )


def shipping_option(
    *,
    items: Sequence[QuoteItem],
    country: str,
    postal_code: str,
    subtotal: Decimal,
    currency: str,
    code: str,
    stocks: list[Stock] | None = None,
) -> ShippingOption | None:
    options = quote_shipping(
        items=items, country=country, postal_code=postal_code, subtotal=subtotal, currency=currency, stocks=stocks
    )
    return next((o for o in options if o.code == code), None)


__all__ = [
    "MissingExchangeRate",
    "ShippingOption",
    "free_shipping_threshold",
    "quote_cart",
    "quote_shipping",
    "shipping_items",
    "shipping_option",
]
