"""The stored available count of each variant: moved by every stock change, repaired by reconciliation.

Listing pages read it (`VariantAvailability.available`); these tests check it always equals what stock
and reservations say, the way a shopper would notice: a product card never offers more than is free.
"""

import importlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from fulfillment.models import Reservation, Stock, StockMovement, VariantAvailability
from fulfillment.selectors import stored_available_recount
from fulfillment.services.stock import (
    InsufficientStock,
    LineClaim,
    adjust_stock,
    deallocate_units,
    delete_expired_reservations,
    hold_reservations,
    lock_stocks,
    receive_stock,
    recount_available,
    release_reservations,
    reserve_stock,
    set_stock_quantity,
)
from fulfillment.tasks import reconcile_stock
from fulfillment.tests.factories import WarehouseFactory
from shop.tests.factories import VariantFactory
from shop.tests.test_payments_support import place_test_order, stocked_variant

pytestmark = pytest.mark.django_db


def stored(variant) -> int:
    return VariantAvailability.objects.filter(variant=variant).values_list("available", flat=True).first() or 0


def assert_consistent() -> None:
    assert stored_available_recount(only_mismatches=True) == []


def test_counts_receipts_adjustments_and_counts_in_active_warehouses_only():
    variant = VariantFactory()
    ours, closed = WarehouseFactory(), WarehouseFactory(is_active=False)

    set_stock_quantity(warehouse=ours, variant_id=variant.pk, quantity=5)
    receive_stock(warehouse=ours, quantities={variant.pk: 3})
    adjust_stock(warehouse=ours, variant_id=variant.pk, change=-2, reason=StockMovement.Reason.DAMAGED)
    set_stock_quantity(warehouse=closed, variant_id=variant.pk, quantity=40)  # not for sale there

    assert stored(variant) == 6
    assert_consistent()


def test_a_reservation_takes_units_and_releasing_or_expiring_it_gives_them_back():
    variant = VariantFactory()
    set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=5)
    first = place_test_order((variant, 2))
    second = place_test_order((variant, 1))
    assert stored(variant) == 2

    release_reservations(order_line_ids=list(first.lines.values_list("pk", flat=True)))
    assert stored(variant) == 4
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))
    delete_expired_reservations()
    assert stored(variant) == 5
    assert second.lines.get().reservations.count() == 0
    assert_consistent()


def test_a_refused_reservation_changes_no_count():
    variant = VariantFactory()
    set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=1)
    order = place_test_order((variant, 1))

    with pytest.raises(InsufficientStock):
        reserve_stock(claims=[LineClaim(order_line_id=order.lines.get().pk, variant_id=variant.pk, quantity=1)],
                      until=None)  # fmt: skip

    assert stored(variant) == 0
    assert_consistent()


def test_holding_a_paid_orders_reservation_and_allocating_it_keep_the_units_taken(deliver_events):
    variant = stocked_variant(quantity=5)
    order = place_test_order((variant, 2))
    line = order.lines.get()
    hold_reservations(claims=[LineClaim(order_line_id=line.pk, variant_id=variant.pk, quantity=2)])
    assert stored(variant) == 3

    from shop.services.order_fulfillment import send_to_fulfillment

    order.status = "paid"
    order.save(update_fields=["status"])
    send_to_fulfillment(order_id=order.pk)  # the reservation becomes an allocation

    assert not Reservation.objects.exists()
    assert Stock.objects.get(variant=variant).quantity_allocated == 2
    assert stored(variant) == 3
    stock = lock_stocks(stock_ids=[Stock.objects.get(variant=variant).pk]).popitem()[1]
    deallocate_units(stock=stock, quantity=2)  # cancelled before it shipped
    assert stored(variant) == 5
    assert_consistent()


def test_an_expired_reservation_is_renewed_when_paid_if_the_stock_is_still_free():
    variant = stocked_variant(quantity=3)
    order = place_test_order((variant, 1))
    line = order.lines.get()
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(minutes=1))

    hold_reservations(claims=[LineClaim(order_line_id=line.pk, variant_id=variant.pk, quantity=1)])

    assert Reservation.objects.get().reserved_until is None
    assert stored(variant) == 2
    assert_consistent()


def test_reconciliation_repairs_a_count_changed_behind_the_service(caplog):
    variant = VariantFactory()
    stock = set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=5)
    VariantAvailability.objects.filter(variant=variant).update(available=50)
    Stock.objects.filter(pk=stock.pk).update(quantity=7)  # bypassed the service: ledger and count are off

    assert reconcile_stock() == 1  # the ledger mismatch, as before

    assert stored(variant) == 7
    assert "Stored available counts of 1 variants" in caplog.text
    assert_consistent()


def test_switching_a_warehouse_off_takes_its_units_out_of_the_count():
    variant = VariantFactory()
    closing = WarehouseFactory()
    set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=2)
    set_stock_quantity(warehouse=closing, variant_id=variant.pk, quantity=5)
    assert stored(variant) == 7

    closing.is_active = False
    closing.save(update_fields=["is_active"])
    recount_available(variant_ids=[variant.pk])  # what the warehouse admin does on saving the switch

    assert stored(variant) == 2
    assert_consistent()


def test_the_migration_fills_every_variant_with_stock():
    variant, other = VariantFactory(), VariantFactory()
    set_stock_quantity(warehouse=WarehouseFactory(), variant_id=variant.pk, quantity=4)
    place_test_order((variant, 1))
    set_stock_quantity(warehouse=WarehouseFactory(), variant_id=other.pk, quantity=2)
    VariantAvailability.objects.all().delete()

    migration = importlib.import_module("fulfillment.migrations.0017_variant_availability")
    migration.fill_counts(apps, None)

    assert (stored(variant), stored(other)) == (3, 2)
    assert_consistent()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_take_the_count_below_what_is_free():
    """Twenty checkouts race for five units: five reserve, the count ends at 0 and matches a recount."""
    variant = VariantFactory()
    first, second = WarehouseFactory(), WarehouseFactory()
    set_stock_quantity(warehouse=first, variant_id=variant.pk, quantity=30)
    orders = [place_test_order((variant, 1)) for _ in range(20)]
    release_reservations(order_line_ids=[order.lines.get().pk for order in orders])  # placed; now all race
    set_stock_quantity(warehouse=first, variant_id=variant.pk, quantity=3)
    set_stock_quantity(warehouse=second, variant_id=variant.pk, quantity=2)
    assert stored(variant) == 5
    barrier = Barrier(len(orders))

    def reserve(order) -> bool:
        claim = LineClaim(order_line_id=order.lines.get().pk, variant_id=variant.pk, quantity=1)
        try:
            barrier.wait()
            reserve_stock(claims=[claim], until=timezone.now() + timedelta(minutes=15))
            return True
        except InsufficientStock:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(orders)) as pool:
        results = list(pool.map(reserve, orders))

    assert results.count(True) == 5
    assert Reservation.objects.count() == 5
    assert stored(variant) == 0
    assert_consistent()
