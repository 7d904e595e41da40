"""A seller's stock count of several cells: written through the stock service together, or not at all."""

import pytest
from django.db import transaction

from fulfillment.models import Stock, StockMovement
from fulfillment.services.stock import InsufficientStock, _apply, adjust_stock, lock_stocks
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import run_by
from shop.services.stock_counts import StockCount, set_stock_counts
from shop.tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def allocate(stock: Stock, quantity: int) -> None:
    """Promise units to an order, with its ledger row."""
    with transaction.atomic():
        locked = lock_stocks(stock_ids=[stock.pk])[stock.pk]
        _apply(stock=locked, quantity_change=0, allocated_change=quantity, reason=StockMovement.Reason.ALLOCATED)


def stock_table() -> dict[tuple[int, int], tuple[int, int, str]]:
    return {
        (s.variant_id, s.warehouse_id): (s.quantity, s.quantity_allocated, s.bin_location) for s in Stock.objects.all()
    }


def test_every_count_is_written_with_one_counted_movement_each(user):
    variant = VariantFactory()
    first, second = (
        WarehouseFactory(**run_by(variant.product.seller)),
        WarehouseFactory(**run_by(variant.product.seller)),
    )
    stock_of(variant, first, quantity=4)

    stocks = set_stock_counts(
        seller_id=variant.product.seller_id,
        counts=[
            StockCount(warehouse=second, variant_id=variant.pk, quantity=3),
            StockCount(warehouse=first, variant_id=variant.pk, quantity=9, bin_location="A-1"),
        ],
        by=user,
        reference="dashboard",
    )

    assert {(s.warehouse_id, s.quantity) for s in stocks} == {(first.pk, 9), (second.pk, 3)}
    assert stock_table() == {(variant.pk, first.pk): (9, 0, "A-1"), (variant.pk, second.pk): (3, 0, "")}
    counted = StockMovement.objects.filter(reason="counted", by=user, reference="dashboard")
    assert sorted(counted.values_list("quantity_change", flat=True)) == [3, 5]


def test_a_bin_alone_keeps_the_count_as_it_is_now():
    variant = VariantFactory()
    warehouse = WarehouseFactory(**run_by(variant.product.seller))
    stock_of(variant, warehouse, quantity=4)
    adjust_stock(warehouse=warehouse, variant_id=variant.pk, change=2, reason=StockMovement.Reason.RECEIVED)
    movements = StockMovement.objects.count()

    set_stock_counts(
        seller_id=variant.product.seller_id,
        counts=[StockCount(warehouse=warehouse, variant_id=variant.pk, quantity=None, bin_location="C-3")],
    )

    assert stock_table() == {(variant.pk, warehouse.pk): (6, 0, "C-3")}
    assert StockMovement.objects.count() == movements


def test_counts_below_what_is_allocated_are_all_named_and_nothing_is_written():
    variant = VariantFactory()
    first, second, third = (
        WarehouseFactory(**run_by(variant.product.seller)),
        WarehouseFactory(**run_by(variant.product.seller)),
        WarehouseFactory(**run_by(variant.product.seller)),
    )
    allocate(stock_of(variant, first, quantity=10), 6)
    allocate(stock_of(variant, second, quantity=10), 2)
    before, movements = stock_table(), StockMovement.objects.count()

    with pytest.raises(InsufficientStock) as refused:
        set_stock_counts(
            seller_id=variant.product.seller_id,
            counts=[
                StockCount(warehouse=third, variant_id=variant.pk, quantity=8),  # fine, but not alone
                StockCount(warehouse=first, variant_id=variant.pk, quantity=5, bin_location="X"),
                StockCount(warehouse=second, variant_id=variant.pk, quantity=1),
            ],
        )

    assert sorted((line.warehouse_id, line.allocated) for line in refused.value.lines) == [
        (first.pk, 6),
        (second.pk, 2),
    ]
    assert (stock_table(), StockMovement.objects.count()) == (before, movements)
    assert not Stock.objects.filter(warehouse=third).exists()
