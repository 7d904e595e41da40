"""Staff hold, release and move fulfillment orders; a move is all or nothing and ledgered."""

import pytest

from fulfillment.models import Allocation, FulfillmentOrder, Stock, StockMovement
from fulfillment.selectors import allocation_mismatches, stock_ledger_mismatches
from fulfillment.services.fulfillment_orders import (
    CannotMoveFulfillmentOrder,
    FulfillmentOrderError,
    IllegalFulfillmentOrderTransition,
    hold_fulfillment_order,
    move_fulfillment_order,
    move_shortages,
    release_fulfillment_order,
    set_fulfillment_order_status,
)
from fulfillment.services.stock import InsufficientStock
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import OrderEvent
from shop.order_timeline import describe
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db
HOLD = FulfillmentOrder.HoldReason


def _allocated(*items, warehouse=None):
    """A paid order allocated from one warehouse holding exactly what it needs plus two of each."""
    warehouse = warehouse or WarehouseFactory(postal_code="07102")
    for variant, quantity in items:
        stock_of(variant, warehouse, quantity=quantity + 2)
    order = paid_order(*items)
    send_to_fulfillment(order_id=order.pk)
    return order, FulfillmentOrder.objects.get(order=order.pk, warehouse=warehouse)


# ---------------------------------------------------------------- hold / release


def test_holding_an_open_fulfillment_order_records_reason_and_note(staff_user, deliver_events):
    order, fulfillment_order = _allocated((VariantFactory(), 1))

    hold_fulfillment_order(
        fulfillment_order_id=fulfillment_order.pk, reason=HOLD.INCORRECT_ADDRESS, note="no flat number", by=staff_user
    )

    fulfillment_order.refresh_from_db()
    assert (fulfillment_order.status, fulfillment_order.hold_reason, fulfillment_order.hold_note) == (
        "on_hold",
        "incorrect_address",
        "no flat number",
    )
    deliver_events()
    event = OrderEvent.objects.filter(order=order.pk).last()
    assert "held: Incorrect address (no flat number)" in describe(event)
    assert event.by == staff_user


def test_releasing_a_held_fulfillment_order_opens_it_and_clears_the_reason(staff_user):
    _, fulfillment_order = _allocated((VariantFactory(), 1))
    hold_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, reason=HOLD.OTHER, by=staff_user)

    release_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, by=staff_user)

    fulfillment_order.refresh_from_db()
    assert (fulfillment_order.status, fulfillment_order.hold_reason, fulfillment_order.hold_note) == ("open", "", "")


def test_illegal_hold_and_release_raise_and_change_nothing(staff_user):
    _, fulfillment_order = _allocated((VariantFactory(), 1))

    with pytest.raises(IllegalFulfillmentOrderTransition) as released_open:
        release_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, by=staff_user)
    FulfillmentOrder.objects.filter(pk=fulfillment_order.pk).update(status="in_progress")
    with pytest.raises(IllegalFulfillmentOrderTransition) as held_in_progress:
        hold_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, reason=HOLD.OTHER, by=staff_user)
    with pytest.raises(FulfillmentOrderError):
        hold_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, reason="", by=staff_user)

    assert (released_open.value.from_status, released_open.value.to_status) == ("open", "open")
    assert (held_in_progress.value.from_status, held_in_progress.value.to_status) == ("in_progress", "on_hold")
    fulfillment_order.refresh_from_db()
    assert (fulfillment_order.status, fulfillment_order.hold_reason) == ("in_progress", "")


# ---------------------------------------------------------------- move: the pure check


def test_move_shortages_names_each_variant_the_target_cannot_take():
    assert move_shortages(needed={1: 2, 2: 3}, free={1: 2, 2: 3}) == {}
    assert move_shortages(needed={1: 2, 2: 3, 3: 1}, free={1: 5, 2: 1}) == {2: (3, 1), 3: (1, 0)}
    assert move_shortages(needed={1: 1}, free={1: -2}) == {1: (1, 0)}


# ---------------------------------------------------------------- move


def test_moving_reallocates_at_the_target_and_ledgers_both_sides(staff_user, deliver_events):
    tea, cup = VariantFactory(), VariantFactory()
    order, fulfillment_order = _allocated((tea, 2), (cup, 1))
    target = WarehouseFactory(code="DAMAGE-OK")
    stock_of(tea, target, quantity=5)
    stock_of(cup, target, quantity=1)
    source_id = fulfillment_order.warehouse_id

    moved = move_fulfillment_order(
        fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=target.pk, by=staff_user, reason="water damage"
    )

    assert moved.warehouse_id == target.pk
    assert list(FulfillmentOrder.objects.filter(order_id=order.pk).values_list("warehouse_id", "status")) == [
        (target.pk, "open")
    ]
    assert sorted(Allocation.objects.filter(fulfillment_order=moved).values_list("stock__variant_id", "quantity")) == (
        sorted([(tea.pk, 2), (cup.pk, 1)])
    )
    assert list(Stock.objects.filter(warehouse_id=source_id).values_list("quantity_allocated", flat=True)) == [0, 0]
    assert Stock.objects.get(warehouse=target, variant=tea).quantity_allocated == 2
    assert Stock.objects.get(warehouse=target, variant=cup).quantity_allocated == 1
    assert StockMovement.objects.filter(reason="deallocated", by=staff_user).count() == 2
    assert StockMovement.objects.filter(reason="allocated", by=staff_user).count() == 2
    assert stock_ledger_mismatches() == []
    assert allocation_mismatches() == []
    deliver_events()
    event = OrderEvent.objects.filter(order=order.pk).last()
    assert "to DAMAGE-OK" in describe(event) and "water damage" in describe(event) and event.by == staff_user


