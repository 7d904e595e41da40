"""Reads for consolidation pages: the board per hub (open, closing soon, in the air, held)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from fulfillment.models import Consolidation, ConsolidationItem, Warehouse

C = Consolidation.Status
CLOSING_SOON = dt.timedelta(hours=2)
IN_THE_AIR = (C.CLOSED, C.TENDERED, C.DEPARTED, C.ARRIVED, C.CUSTOMS_CLEARED)


@dataclass
class HubBoard:
    hub: Warehouse
    open: list[Consolidation] = field(default_factory=list)
    closing_soon: list[Consolidation] = field(default_factory=list)
    moving: list[Consolidation] = field(default_factory=list)  # closed, tendered, departed, arrived, cleared
    held: list[Consolidation] = field(default_factory=list)


def consolidation_board(*, hub_id: int | None = None, now: dt.datetime | None = None) -> list[HubBoard]:
    """Each consolidation hub with its open, closing-soon, moving and held masters, in three queries."""
    now = now or timezone.now()
    hubs = Warehouse.objects.filter(kind=Warehouse.Kind.CONSOLIDATION_HUB).order_by("code")
    if hub_id is not None:
        hubs = hubs.filter(pk=hub_id)
    boards = {hub.pk: HubBoard(hub=hub) for hub in hubs}
    consolidations = (
        Consolidation.objects.filter(lane__origin_hub_id__in=list(boards))
        .filter(Q(status=C.OPEN) | Q(status__in=IN_THE_AIR) | Q(status=C.CUSTOMS_HELD))
        .select_related("lane")
        .prefetch_related(
            Prefetch(
                "items",
                ConsolidationItem.objects.filter(held_at_customs=True).select_related("shipment").order_by("pk"),
                to_attr="held_items",
            )
        )
        .order_by("cutoff_at", "pk")
    )
    for consolidation in consolidations:
        board = boards[consolidation.lane.origin_hub_id]
        if consolidation.status == C.OPEN:
            soon = consolidation.cutoff_at - now <= CLOSING_SOON
            (board.closing_soon if soon else board.open).append(consolidation)
        elif consolidation.status == C.CUSTOMS_HELD:
            board.held.append(consolidation)
        else:
            board.moving.append(consolidation)
    return list(boards.values())
