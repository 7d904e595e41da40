"""A staff move and a concurrent allocation race for the same free units on PostgreSQL: one wins, stock stays exact."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from fulfillment.models import Allocation, FulfillmentOrder, Stock
from fulfillment.selectors import allocation_mismatches, stock_ledger_mismatches
from fulfillment.services.fulfillment_orders import allocate_backorders, move_fulfillment_order
from fulfillment.services.stock import InsufficientStock, set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(*actions):
    barrier = Barrier(len(actions))

    def wrap(action):
        def run():
            try:
                barrier.wait()
                return action()
            except InsufficientStock:
                return "short"
            finally:
                connection.close()

        return run

    with ThreadPoolExecutor(max_workers=len(actions)) as pool:
        return [future.result() for future in [pool.submit(wrap(action)) for action in actions]]


def test_a_move_and_a_backorder_allocation_never_promise_the_same_units_twice(staff_user, monkeypatch):
    # Arriving stock would allocate the backorder at once (on commit); here the race starts it instead.
    monkeypatch.setattr("fulfillment.services.stock._allocate_backorders_on_commit", lambda **kwargs: None)
    tea = VariantFactory()
    source, target = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, source, quantity=2)
    moving = paid_order((tea, 2))
    send_to_fulfillment(order_id=moving.pk)
    stock_of(tea, source, quantity=4)  # room for the second order to pay
    waiting = paid_order((tea, 2))
    set_stock_quantity(warehouse=source, variant_id=tea.pk, quantity=2, reference="recount")
    send_to_fulfillment(order_id=waiting.pk)  # nothing free at source: backordered
    set_stock_quantity(warehouse=target, variant_id=tea.pk, quantity=2)  # room for one of the two
    fulfillment_order = FulfillmentOrder.objects.get(order_id=moving.pk)

    move, backorders = _run_together(
        lambda: move_fulfillment_order(
            fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=target.pk, by=staff_user, reason="race"
        ),
        lambda: allocate_backorders(variant_ids=[tea.pk]),
    )

    moved = move != "short"
    backordered_allocated = bool(backorders.backorder_ids)
    # The target's two units are promised once: to the move, or to the backorder, never to both.
    assert Stock.objects.get(warehouse=target).quantity_allocated == 2
    at_target = Allocation.objects.filter(stock__warehouse=target, consumed_at__isnull=True)
    assert {a.order_line.order_id for a in at_target} == ({moving.pk} if moved else {waiting.pk})
    if moved and backordered_allocated:
        # The move committed first and freed the source's two units: the backorder took those.
        assert Allocation.objects.get(order_line__order=waiting.pk).stock.warehouse_id == source.pk
    assert moved or backordered_allocated
    assert stock_ledger_mismatches() == []
    assert allocation_mismatches() == []


def test_two_moves_to_a_warehouse_with_room_for_one(staff_user):
    tea = VariantFactory()
    source, target = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, source, quantity=4)
    orders = [paid_order((tea, 2)) for _ in range(2)]
    for order in orders:
        send_to_fulfillment(order_id=order.pk)
    stock_of(tea, target, quantity=3)
    ids = [FulfillmentOrder.objects.get(order_id=order.pk).pk for order in orders]

    results = _run_together(
        *[
            lambda pk=pk: move_fulfillment_order(
                fulfillment_order_id=pk, to_warehouse_id=target.pk, by=staff_user, reason="race"
            )
            for pk in ids
        ]
    )

    assert sorted(result == "short" for result in results) == [False, True]
    assert Stock.objects.get(warehouse=target).quantity_allocated == 2
    assert Stock.objects.get(warehouse=source).quantity_allocated == 2
    assert stock_ledger_mismatches() == []
    assert allocation_mismatches() == []