def test_a_move_the_target_cannot_fill_raises_with_data_and_changes_nothing(staff_user):
    tea, cup = VariantFactory(), VariantFactory()
    _, fulfillment_order = _allocated((tea, 2), (cup, 3))
    target = WarehouseFactory()
    stock_of(tea, target, quantity=5)
    stock_of(cup, target, quantity=1)
    movements = StockMovement.objects.count()

    with pytest.raises(InsufficientStock) as short:
        move_fulfillment_order(
            fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=target.pk, by=staff_user, reason="damaged"
        )

    assert [(line.variant_id, line.requested, line.available) for line in short.value.lines] == [(cup.pk, 3, 1)]
    assert StockMovement.objects.count() == movements
    assert FulfillmentOrder.objects.get(pk=fulfillment_order.pk).warehouse_id == fulfillment_order.warehouse_id
    assert Stock.objects.filter(warehouse=target).values_list("quantity_allocated", flat=True).distinct().get() == 0
    assert allocation_mismatches() == []


def test_moving_merges_into_the_orders_fulfillment_order_at_the_target(staff_user):
    tea, cup = VariantFactory(), VariantFactory()
    first, second = WarehouseFactory(), WarehouseFactory()
    stock_of(tea, first, quantity=2)
    stock_of(cup, second, quantity=1)
    order = paid_order((tea, 2), (cup, 1))
    send_to_fulfillment(order_id=order.pk)
    stock_of(tea, second, quantity=5)  # arrives after the order was split
    at_first = FulfillmentOrder.objects.get(order=order.pk, warehouse=first)
    at_second = FulfillmentOrder.objects.get(order=order.pk, warehouse=second)

    merged = move_fulfillment_order(
        fulfillment_order_id=at_first.pk, to_warehouse_id=second.pk, by=staff_user, reason="one parcel"
    )

    assert merged.pk == at_second.pk
    assert not FulfillmentOrder.objects.filter(pk=at_first.pk).exists()
    assert sorted(merged.allocations.values_list("stock__variant_id", "quantity")) == sorted([(tea.pk, 2), (cup.pk, 1)])
    assert allocation_mismatches() == []


def test_a_held_order_keeps_its_hold_when_moved(staff_user):
    tea = VariantFactory()
    _, fulfillment_order = _allocated((tea, 1))
    hold_fulfillment_order(fulfillment_order_id=fulfillment_order.pk, reason=HOLD.MISSING_CUSTOMS_DATA, by=staff_user)
    target = WarehouseFactory()
    stock_of(tea, target, quantity=1)

    moved = move_fulfillment_order(
        fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=target.pk, by=staff_user, reason="closer"
    )

    assert (moved.status, moved.hold_reason) == ("on_hold", "missing_customs_data")


@pytest.mark.parametrize("status", ["in_progress", "closed", "cancelled"])
def test_only_open_or_held_fulfillment_orders_move(staff_user, status):
    tea = VariantFactory()
    _, fulfillment_order = _allocated((tea, 1))
    target = WarehouseFactory()
    stock_of(tea, target, quantity=3)
    FulfillmentOrder.objects.filter(pk=fulfillment_order.pk).update(status=status)

    with pytest.raises(CannotMoveFulfillmentOrder):
        move_fulfillment_order(
            fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=target.pk, by=staff_user, reason="x"
        )

    assert Stock.objects.get(warehouse=target).quantity_allocated == 0


def test_moving_to_the_same_or_an_inactive_warehouse_is_refused(staff_user):
    tea = VariantFactory()
    _, fulfillment_order = _allocated((tea, 1))
    closed = WarehouseFactory(is_active=False)
    stock_of(tea, closed, quantity=3)

    for warehouse_id in (fulfillment_order.warehouse_id, closed.pk):
        with pytest.raises(CannotMoveFulfillmentOrder):
            move_fulfillment_order(
                fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=warehouse_id, by=staff_user, reason="x"
            )
    with pytest.raises(CannotMoveFulfillmentOrder):
        move_fulfillment_order(
            fulfillment_order_id=fulfillment_order.pk, to_warehouse_id=closed.pk, by=staff_user, reason=" "
        )

    assert FulfillmentOrder.objects.get(pk=fulfillment_order.pk).warehouse_id == fulfillment_order.warehouse_id


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        ("open", "on_hold", True),
        ("on_hold", "open", True),
        ("open", "in_progress", True),
        ("in_progress", "closed", True),
        ("closed", "on_hold", False),
        ("cancelled", "open", False),
        ("in_progress", "on_hold", False),
    ],
)
def test_a_fulfillment_order_moves_only_along_its_machine(start, to, allowed):
    _, fulfillment_order = _allocated((VariantFactory(), 1))
    FulfillmentOrder.objects.filter(pk=fulfillment_order.pk).update(status=start)
    fulfillment_order.refresh_from_db()

    if allowed:
        set_fulfillment_order_status(fulfillment_order=fulfillment_order, to=to, hold_reason=HOLD.OTHER)
        fulfillment_order.refresh_from_db()
        assert fulfillment_order.status == to
    else:
        with pytest.raises(IllegalFulfillmentOrderTransition) as refused:
            set_fulfillment_order_status(fulfillment_order=fulfillment_order, to=to)
        assert FulfillmentOrder.objects.get(pk=fulfillment_order.pk).status == start
        labels = dict(FulfillmentOrder.Status.choices)
        assert f"cannot go from {labels[start].lower()} to {labels[to].lower()}" in refused.value.message
