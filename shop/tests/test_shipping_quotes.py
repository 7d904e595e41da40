"""Shipping quotes in the cart's currency: the carriers' rates for the cart (by weight, from the warehouse that
would ship it) converted with the exchange-rate table, free shipping at home from each currency's own threshold,
a currency with no rate refused, never relabelled; and the label bought later costs what the shopper paid."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fulfillment.models import FulfillmentOrder, Parcel, Shipment
from fulfillment.services.labels import buy_label
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.exchange_rates import MissingExchangeRate
from shop.models import FreeShippingThreshold
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.orders import ShippingAddress
from shop.services.shipping import quote_shipping, shipping_items
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db

NEW_YORK = ShippingAddress(name="Ada Lovelace", line1="1 Main St", city="New York", country="US", postal_code="10118")


@pytest.fixture
def tea(db):
    """A 250 g tea stocked in New Jersey (postal digit 0)."""
    variant = VariantFactory(price=Decimal("20.00"), product__weight_grams=250)
    stock_of(variant, WarehouseFactory(postal_code="07102"), quantity=100)
    return variant


def quote(variant, *, country, currency, subtotal, quantity=1, postal_code="", on=None):
    options = quote_shipping(
        items=shipping_items([(variant, quantity)]),
        country=country,
        postal_code=postal_code,
        subtotal=Decimal(subtotal),
        currency=currency,
        on=on,
    )
    return {option.code: (option.amount, option.currency) for option in options}


def test_a_euro_cart_is_quoted_in_euros_at_the_days_rate(tea):
    options = quote(tea, country="DE", currency="EUR", subtotal="40.00")

    # The carriers' 14.88 (postal, 250 g, zone 2) and 53.00 USD (express, 500 g) at 0.86 EUR per USD.
    assert options == {"standard": (Decimal("12.80"), "EUR"), "express": (Decimal("45.58"), "EUR")}


def test_a_yen_cart_is_quoted_in_whole_yen(tea):
    options = quote(tea, country="JP", currency="JPY", subtotal="5000")

    # Japan is zone 3: 18.50 and 62.50 USD at 155 JPY per USD: 2,867.50 and 9,687.50, no minor unit.
    assert options == {"standard": (Decimal("2868"), "JPY"), "express": (Decimal("9688"), "JPY")}


def test_a_currency_without_a_rate_is_refused(tea):
    with pytest.raises(MissingExchangeRate):
        quote(tea, country="DE", currency="CHF", subtotal="40.00")


def test_the_quote_follows_the_weight_of_the_cart(tea):
    one = quote(tea, country="US", postal_code="10118", currency="USD", subtotal="20.00")
    three = quote(tea, country="US", postal_code="10118", currency="USD", subtotal="20.00", quantity=3)

    assert one["standard"][0] == Decimal("6.31")  # zone 2, up to 500 g
    assert three["standard"][0] == Decimal("6.77")  # 750 g: the 1 kg break


@pytest.mark.parametrize(
    ("currency", "subtotal", "free"),
    [("USD", "50.00", True), ("USD", "49.99", False), ("EUR", "45.00", True), ("JPY", "7499", False)],
)
def test_free_standard_shipping_at_home_starts_at_the_currencys_own_threshold(tea, currency, subtotal, free):
    options = quote(tea, country="US", currency=currency, subtotal=subtotal)

    assert (options["standard"][0] == 0) is free
    assert options["express"][0] > 0  # express is always paid


def test_a_currency_without_a_threshold_never_ships_free(tea):
    FreeShippingThreshold.objects.filter(currency="EUR").delete()

    assert quote(tea, country="US", currency="EUR", subtotal="1000.00")["standard"][0] > 0


def test_a_new_threshold_row_applies_from_its_first_day(tea):
    today = timezone.localdate()
    FreeShippingThreshold.objects.create(
        currency="USD", amount=Decimal("75.00"), effective_from=today + timedelta(days=1), source="policy change"
    )

    assert quote(tea, country="US", currency="USD", subtotal="60.00")["standard"][0] == 0
    tomorrow = quote(tea, country="US", currency="USD", subtotal="60.00", on=today + timedelta(days=1))
    assert tomorrow["standard"][0] == Decimal("9.37")  # no postal code yet: the farthest zone


@pytest.mark.parametrize(("code", "units"), [("standard", 1), ("standard", 3), ("express", 2)])
def test_the_label_bought_for_the_order_costs_what_the_shopper_paid_for_shipping(tea, code, units):
    # Given an order under the free-shipping threshold, paid with the method the page quoted
    tea.price = Decimal("9.00")
    tea.save(update_fields=["price"])
    order = paid_order((tea, units), address=NEW_YORK, shipping_code=code)
    send_to_fulfillment(order_id=order.pk)

    # When the packer weighs the parcel (the units' weight) and the label is bought
    fulfillment_order = FulfillmentOrder.objects.get(order_id=order.pk)
    shipment = Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.PACKED)
    Parcel.objects.create(shipment=shipment, weight_grams=250 * units, length_mm=150, width_mm=100, height_mm=80)
    label = buy_label(shipment_id=shipment.pk)

    # Then the carrier charged what the shopper paid
    assert order.shipping_total > 0
    assert label.amount == order.shipping_total
