"""Backordered units are allocated when stock arrives: oldest first, split when only part came."""

import pytest

from fulfillment.models import Allocation, Backorder, FulfillmentOrder, Shipment, Stock, StockMovement
from fulfillment.selectors import allocation_mismatches, stock_ledger_mismatches
from fulfillment.services.allocation import stop_fulfillment
from fulfillment.services.fulfillment_orders import allocate_backorders, hold_fulfillment_order
from fulfillment.services.shipments import hand_over_shipment
from fulfillment.services.stock import adjust_stock, set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.fragments import VersionBump
from shop.models import OrderEvent
from shop.order_timeline import describe
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _backordered(variant, quantity, *, warehouse):
    """A paid order whose units went missing before allocation (a recount found none): all backordered."""
    stock_of(variant, warehouse, quantity=quantity)
    order = paid_order((variant, quantity))
    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=0, reference="recount")
    send_to_fulfillment(order_id=order.pk)
    return order


def test_a_fully_backordered_order_has_no_fulfillment_order_until_stock_arrives(deliver_events):
    tea, newark = VariantFactory(), WarehouseFactory()
    order = _backordered(tea, 3, warehouse=newark)
    assert not FulfillmentOrder.objects.filter(order_id=order.pk).exists()
    assert list(Backorder.objects.values_list("quantity", "allocated_at")) == [(3, None)]

    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=3)
    result = allocate_backorders(variant_ids=[tea.pk])

    fulfillment_order = FulfillmentOrder.objects.get(order_id=order.pk)
    assert (fulfillment_order.warehouse_id, fulfillment_order.status) == (newark.pk, "open")
    assert [(a.quantity, a.fulfillment_order_id) for a in result.allocations] == [(3, fulfillment_order.pk)]
    assert Backorder.objects.get().allocated_at is not None
    assert Stock.objects.get(warehouse=newark, variant=tea).quantity_allocated == 3
    assert stock_ledger_mismatches() == [] and allocation_mismatches() == []
    deliver_events()
    assert "3 backordered unit(s) allocated" in describe(OrderEvent.objects.filter(order=order.pk).last())


def test_part_of_a_backorder_is_split_off_and_the_rest_stays_open(deliver_events):
    tea, newark = VariantFactory(), WarehouseFactory()
    order = _backordered(tea, 5, warehouse=newark)

    adjust_stock(warehouse=newark, variant_id=tea.pk, change=2, reason=StockMovement.Reason.RECEIVED)
    allocate_backorders()

    rows = list(Backorder.objects.filter(order_line__order=order.pk).values_list("quantity", "allocated_at"))
    assert sorted((quantity, at is not None) for quantity, at in rows) == [(2, True), (3, False)]
    still_open = Backorder.objects.get(allocated_at__isnull=True)
    assert still_open.pk == min(pk for pk in Backorder.objects.values_list("pk", flat=True))  # keeps its age
    assert Allocation.objects.get().quantity == 2
    deliver_events()
    assert "more are still awaited" in describe(OrderEvent.objects.filter(order=order.pk).last())


def test_the_oldest_backorder_is_served_first():
    tea, newark = VariantFactory(), WarehouseFactory()
    older = _backordered(tea, 1, warehouse=newark)
    newer = _backordered(tea, 1, warehouse=newark)

    adjust_stock(warehouse=newark, variant_id=tea.pk, change=1, reason=StockMovement.Reason.RECEIVED)
    allocate_backorders(variant_ids=[tea.pk])

    assert list(Backorder.objects.filter(allocated_at__isnull=False).values_list("order_line__order", flat=True)) == [
        older.pk
    ]
    assert Backorder.objects.get(allocated_at__isnull=True).order_line.order_id == newer.pk


def test_arriving_units_join_the_orders_open_fulfillment_order():
    tea, cup = VariantFactory(), VariantFactory()
    newark, ontario = WarehouseFactory(postal_code="07102"), WarehouseFactory(postal_code="91761", priority=5)
    stock_of(cup, newark, quantity=1)
    stock_of(tea, newark, quantity=2)
    order = paid_order((tea, 2), (cup, 1))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=0)
    send_to_fulfillment(order_id=order.pk)
    at_newark = FulfillmentOrder.objects.get(order_id=order.pk)

    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=2)
    stock_of(tea, ontario, quantity=9)  # more stock and a higher priority, but a second parcel
    allocate_backorders()

    assert list(FulfillmentOrder.objects.filter(order_id=order.pk).values_list("pk", flat=True)) == [at_newark.pk]
    assert sorted(at_newark.allocations.values_list("stock__variant_id", "quantity")) == sorted(
        [(tea.pk, 2), (cup.pk, 1)]
    )


