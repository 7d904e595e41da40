"""Celery tasks: tracking (the simulated carrier network and warehouse crew)."""

from celery import shared_task

from fulfillment import simulated_linehaul, simulated_warehouse
from fulfillment.simulation import advance


@shared_task
def advance_simulated_shipments() -> int:
    """One simulated scan for every built-in-carrier shipment whose next scan is due (beat, every minute).

    With the simulated warehouse crew on (the demo), waiting orders are first picked and packed; with the
    simulated line haul on, closed masters take their next move (tendered, departed, arrived, cleared, split).
    """
    if simulated_warehouse.is_enabled():
        simulated_warehouse.work_simulated_warehouses()
    if simulated_linehaul.is_enabled():
        simulated_linehaul.advance_masters()
    return len(advance())
