"""Shipping quotes in the cart's currency: the USD rates converted with the exchange-rate table, free shipping at
home from each currency's own threshold, and a currency with no rate refused, never relabelled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.exchange_rates import MissingExchangeRate
from shop.models import FreeShippingThreshold
from shop.services.shipping import quote_shipping

pytestmark = pytest.mark.django_db


def amounts(options) -> dict[str, tuple[Decimal, str]]:
    return {option.code: (option.amount, option.currency) for option in options}


def test_a_euro_cart_is_quoted_in_euros_at_the_days_rate():
    options = quote_shipping(country="DE", subtotal=Decimal("40.00"), currency="EUR")

    # 14.99 and 34.99 USD at 0.86 EUR per USD, rounded to the cent.
    assert amounts(options) == {"standard": (Decimal("12.89"), "EUR"), "express": (Decimal("30.09"), "EUR")}


def test_a_yen_cart_is_quoted_in_whole_yen():
    options = quote_shipping(country="JP", subtotal=Decimal("5000"), currency="JPY")

    # 19.99 and 44.99 USD at 155 JPY per USD: 3,098.45 and 6,973.45, no minor unit.
    assert amounts(options) == {"standard": (Decimal("3098"), "JPY"), "express": (Decimal("6973"), "JPY")}


def test_a_currency_without_a_rate_is_refused():
    with pytest.raises(MissingExchangeRate):
        quote_shipping(country="DE", subtotal=Decimal("40.00"), currency="CHF")


@pytest.mark.parametrize(
    ("currency", "subtotal", "free"),
    [("USD", "50.00", True), ("USD", "49.99", False), ("EUR", "45.00", True), ("JPY", "7499", False)],
)
def test_free_standard_shipping_at_home_starts_at_the_currencys_own_threshold(currency, subtotal, free):
    options = quote_shipping(country="US", subtotal=Decimal(subtotal), currency=currency)

    assert (amounts(options)["standard"][0] == 0) is free


def test_a_currency_without_a_threshold_never_ships_free():
    FreeShippingThreshold.objects.filter(currency="EUR").delete()

    options = quote_shipping(country="US", subtotal=Decimal("1000.00"), currency="EUR")

    assert amounts(options)["standard"][0] > 0


def test_a_new_threshold_row_applies_from_its_first_day():
    today = timezone.localdate()
    FreeShippingThreshold.objects.create(
        currency="USD", amount=Decimal("75.00"), effective_from=today + timedelta(days=1), source="policy change"
    )

    assert amounts(quote_shipping(country="US", subtotal=Decimal("60.00"), currency="USD"))["standard"][0] == 0
    tomorrow = quote_shipping(country="US", subtotal=Decimal("60.00"), currency="USD", on=today + timedelta(days=1))
    assert amounts(tomorrow)["standard"][0] == Decimal("4.99")
