"""Delivery quotes before an order exists: from the warehouse allocation would choose, packed in its boxes, priced
by the carriers' own rate tables (fulfillment/carriers/data), so the shopper pays what the label will cost."""

from decimal import Decimal

import pytest

from fulfillment.delivery_quotes import EXPRESS, STANDARD, QuoteItem, active_boxes, delivery_quotes
from fulfillment.models import Warehouse
from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def item(variant, quantity=1, *, grams=250, size=(0, 0, 0)) -> QuoteItem:
    return QuoteItem(variant.pk, quantity, grams, *size)


def by_code(quotes) -> dict[str, tuple[Decimal, int, int]]:
    return {q.code: (q.amount, q.days_min, q.days_max) for q in quotes}


def test_a_domestic_parcel_pays_ground_and_express_by_zone_and_weight():
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(postal_code="07102"))  # New Jersey: origin digit 0

    # To New York (digit 1): zone 2, one parcel of 250 g (the 500 g break).
    quotes = delivery_quotes(items=[item(tea)], country="US", postal_code="10118")

    assert by_code(quotes) == {STANDARD: (Decimal("6.31"), 1, 2), EXPRESS: (Decimal("17.33"), 1, 1)}
    assert [q.rates[0].service for q in quotes] == ["ground", "express"]


def test_without_a_postal_code_the_farthest_zone_is_quoted_so_checkout_never_costs_more():
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(postal_code="07102"))

    early = by_code(delivery_quotes(items=[item(tea)], country="US"))
    at_checkout = by_code(delivery_quotes(items=[item(tea)], country="US", postal_code="94105"))

    assert early[STANDARD][0] == Decimal("9.37")  # zone 8
    assert at_checkout[STANDARD][0] <= early[STANDARD][0]


def test_heavier_carts_pay_the_next_weight_break():
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(postal_code="07102"), quantity=50)

    light = by_code(delivery_quotes(items=[item(tea, 2)], country="US", postal_code="10118"))  # 500 g
    heavy = by_code(delivery_quotes(items=[item(tea, 3)], country="US", postal_code="10118"))  # 750 g

    assert light[STANDARD][0] == Decimal("6.31")
    assert heavy[STANDARD][0] == Decimal("6.77")


def test_the_warehouse_that_holds_the_stock_ships_it_even_when_another_is_nearer():
    tea = VariantFactory()
    WarehouseFactory(code="NJ", postal_code="07102")  # near New York, but empty
    stock_of(tea, WarehouseFactory(code="CA", postal_code="90001"))  # digit 9 to digit 1: zone 8

    quotes = by_code(delivery_quotes(items=[item(tea)], country="US", postal_code="10118"))

    assert quotes[STANDARD][0] == Decimal("9.37")


def test_a_cart_split_over_two_warehouses_pays_both_parcels_and_waits_for_the_slower():
    tea, cup = VariantFactory(), VariantFactory()
    stock_of(tea, WarehouseFactory(code="NJ", postal_code="07102"))
    stock_of(cup, WarehouseFactory(code="CA", postal_code="90001"))

    (standard, express) = delivery_quotes(items=[item(tea), item(cup)], country="US", postal_code="10118")

    assert standard.amount == Decimal("6.31") + Decimal("9.37")
    assert (standard.days_min, standard.days_max) == (4, 7)  # the zone-8 parcel's days
    assert standard.warehouse_count == 2
    assert express.amount == Decimal("17.33") + Decimal("25.58")


def test_an_international_cart_pays_postal_or_express_by_the_destination_zone():
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(postal_code="07102"))

    quotes = by_code(delivery_quotes(items=[item(tea)], country="DE", postal_code="10115"))

    # Germany is zone 2: 250 g pays the postal 250 g break, express the 500 g break.
    assert quotes == {STANDARD: (Decimal("14.88"), 5, 9), EXPRESS: (Decimal("53.00"), 2, 3)}


def test_express_pays_the_volumetric_weight_of_the_box_the_packer_will_use():
    pillow = VariantFactory()
    warehouse = WarehouseFactory(postal_code="07102")
    stock_of(pillow, warehouse)
    # A 600 x 400 x 300 mm carton: 72,000 cm3 / 5 = 14.4 kg volumetric for express; ground pays the real 1 kg.
    BoxFactory(warehouse=warehouse, inner_length_mm=600, inner_width_mm=400, inner_height_mm=300)

    quotes = by_code(
        delivery_quotes(items=[item(pillow, grams=1000, size=(550, 350, 250))], country="US", postal_code="10118")
    )

    assert quotes[STANDARD][0] == Decimal("6.77")  # ground, 1 kg break
    assert quotes[EXPRESS][0] == Decimal("65.10")  # express, 20 kg break, zone 2


def test_units_nobody_stocks_are_quoted_from_the_centre_that_will_receive_them():
    tea = VariantFactory()
    WarehouseFactory(code="CA", postal_code="90001")
    WarehouseFactory(code="NJ", postal_code="07102", priority=5)  # staff prefer it

    quotes = by_code(delivery_quotes(items=[item(tea)], country="US", postal_code="10118"))

    assert quotes[STANDARD][0] == Decimal("6.31")


def test_nothing_is_quoted_without_a_fulfillment_centre():
    tea = VariantFactory()
    WarehouseFactory(kind=Warehouse.Kind.RETURNS_CENTRE)

    assert delivery_quotes(items=[item(tea)], country="US", postal_code="10118") == []


def test_a_parcel_too_heavy_for_every_carrier_gets_no_method():
    anvil = VariantFactory()
    stock_of(anvil, WarehouseFactory(postal_code="07102"))

    assert delivery_quotes(items=[item(anvil, grams=40_000)], country="US", postal_code="10118") == []


def test_a_unit_of_unknown_weight_pays_the_first_weight_break():
    feather = VariantFactory()
    stock_of(feather, WarehouseFactory(postal_code="07102"))

    quotes = by_code(delivery_quotes(items=[item(feather, grams=0)], country="US", postal_code="10118"))

    assert quotes[STANDARD][0] == Decimal("6.31")


def test_a_quote_takes_one_query_for_one_line_and_for_twenty_once_the_boxes_are_cached(django_assert_num_queries):
    warehouse = WarehouseFactory(postal_code="07102")
    BoxFactory(warehouse=warehouse)
    variants = [VariantFactory() for _ in range(20)]
    for variant in variants:
        stock_of(variant, warehouse)

    with django_assert_num_queries(2):  # the stock, and the boxes into the cache
        delivery_quotes(items=[item(variants[0])], country="US", postal_code="10118")
    with django_assert_num_queries(1):
        delivery_quotes(items=[item(variants[0])], country="US", postal_code="10118")
    with django_assert_num_queries(1):
        delivery_quotes(items=[item(variant) for variant in variants], country="US", postal_code="10118")


def test_a_box_added_is_used_by_the_next_quote():
    warehouse = WarehouseFactory(postal_code="07102")
    variant = VariantFactory()
    stock_of(variant, warehouse)
    BoxFactory(warehouse=warehouse, inner_length_mm=400, inner_width_mm=300, inner_height_mm=200)
    delivery_quotes(items=[item(variant)], country="US", postal_code="10118")  # the boxes now cached

    smaller = BoxFactory(warehouse=warehouse, code="S", inner_length_mm=300, inner_width_mm=200, inner_height_mm=150)

    assert smaller in active_boxes()
