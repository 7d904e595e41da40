"""Celery tasks: tracking (the simulated carrier network, and the shopper's shipped / delivered emails)."""

from celery import shared_task
from django.db import transaction

from fulfillment import simulated_warehouse
from fulfillment.models import Shipment
from fulfillment.services.tracking import EMAIL_DELIVERED, EMAIL_SHIPPED, shipment_email
from fulfillment.simulation import advance
from shop.models import Order, OrderEvent
from shop.services.orders import record_order_note

EMAIL_NOTES = {
    EMAIL_SHIPPED: "Shipment {number} is on its way: email sent.",
    EMAIL_DELIVERED: "Shipment {number} was delivered: email sent.",
}


@shared_task
def advance_simulated_shipments() -> int:
    """One simulated scan for every built-in-carrier shipment whose next scan is due (beat, every minute).

    With the simulated warehouse crew on (the demo), waiting orders are first picked and packed.
    """
    if simulated_warehouse.is_enabled():
        simulated_warehouse.work_simulated_warehouses()
    return len(advance())


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_shipment_email(self, shipment_id: int, kind: str) -> bool:
    """Email the shopper that a shipment left or arrived, once per shipment and kind (a note on the order marks it)."""
    shipment = Shipment.objects.select_related("fulfillment_order").filter(pk=shipment_id).first()
    if shipment is None or kind not in EMAIL_NOTES:
        return False
    # Keyed by the shipment, not its tracking number: a shipment relabelled before hand-over is still one.
    note = EMAIL_NOTES[kind].format(number=shipment.pk)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=shipment.fulfillment_order.order_id)
        if OrderEvent.objects.filter(order=order, note=note).exists():
            return False
        claim = record_order_note(order=order, note=note)  # claimed before sending, no lock held meanwhile
    try:
        shipment_email(shipment_id=shipment_id, kind=kind).send(fail_silently=False)
    except Exception:
        claim.delete()  # let the retry send it
        raise
    return True
