"""Pick lists: open fulfillment orders of one warehouse batched, oldest first, each with a shipment being picked."""

from django.db import transaction

from fulfillment.models import FulfillmentOrder, PickList, Shipment
from fulfillment.services.fulfillment_orders import set_fulfillment_orders_status
from fulfillment.services.shipments import set_shipment_status

DEFAULT_BATCH = 25


class NothingToPick(Exception):
    """No open fulfillment order (of those asked for) is waiting at the warehouse."""

    code = "nothing_to_pick"

    def __init__(self, *, warehouse_id: int) -> None:
        self.message = "No open fulfillment order is waiting to be picked here."
        super().__init__(self.message)
        self.warehouse_id = warehouse_id


def create_pick_list(
    *, warehouse_id: int, fulfillment_order_ids: list[int] | None = None, limit: int = DEFAULT_BATCH, by=None
) -> PickList:
    """Batch up to `limit` open fulfillment orders of a warehouse (oldest first) onto a new pick list.

    Each goes in_progress with one shipment in `picking`. Orders already on a list, held or of
    another warehouse are skipped, so asking twice never lists an order twice; NothingToPick when
    none is left.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    waiting = FulfillmentOrder.objects.filter(
        warehouse_id=warehouse_id, status=FulfillmentOrder.Status.OPEN, pick_list__isnull=True
    )
    if fulfillment_order_ids is not None:
        waiting = waiting.filter(pk__in=fulfillment_order_ids)
    with transaction.atomic():
        chosen = list(waiting.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
        # Lock in pk order, then re-check: another pick list may have taken some meanwhile.
        fulfillment_orders = list(
            waiting.select_for_update(of=("self",)).filter(pk__in=chosen).select_related("order").order_by("pk")
        )
        if not fulfillment_orders:
            raise NothingToPick(warehouse_id=warehouse_id)
        pick_list = PickList.objects.create(
            warehouse_id=warehouse_id, created_by=by if by is not None and by.is_authenticated else None
        )
        set_fulfillment_orders_status(
            fulfillment_orders=fulfillment_orders, to=FulfillmentOrder.Status.IN_PROGRESS, pick_list=pick_list
        )
        reusable = {
            shipment.fulfillment_order_id: shipment
            for shipment in Shipment.objects.select_for_update()
            .filter(fulfillment_order__in=fulfillment_orders, status=Shipment.Status.ALLOCATED)
            .order_by("pk")
        }
        for fulfillment_order in fulfillment_orders:
            shipment = reusable.get(fulfillment_order.pk) or Shipment.objects.create(
                fulfillment_order=fulfillment_order,
                status=Shipment.Status.ALLOCATED,
                promised_days=fulfillment_order.order.shipping_days_max or None,
            )
            set_shipment_status(shipment=shipment, to=Shipment.Status.PICKING)
    return pick_list
