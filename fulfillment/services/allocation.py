"""Allocation: a paid order's held reservations become allocations, warehouse by warehouse.

The choice of warehouses is fulfillment.allocation.choose_warehouses (a pure function); this module
locks, asks it, and writes the result. Idempotent: an order already allocated gets nothing more.
"""

from django.db import transaction

from fulfillment.allocation import Destination, WarehouseInfo, choose_warehouses
from fulfillment.models import Allocation, Backorder, FulfillmentOrder, Reservation, Stock, Warehouse
from fulfillment.services.stock import allocate_units, deallocate_units, free_units


def allocate_order(*, order_id: int) -> list[Allocation]:
    """Allocate every line of a paid order once; what no warehouse has is backordered for staff."""
    from shop.models import Order

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status != Order.Status.PAID:
            return []
        lines = list(order.lines.all())
        line_ids = [line.pk for line in lines]
        if (
            Allocation.objects.filter(order_line_id__in=line_ids).exists()
            or Backorder.objects.filter(order_line_id__in=line_ids).exists()
        ):
            return []  # allocated before: a repeated task changes nothing
        stocks = list(
            Stock.objects.select_for_update(of=("self",))
            .filter(
                variant_id__in=sorted({line.variant_id for line in lines}),
                warehouse__is_active=True,
                warehouse__kind=Warehouse.Kind.FULFILLMENT_CENTRE,
            )
            .select_related("warehouse")
            .order_by("pk")
        )
        own = Reservation.objects.filter(order_line_id__in=line_ids)
        free_by_stock = free_units(stocks=stocks, excluding_line_ids=line_ids)
        free = {(stock.warehouse_id, stock.variant_id): free_by_stock[stock.pk] for stock in stocks}
        warehouses = {stock.warehouse_id: stock.warehouse for stock in stocks}
        plan = choose_warehouses(
            [(line.pk, line.variant_id, line.quantity) for line in lines],
            Destination(str(order.ship_country), order.ship_postal_code),
            [WarehouseInfo(w.pk, str(w.country), w.postal_code, w.priority, w.is_active) for w in warehouses.values()],
            free,
        )
        own.delete()  # the order's soft claims give way to hard ones
        stock_of = {(stock.warehouse_id, stock.variant_id): stock for stock in stocks}
        fulfillment_orders = {
            warehouse_id: FulfillmentOrder.objects.create(order=order, warehouse_id=warehouse_id)
            for warehouse_id in plan.warehouse_ids
        }
        allocations = []
        for planned in plan.allocations:
            stock = stock_of[(planned.warehouse_id, planned.variant_id)]
            allocate_units(stock=stock, quantity=planned.quantity, reference=f"order {order.number}")
            allocations.append(
                Allocation.objects.create(
                    fulfillment_order=fulfillment_orders[planned.warehouse_id],
                    order_line_id=planned.line_id,
                    stock=stock,
                    quantity=planned.quantity,
                )
            )
        Backorder.objects.bulk_create(
            [Backorder(order_line_id=b.line_id, quantity=b.quantity) for b in plan.backorders]
        )
    return allocations


def deallocate_order(*, order_id: int, reference: str = "") -> int:
    """Give back the stock of an order's unshipped allocations once it is cancelled or fully refunded."""
    from shop.models import Order

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in (Order.Status.CANCELLED, Order.Status.REFUNDED):
            return 0  # a partial refund: the order still ships
        allocations = list(
            Allocation.objects.filter(
                order_line__order_id=order_id,
                fulfillment_order__status__in=[FulfillmentOrder.Status.OPEN, FulfillmentOrder.Status.ON_HOLD],
            ).order_by("stock_id")
        )
        if not allocations:
            return 0
        stocks = {
            stock.pk: stock
            for stock in Stock.objects.select_for_update(of=("self",))
            .filter(pk__in=sorted({a.stock_id for a in allocations}))
            .order_by("pk")
        }
        for allocation in allocations:
            deallocate_units(
                stock=stocks[allocation.stock_id],
                quantity=allocation.quantity,
                reference=reference or f"order {order_id}",
            )
        FulfillmentOrder.objects.filter(pk__in={a.fulfillment_order_id for a in allocations}).update(
            status=FulfillmentOrder.Status.CANCELLED
        )
        Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
        Backorder.objects.filter(order_line__order_id=order_id, allocated_at__isnull=True).delete()
    return len(allocations)
