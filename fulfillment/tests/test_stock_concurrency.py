"""Real concurrent writers on PostgreSQL: row locks keep stock exact and the ledger complete."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from fulfillment.models import Stock, StockMovement
from fulfillment.selectors import stock_ledger_mismatches
from fulfillment.services.stock import InsufficientStock, adjust_stock, set_stock_quantity
from fulfillment.tests.factories import WarehouseFactory
from shop.tests.factories import VariantFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(barrier: Barrier, action):
    def run():
        try:
            barrier.wait()
            action()
            return "ok"
        except InsufficientStock:
            return "short"
        finally:
            connection.close()

    return run


def test_concurrent_removals_never_take_stock_below_zero():
    warehouse, variant = WarehouseFactory(), VariantFactory()
    set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=5)
    writers = 12
    barrier = Barrier(writers)

    def remove_one():
        adjust_stock(warehouse=warehouse, variant_id=variant.pk, change=-1, reason=StockMovement.Reason.ADJUSTED)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(lambda run: run(), [_in_thread(barrier, remove_one) for _ in range(writers)]))

    assert results.count("ok") == 5
    assert results.count("short") == writers - 5
    assert Stock.objects.get().quantity == 0
    assert stock_ledger_mismatches() == []


def test_concurrent_first_counts_create_a_single_stock_row():
    warehouse, variant = WarehouseFactory(), VariantFactory()
    writers = 8
    barrier = Barrier(writers)

    def count(quantity):
        return lambda: set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=quantity)

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = list(pool.map(lambda run: run(), [_in_thread(barrier, count(q)) for q in range(1, writers + 1)]))

    assert results == ["ok"] * writers
    stock = Stock.objects.get()
    assert 1 <= stock.quantity <= writers
    assert stock_ledger_mismatches() == []
