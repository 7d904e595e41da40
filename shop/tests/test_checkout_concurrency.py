"""Shoppers racing for the last units, for real, on PostgreSQL with threads."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from fulfillment.models import Reservation, Stock
from fulfillment.services.stock import InsufficientStock
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Cart, CartLine, Order
from shop.services.orders import ShippingAddress, place_order
from shop.services.shipping import quote_shipping
from shop.tests.factories import VariantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ADDRESS = ShippingAddress(name="Racer", line1="1 Main St", city="Springfield", country="US", postal_code="62701")


def test_thirty_shoppers_race_for_the_last_five_units():
    variant = VariantFactory()
    stock_of(variant, WarehouseFactory(), quantity=3)
    stock_of(variant, WarehouseFactory(), quantity=2)
    shoppers = 30
    carts = []
    for _ in range(shoppers):
        cart = Cart.objects.create(session_key=uuid.uuid4().hex)
        CartLine.objects.create(cart=cart, variant=variant, quantity=1)
        carts.append(cart)
    shipping = quote_shipping(country="US", subtotal=variant.price, currency="USD")[0]
    barrier = Barrier(shoppers)

    def checkout(cart):
        try:
            barrier.wait()
            place_order(cart=cart, email="racer@example.com", address=ADDRESS, shipping=shipping)
            return "ordered"
        except InsufficientStock as error:
            return f"sold out: {error.lines[0].available} left"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=shoppers) as pool:
        results = list(pool.map(checkout, carts))

    assert results.count("ordered") == 5
    assert results.count("sold out: 0 left") == shoppers - 5
    assert Order.objects.count() == 5
    assert sum(Reservation.objects.values_list("quantity", flat=True)) == 5
    assert sorted(Stock.objects.values_list("quantity", flat=True)) == [2, 3]  # a reservation is not a sale
