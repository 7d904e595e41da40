import pytest

from fulfillment.models import Stock, StockMovement
from fulfillment.selectors import available_by_variant, stock_ledger_mismatches
from fulfillment.services.stock import InsufficientStock, adjust_stock, set_stock_quantity
from fulfillment.tasks import reconcile_stock
from fulfillment.tests.factories import WarehouseFactory
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_setting_a_count_creates_the_row_and_one_movement(user):
    variant, warehouse = VariantFactory(), WarehouseFactory()

    stock = set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=12, by=user, reference="count")

    assert (stock.quantity, stock.quantity_allocated) == (12, 0)
    movement = StockMovement.objects.get(stock=stock)
    assert (movement.reason, movement.quantity_change, movement.quantity_after) == ("counted", 12, 12)
    assert (movement.by, movement.reference) == (user, "count")


def test_a_recount_records_the_difference_and_an_unchanged_count_records_nothing():
    variant, warehouse = VariantFactory(), WarehouseFactory()
    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=12)

    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=7)
    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=7)

    assert list(StockMovement.objects.order_by("pk").values_list("quantity_change", flat=True)) == [12, -5]
    assert stock_ledger_mismatches() == []


def test_a_count_below_what_is_allocated_is_refused_and_changes_nothing():
    variant, warehouse = VariantFactory(), WarehouseFactory()
    stock = set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=10)
    Stock.objects.filter(pk=stock.pk).update(quantity_allocated=6)  # as an allocation would

    with pytest.raises(InsufficientStock) as error:
        set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=5)

    assert error.value.lines[0].available == 4
    stock.refresh_from_db()
    assert stock.quantity == 10
    assert StockMovement.objects.count() == 1


def test_removing_more_than_on_hand_is_refused():
    variant, warehouse = VariantFactory(), WarehouseFactory()
    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=3)

    with pytest.raises(InsufficientStock):
        adjust_stock(warehouse=warehouse, variant_id=variant.pk, change=-4, reason=StockMovement.Reason.DAMAGED)

    assert Stock.objects.get().quantity == 3


def test_adjustments_are_ledgered_with_their_reason():
    variant, warehouse = VariantFactory(), WarehouseFactory()

    adjust_stock(warehouse=warehouse, variant_id=variant.pk, change=20, reason=StockMovement.Reason.RECEIVED)
    adjust_stock(warehouse=warehouse, variant_id=variant.pk, change=-2, reason=StockMovement.Reason.DAMAGED)

    assert Stock.objects.get().quantity == 18
    assert list(StockMovement.objects.order_by("pk").values_list("reason", "quantity_after")) == [
        ("received", 20),
        ("damaged", 18),
    ]


def test_negative_count_is_a_programming_error():
    with pytest.raises(ValueError, match="negative"):
        set_stock_quantity(warehouse=WarehouseFactory(), variant_id=VariantFactory().pk, quantity=-1)


def test_availability_sums_active_warehouses_minus_allocated():
    variant = VariantFactory()
    set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=5)
    allocated = set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=4)
    Stock.objects.filter(pk=allocated.pk).update(quantity_allocated=3)
    set_stock_quantity(warehouse=WarehouseFactory(is_active=False), variant_id=variant.pk, quantity=100)
    no_stock = VariantFactory()

    assert available_by_variant(variant_ids=[variant.pk, no_stock.pk]) == {variant.pk: 6, no_stock.pk: 0}


def test_reconciliation_reports_a_row_changed_behind_the_ledger(caplog):
    variant = VariantFactory()
    stock = set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=5)
    assert reconcile_stock() == 0

    Stock.objects.filter(pk=stock.pk).update(quantity=9)  # a write that bypassed the service

    assert reconcile_stock() == 1
    assert "Stock ledger mismatch" in caplog.text
    assert stock_ledger_mismatches()[0].ledger_quantity == 5
