"""Move shipments of the built-in carriers through the SIMULATED network (what the beat task does each minute)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from fulfillment import simulated_linehaul, simulated_warehouse
from fulfillment.models import Consolidation, Shipment
from fulfillment.services.consolidation import close_consolidation
from fulfillment.simulation import ACTIVE, SIMULATED_CARRIERS, advance

MAX_ROUNDS = 100  # a route has about a dozen scans; this only stops a runaway loop


class Command(BaseCommand):
    help = (
        "Advance shipments of the built-in carriers through the simulated network (no real carrier is involved). "
        "Without options: one scan for each shipment that is due, like the beat task. "
        "--steps N: N scans for every moving shipment, due or not. --until-delivered: until every one has arrived. "
        "Forced, consolidations close now (as at their cut-off) and masters move one step per round."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--steps", type=int, default=None, help="Scans per moving shipment, due or not.")
        parser.add_argument("--until-delivered", action="store_true", help="Run until every shipment has arrived.")
        parser.add_argument("--seed", type=int, default=None, help="Replay the same routes.")

    def handle(self, *args, steps: int | None, until_delivered: bool, seed: int | None, **options) -> None:
        if simulated_warehouse.is_enabled():
            work = simulated_warehouse.work_simulated_warehouses()
            self.stdout.write(
                f"Simulated warehouse crew: {work.pick_lists} pick list(s), {work.packed} shipment(s) packed."
            )
        forced = until_delivered or steps is not None
        rounds = MAX_ROUNDS if until_delivered else (steps or 1)
        total = 0
        for _ in range(rounds):
            now = timezone.now()
            if forced:  # the command does not wait for the pace: everything moving is due now
                Shipment.objects.filter(carrier__in=SIMULATED_CARRIERS, status__in=ACTIVE).update(next_simulated_at=now)
            masters = []
            if forced and simulated_linehaul.is_enabled():
                for pk in Consolidation.objects.filter(status=Consolidation.Status.OPEN).values_list("pk", flat=True):
                    close_consolidation(consolidation_id=pk, reason=Consolidation.CloseReason.CUTOFF, now=now)
                Consolidation.objects.filter(status__in=simulated_linehaul.MOVING).update(
                    status_changed_at=now - dt.timedelta(days=1)
                )
                masters = simulated_linehaul.advance_masters(now=now, seed=seed)
                for scan in masters:
                    self.stdout.write(f"{scan.consolidation.awb}: {scan.get_kind_display()} ({scan.parcels} parcels)")
            scans = advance(now=now, seed=seed)
            for event in scans:
                self.stdout.write(f"{event.tracking_number}: {event.get_status_display()} ({event.location})")
            total += len(scans) + len(masters)
            if not scans and not masters:
                break
        self.stdout.write(self.style.SUCCESS(f"{total} simulated scan(s)."))
