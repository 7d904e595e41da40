import uuid

import pytest

from fulfillment.models import Allocation, Backorder, FulfillmentOrder, Reservation, Stock, StockMovement
from fulfillment.selectors import available_by_variant, stock_ledger_mismatches
from fulfillment.services.allocation import stop_fulfillment
from fulfillment.services.stock import hold_reservations, set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Cart, CartLine, Order, OrderEvent
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.orders import ShippingAddress, claims_of, place_order, set_order_status
from shop.tests.factories import VariantFactory, cart_shipping

pytestmark = pytest.mark.django_db

NEW_YORK = ShippingAddress(name="Ada", line1="1 Main St", city="New York", country="US", postal_code="10118")


def _paid_order(*items) -> Order:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    shipping = cart_shipping(cart)
    order = place_order(cart=cart, email="ada@example.com", address=NEW_YORK, shipping=shipping)
    hold_reservations(claims=claims_of(list(order.lines.all())))
    set_order_status(order=order, to=Order.Status.PAID, kind=OrderEvent.Kind.PAID)
    return order


def test_a_paid_order_is_allocated_from_one_warehouse_and_ledgered():
    tea, cup = VariantFactory(), VariantFactory()
    newark = WarehouseFactory(country="US", postal_code="07102")
    stock_of(tea, newark, quantity=5)
    stock_of(cup, newark, quantity=5)
    stock_of(tea, WarehouseFactory(country="US", postal_code="91761"), quantity=50)
    order = _paid_order((tea, 2), (cup, 1))

    allocations = send_to_fulfillment(order_id=order.pk)

    assert sorted((a.stock.warehouse_id, a.quantity) for a in allocations) == [(newark.pk, 1), (newark.pk, 2)]
    assert list(FulfillmentOrder.objects.values_list("warehouse_id", "status")) == [(newark.pk, "open")]
    assert not Reservation.objects.exists()
    assert Stock.objects.get(warehouse=newark, variant=tea).quantity_allocated == 2
    assert StockMovement.objects.filter(reason="allocated").count() == 2
    assert stock_ledger_mismatches() == []
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 53}


def test_allocating_twice_allocates_nothing_more():
    tea = VariantFactory()
    stock_of(tea, quantity=5)
    order = _paid_order((tea, 2))
    send_to_fulfillment(order_id=order.pk)

    assert send_to_fulfillment(order_id=order.pk) == []

    assert Allocation.objects.count() == 1
    assert Stock.objects.get().quantity_allocated == 2


def test_a_shortfall_is_split_and_the_rest_backordered():
    tea = VariantFactory()
    first, second = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, first, quantity=2)
    stock_of(tea, second, quantity=2)
    order = _paid_order((tea, 4))
    set_stock_quantity(warehouse=first, variant_id=tea.pk, quantity=1, reference="damaged in a count")

    send_to_fulfillment(order_id=order.pk)

    assert sorted(Allocation.objects.values_list("quantity", flat=True)) == [1, 2]
    assert FulfillmentOrder.objects.count() == 2
    assert list(Backorder.objects.values_list("quantity", flat=True)) == [1]
    assert stock_ledger_mismatches() == []


def test_an_unpaid_order_is_not_allocated():
    tea = VariantFactory()
    stock_of(tea, quantity=5)
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    CartLine.objects.create(cart=cart, variant=tea, quantity=1)
    shipping = cart_shipping(cart)
    order = place_order(cart=cart, email="a@example.com", address=NEW_YORK, shipping=shipping)

    assert send_to_fulfillment(order_id=order.pk) == []
    assert Reservation.objects.count() == 1


def test_a_cancelled_order_gives_its_allocated_stock_back():
    tea = VariantFactory()
    stock_of(tea, quantity=5)
    order = _paid_order((tea, 3))
    send_to_fulfillment(order_id=order.pk)

    assert stop_fulfillment(order_id=order.pk, number=order.number) == 1
    assert stop_fulfillment(order_id=order.pk, number=order.number) == 0  # a repeat gives nothing back twice
    assert Stock.objects.get().quantity_allocated == 0
    assert FulfillmentOrder.objects.get().status == "cancelled"
    assert available_by_variant(variant_ids=[tea.pk]) == {tea.pk: 5}
    assert stock_ledger_mismatches() == []


def test_an_order_stopped_before_it_reached_fulfillment_is_never_allocated():
    """Facts may arrive in any order: a cancellation handled first leaves a stop that the late hand-over obeys."""
    tea = VariantFactory()
    stock_of(tea, quantity=5)
    order = _paid_order((tea, 1))

    assert stop_fulfillment(order_id=order.pk, number=order.number) == 0
    assert send_to_fulfillment(order_id=order.pk) == []

    assert Allocation.objects.count() == 0
    assert FulfillmentOrder.objects.count() == 0