def test_units_arriving_where_the_order_is_already_picked_start_a_new_fulfillment_order_there():
    tea, cup = VariantFactory(), VariantFactory()
    newark = WarehouseFactory()
    stock_of(cup, newark, quantity=1)
    stock_of(tea, newark, quantity=1)
    order = paid_order((tea, 1), (cup, 1))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=0)
    send_to_fulfillment(order_id=order.pk)
    FulfillmentOrder.objects.filter(order_id=order.pk).update(status=FulfillmentOrder.Status.IN_PROGRESS)

    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=1)
    allocate_backorders()

    assert sorted(FulfillmentOrder.objects.filter(order_id=order.pk).values_list("warehouse_id", "status")) == [
        (newark.pk, "in_progress"),
        (newark.pk, "open"),
    ]
    assert not Backorder.objects.filter(order_line__order=order.pk, allocated_at__isnull=True).exists()
    assert allocation_mismatches() == [] and stock_ledger_mismatches() == []


def test_a_backorder_of_a_line_already_shipped_in_part_is_allocated_at_the_same_stock():
    """The line's first units left with the carrier (allocation consumed); the rest gets a new allocation."""
    tea = VariantFactory()
    newark = WarehouseFactory()
    stock_of(tea, newark, quantity=3)
    order = paid_order((tea, 3))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=1, reference="recount: 2 damaged")
    send_to_fulfillment(order_id=order.pk)
    first = FulfillmentOrder.objects.get(order_id=order.pk)
    shipment = Shipment.objects.create(fulfillment_order=first, status=Shipment.Status.LABELLED)
    hand_over_shipment(shipment_id=shipment.pk)

    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=2, reference="delivery")
    allocate_backorders()

    live = Allocation.objects.filter(order_line__order=order.pk, consumed_at__isnull=True)
    assert [(a.quantity, a.fulfillment_order.status) for a in live] == [(2, "open")]
    assert Allocation.objects.filter(order_line__order=order.pk).count() == 2
    assert allocation_mismatches() == [] and stock_ledger_mismatches() == []


def test_allocating_again_allocates_nothing_more():
    tea, newark = VariantFactory(), WarehouseFactory()
    _backordered(tea, 2, warehouse=newark)
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=10)
    allocate_backorders()

    again = allocate_backorders()

    assert again.allocations == [] and again.backorder_ids == []
    assert Stock.objects.get(warehouse=newark, variant=tea).quantity_allocated == 2


def test_backorders_of_cancelled_orders_are_left_alone():
    tea, newark = VariantFactory(), WarehouseFactory()
    order = _backordered(tea, 2, warehouse=newark)
    stop_fulfillment(order_id=order.pk, number=order.number)  # what the shop asks when the order is cancelled
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=10)

    assert allocate_backorders().backorder_ids == []
    assert not Allocation.objects.exists()


def test_a_hold_for_awaiting_stock_is_released_once_everything_arrived(staff_user):
    tea, cup, newark = VariantFactory(), VariantFactory(), WarehouseFactory()
    stock_of(cup, newark, quantity=1)
    stock_of(tea, newark, quantity=1)
    order = paid_order((tea, 1), (cup, 1))
    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=0)
    send_to_fulfillment(order_id=order.pk)
    fulfillment_order = FulfillmentOrder.objects.get(order_id=order.pk)
    hold_fulfillment_order(
        fulfillment_order_id=fulfillment_order.pk, reason=FulfillmentOrder.HoldReason.AWAITING_STOCK, by=staff_user
    )

    set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=1)
    allocate_backorders()

    fulfillment_order.refresh_from_db()
    assert (fulfillment_order.status, fulfillment_order.hold_reason) == ("open", "")


def test_a_stock_increase_enqueues_the_backorder_allocation_on_commit(django_capture_on_commit_callbacks):
    tea, newark = VariantFactory(), WarehouseFactory()
    order = _backordered(tea, 2, warehouse=newark)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        adjust_stock(warehouse=newark, variant_id=tea.pk, change=2, reason=StockMovement.Reason.RECEIVED)

    # the backorder allocation, then the announcement of what it allocated (and the product lists' version)
    assert len([callback for callback in callbacks if not isinstance(callback, VersionBump)]) == 2
    assert FulfillmentOrder.objects.get(order_id=order.pk).allocations.get().quantity == 2
    assert Backorder.objects.get().allocated_at is not None


def test_a_stock_decrease_enqueues_nothing(django_capture_on_commit_callbacks):
    tea, newark = VariantFactory(), WarehouseFactory()
    stock_of(tea, newark, quantity=5)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_stock_quantity(warehouse=newark, variant_id=tea.pk, quantity=3)
        adjust_stock(warehouse=newark, variant_id=tea.pk, change=-1, reason=StockMovement.Reason.DAMAGED)

    assert [callback for callback in callbacks if not isinstance(callback, VersionBump)] == []  # lists' aside
