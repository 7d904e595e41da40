"""The periodic reconciliation recomputes allocated units from allocations and reports any mismatch."""

import logging

import pytest

from fulfillment.models import Allocation, Stock
from fulfillment.selectors import AllocationMismatch, allocation_mismatches
from fulfillment.tasks.fulfillment_orders import reconcile_allocations
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.services.order_fulfillment import send_to_fulfillment
from shop.tests.factories import VariantFactory, paid_order

pytestmark = pytest.mark.django_db


def _allocated_stock(quantity: int = 2) -> Stock:
    tea = VariantFactory()
    stock_of(tea, WarehouseFactory(), quantity=10)
    send_to_fulfillment(order_id=paid_order((tea, quantity)).pk)
    return Stock.objects.get(variant=tea)


def test_consistent_stock_reports_nothing(caplog):
    _allocated_stock()

    with caplog.at_level(logging.ERROR):
        assert reconcile_allocations.delay().get() == 0

    assert allocation_mismatches() == []
    assert caplog.records == []


def test_a_corrupted_allocated_total_is_reported_and_logged(caplog):
    stock = _allocated_stock(quantity=2)
    _allocated_stock()  # a healthy row beside it
    Stock.objects.filter(pk=stock.pk).update(quantity_allocated=5)  # written behind the services' back

    with caplog.at_level(logging.ERROR, logger="fulfillment.tasks.fulfillment_orders"):
        assert reconcile_allocations.delay().get() == 1

    assert allocation_mismatches() == [
        AllocationMismatch(
            stock_id=stock.pk,
            warehouse_id=stock.warehouse_id,
            variant_id=stock.variant_id,
            quantity_allocated=5,
            from_allocations=2,
        )
    ]
    assert [record.levelname for record in caplog.records] == ["ERROR"]
    assert f"stock_id={stock.pk}" in caplog.records[0].getMessage()


def test_consumed_allocations_no_longer_count():
    stock = _allocated_stock(quantity=2)
    Allocation.objects.update(consumed_at="2026-01-01T00:00:00Z")  # shipped, but the stock row was not told

    assert [(m.quantity_allocated, m.from_allocations) for m in allocation_mismatches()] == [(2, 0)]
    assert allocation_mismatches()[0].stock_id == stock.pk
