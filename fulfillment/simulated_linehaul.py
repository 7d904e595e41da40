"""A SIMULATED line haul for the demo: it moves master shipments, not parcels, from the export hub to the split.

On `make run` no airline scans our air waybills, so when CONSOLIDATION_SIMULATE_LINEHAUL is on (the default
under DEBUG) the simulation beat task calls `advance_masters`: an open consolidation that has waited ten steps
closes early (nobody waits hours for a cut-off on a laptop), and each closed master whose last move is older than
a step (CARRIER_SIMULATION_STEP_SECONDS) takes its next one: tendered -> departed -> arrived -> cleared (now and
then held first, naming one parcel; customs release the consignment a step later) -> split. Every move is a
master scan through `record_master_scan`, the same door an airline's or broker's messages would use; after the
split the built-in carriers' simulation (fulfillment.simulation) takes each parcel on to the door.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.conf import settings
from django.utils import timezone

from fulfillment.models import Consolidation, ConsolidationItem, MasterScan, TrackingEvent
from fulfillment.services.consolidation import ConsolidationError, close_consolidation
from fulfillment.services.master_scans import record_master_scan, split_consolidation, tender_consolidation
from fulfillment.simulation import step_seconds

logger = logging.getLogger(__name__)
C = Consolidation.Status
M = MasterScan.Kind
HOLD_CHANCE = 0.1
MOVING = (C.CLOSED, C.TENDERED, C.DEPARTED, C.ARRIVED, C.CUSTOMS_HELD, C.CUSTOMS_CLEARED)


def is_enabled() -> bool:
    return getattr(settings, "CONSOLIDATION_SIMULATE_LINEHAUL", False)


def _next_move(consolidation: Consolidation, *, at: dt.datetime, rng: random.Random) -> MasterScan:
    source = MasterScan.Source.SIMULATION
    if consolidation.status == C.CLOSED:
        return tender_consolidation(consolidation_id=consolidation.pk, at=at, source=source)
    if consolidation.status == C.CUSTOMS_CLEARED:
        return split_consolidation(consolidation_id=consolidation.pk, at=at, source=source)
    kind = {C.TENDERED: M.DEPARTED, C.DEPARTED: M.ARRIVED, C.CUSTOMS_HELD: M.CUSTOMS_CLEARED}.get(
        consolidation.status, M.CUSTOMS_CLEARED
    )
    held: list[str] = []
    if consolidation.status == C.ARRIVED and rng.random() < HOLD_CHANCE:
        numbers = list(
            ConsolidationItem.objects.filter(consolidation=consolidation, pulled_out_at__isnull=True)
            .order_by("pk")
            .values_list("shipment__tracking_number", flat=True)
        )
        if numbers:
            kind, held = M.CUSTOMS_HELD, [rng.choice(numbers)]
    return record_master_scan(
        consolidation_id=consolidation.pk,
        kind=kind,
        occurred_at=at,
        source=source,
        held_tracking_numbers=held,
        customs_reason=TrackingEvent.CustomsReason.VALUE_QUERIED if held else "",
    )


# The demo's hubs do not make a shopper wait hours for the cut-off: an open consolidation this many steps old closes.
DEMO_CLOSE_AFTER_STEPS = 10


def close_waiting_consolidations(*, now: dt.datetime) -> int:
    """Close (early) the open consolidations older than DEMO_CLOSE_AFTER_STEPS steps; how many were closed."""
    waited = now - dt.timedelta(seconds=step_seconds() * DEMO_CLOSE_AFTER_STEPS)
    closed = 0
    for pk in Consolidation.objects.filter(status=C.OPEN, created_at__lte=waited).values_list("pk", flat=True):
        try:
            close_consolidation(consolidation_id=pk, reason=Consolidation.CloseReason.EARLY, now=now)
            closed += 1
        except ConsolidationError as error:
            logger.info("Simulated line haul: %s", error.message)
    return closed


def advance_masters(*, now: dt.datetime | None = None, seed: int | None = None, limit: int = 50) -> list[MasterScan]:
    """One move for each closed master whose last move is at least a step old; returns the scans recorded.

    First, open consolidations that have waited DEMO_CLOSE_AFTER_STEPS steps are closed (the demo's hubs close
    early rather than at a cut-off hours away)."""
    now = now or timezone.now()
    close_waiting_consolidations(now=now)
    due = Consolidation.objects.filter(
        status__in=MOVING, status_changed_at__lte=now - dt.timedelta(seconds=step_seconds())
    ).order_by("status_changed_at", "pk")[:limit]
    scans = []
    for consolidation in due:
        rng = random.Random(f"{seed}:{consolidation.pk}:{consolidation.status}") if seed is not None else random
        try:
            scans.append(_next_move(consolidation, at=now, rng=rng))
        except ConsolidationError as error:  # one stuck master must not stop the others
            logger.warning("Simulated line haul: %s stays %s: %s", consolidation, consolidation.status, error.message)
    return scans
