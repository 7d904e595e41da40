"""Template helpers for the catalog: money with its currency, responsive product pictures."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from marketplace.storage import public_storage
from shop.currencies import MINOR_UNIT_EXPONENT, from_minor_units
from shop.models import ProductImage
from shop.selectors import image_srcset

register = template.Library()

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "CN¥", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}


@register.simple_tag
def money(amount: Decimal | None, currency: str) -> str:
    """`$12.50` for known symbols, `12.50 CHF` otherwise; always with the currency."""
    if amount is None:
        return ""
    places = MINOR_UNIT_EXPONENT.get(currency, 2)
    text = f"{amount:,.{places}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.simple_tag
def product_picture(image: ProductImage, sizes: str = "100vw", loading: str = "lazy", alt: str | None = None) -> str:
    """A <picture> with WebP and JPEG srcsets; the original until renditions exist. alt="" marks it decorative."""
    alt_text = image.alt_text if alt is None else alt
    webp, jpeg = image_srcset(image, "webp"), image_srcset(image, "jpeg")
    src = public_storage().url(image.image.name)  # the bucket (or its CDN) with object storage
    width, height = image.width or 640, image.height or 640
    if not jpeg:
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}" loading="{}">', src, alt_text, width, height, loading
        )
    return format_html(
        '<picture><source type="image/webp" srcset="{}" sizes="{}">'
        '<img src="{}" srcset="{}" sizes="{}" alt="{}" width="{}" height="{}" loading="{}"></picture>',
        webp, sizes, src, jpeg, sizes, alt_text, width, height, loading,
    )  # fmt: skip


@register.simple_tag
def minor_money(amount_minor: int | None, currency: str) -> str:
    """An integer amount in minor units as money: 1234 USD -> `$12.34`, -500 -> `-$5.00`, 1500 JPY -> `¥1,500`."""
    if amount_minor is None:
        return ""
    text = money(from_minor_units(abs(amount_minor), currency), currency)
    return f"-{text}" if amount_minor < 0 else text
