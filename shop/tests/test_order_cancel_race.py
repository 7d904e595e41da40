"""A shopper cancels while a picker makes a pick list, at the same moment, for real on PostgreSQL with threads:
either the order is cancelled and never picked, or it is picked and the cancel is refused; never both."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from fulfillment.models import FulfillmentOrder
from fulfillment.services.picking import NothingToPick, create_pick_list
from fulfillment.tests.factories import WarehouseFactory, stock_of
from shop.models import Order
from shop.services.cancellation import cancel_by_shopper
from shop.services.order_fulfillment import send_to_fulfillment
from shop.services.payments import CancelNotAllowed
from shop.tests.factories import VariantFactory, paid_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(6))
def test_a_cancel_and_a_pick_list_at_once_one_wins(round_):
    warehouse = WarehouseFactory()
    tea = VariantFactory()
    stock_of(tea, warehouse, quantity=3)
    order = paid_order((tea, 1))
    send_to_fulfillment(order_id=order.pk)
    barrier = Barrier(2)

    def cancel():
        try:
            barrier.wait()
            cancel_by_shopper(order=order)
            return "cancelled"
        except CancelNotAllowed as error:
            return error.code
        finally:
            connection.close()

    def pick():
        try:
            barrier.wait()
            create_pick_list(warehouse_id=warehouse.pk)
            return "picked"
        except NothingToPick:
            return "nothing_to_pick"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        cancelled, picked = pool.submit(cancel), pool.submit(pick)
        outcome = (cancelled.result(), picked.result())

    order.refresh_from_db()
    fulfillment_order = FulfillmentOrder.objects.get(order_id=order.pk)
    assert outcome in {("cancelled", "nothing_to_pick"), ("picking_started", "picked")}, outcome
    if outcome[0] == "cancelled":
        assert (order.status, fulfillment_order.status, fulfillment_order.pick_list_id) == (
            "cancelled",
            "cancelled",
            None,
        )
    else:
        assert (order.status, fulfillment_order.status) == (Order.Status.PAID, "in_progress")
