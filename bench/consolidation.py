"""Consolidation benchmark: parcels over 20 lanes consolidated, closed, tendered, flown and split by real workers.

Run on purpose, not as a test:  .venv/bin/python bench/consolidation.py [--parcels 10000] [--workers 4] [--kill]
Needs PostgreSQL (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432) and Redis (CELERY_BROKER_URL's
server, default redis://127.0.0.1:6379; the bench uses db 10 and flushes it). A throwaway database is created with a
unique name and dropped at the end.

Labelled parcels abroad are written in bulk (the state buying a label leaves); then, each phase timed with the
workers on the `consolidation` queue: every parcel joins its lane's consolidation (one task per parcel; a full
master closes as the next parcel comes), the open ones are closed (air waybill, manifest CSV and PDF,
declarations), every master is tendered (its parcels handed over, one by one), then departed, arrived and cleared
(master scans fanned out in bulk), then split (last-mile numbers). In-process, on one connection: SQL queries per
parcel to consolidate and to tender, on 10 and on 100 parcels (they must be equal); a master scan fanned out to 10
and to 1,000 parcels as a number of queries (they must be equal) and its time as a ratio to one parcel's own scan.
With --kill, a worker is killed with SIGKILL while the departure scans run; its task comes back to another worker
(late acks; CELERY_VISIBILITY_TIMEOUT is 20 s here) and every parcel still gets its scan exactly once.
"""

import argparse
import datetime as dt
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# bench/ behind the project on the path, so `import fulfillment` finds the app and only helpers come from bench/.
sys.path[:] = [str(BASE_DIR)] + [p for p in sys.path if Path(p or ".").resolve() != BASE_DIR / "bench"]
sys.path.append(str(BASE_DIR / "bench"))

from _worker_bench import (  # noqa: E402 - from bench/, once it is on the path
    BROKER_URL,
    bench_env,
    database_name,
    machine_notes,
    start_workers,
    throwaway_database,
    wait_for_workers,
)

DATABASE = database_name("consolidation")
ENV = bench_env(DATABASE, CELERY_VISIBILITY_TIMEOUT="20", CONSOLIDATION_SIMULATE_LINEHAUL="false")
QUEUE = "consolidation"
T0 = dt.datetime.now(tz=dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)


def wait_until(condition, what: str, workers: list[subprocess.Popen], log_dir: Path, timeout: float = 300) -> None:
    """Poll `condition()` (a number that grows to a target: returns done, target) until done; stalls raise."""
    last, last_progress = -1, time.monotonic()
    while True:
        done, target = condition()
        if done >= target:
            return
        if done != last:
            last, last_progress = done, time.monotonic()
        if time.monotonic() - last_progress > timeout:
            tails = "\n".join(path.read_text()[-2000:] for path in sorted(log_dir.glob("worker-*.log")))
            raise RuntimeError(f"{what} stalled at {done}/{target}; worker logs:\n{tails}")
        time.sleep(0.2)


# ------------------------------------------------------------------------------------ in-process


def count_queries(action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        action()
    return len(ctx)


def per_parcel_queries(centre, lanes, rng) -> dict[str, dict[int, float]]:
    """Queries per parcel to join an open consolidation and to be handed over at the tender, on 10 and 100 parcels.

    The lanes are widened first and each has an open consolidation, so no parcel opens or closes one here (those
    are once per master, not per parcel: the fan-out measure covers the per-master work).
    """
    import _consolidation_data as data

    from fulfillment.models import Lane
    from fulfillment.services.consolidation import consolidate_labelled_parcel
    from fulfillment.services.shipments import hand_over_shipment

    lane_ids = [lane.pk for lane in lanes]
    Lane.objects.filter(pk__in=lane_ids).update(max_parcels=100_000, max_weight_grams=1_000_000_000)
    for pk in data.labelled_parcels(centre, len(lanes), rng):  # one open consolidation per lane
        consolidate_labelled_parcel(shipment_id=pk)
    result: dict[str, dict[int, float]] = {"join an open consolidation": {}, "hand-over at the tender": {}}
    for size in (10, 100):
        ids = data.labelled_parcels(centre, size, rng)
        queries = count_queries(lambda ids=ids: [consolidate_labelled_parcel(shipment_id=pk) for pk in ids])
        result["join an open consolidation"][size] = queries / size
        queries = count_queries(lambda ids=ids: [hand_over_shipment(shipment_id=pk) for pk in ids])
        result["hand-over at the tender"][size] = queries / size
    Lane.objects.filter(pk__in=lane_ids).update(
        max_parcels=lanes[0].max_parcels, max_weight_grams=lanes[0].max_weight_grams
    )
    close_all_open()
    return result


def close_all_open() -> None:
    from fulfillment.models import Consolidation
    from fulfillment.services.consolidation import close_consolidation

    for pk in Consolidation.objects.filter(status="open").values_list("pk", flat=True):
        close_consolidation(consolidation_id=pk)


def fan_out_measures(centre, lanes, rng) -> dict[str, object]:
    """A master of 10 and one of 1,000 parcels: queries of one fanned-out scan, its time, one parcel's scan."""
    import _consolidation_data as data

    from fulfillment.models import Consolidation, Lane, MasterScan, TrackingEvent
    from fulfillment.services.consolidation import close_consolidation, consolidate_labelled_parcel
    from fulfillment.services.master_scans import record_master_scan, tender_consolidation
    from fulfillment.services.tracking import ingest_tracking_event

    out: dict[str, object] = {"queries": {}, "seconds": {}}
    Lane.objects.filter(pk__in=[lane.pk for lane in lanes]).update(max_parcels=2_000, max_weight_grams=4_000_000)
    for size in (10, 1_000):
        ids = data.labelled_parcels(centre, size, rng, to=data.DESTINATIONS[0])
        for pk in ids:
            consolidate_labelled_parcel(shipment_id=pk)
        master = Consolidation.objects.get(pk=data.consolidations_of(ids)[0])
        close_consolidation(consolidation_id=master.pk)
        tender_consolidation(consolidation_id=master.pk, at=T0)
        started = time.perf_counter()
        out["queries"][size] = count_queries(
            lambda m=master: record_master_scan(consolidation_id=m.pk, kind=MasterScan.Kind.DEPARTED, occurred_at=T0)
        )
        out["seconds"][size] = time.perf_counter() - started
    # One parcel's own scan through the ingestion door (a carrier webhook's work), median of 20.
    from fulfillment.models import Shipment

    singles = list(Shipment.objects.filter(status=Shipment.Status.IN_TRANSIT).order_by("pk")[:20])
    times = []
    for i, shipment in enumerate(singles):
        started = time.perf_counter()
        ingest_tracking_event(
            tracking_number=shipment.tracking_number, status=TrackingEvent.Status.IN_TRANSIT,
            occurred_at=T0 + dt.timedelta(minutes=i + 1), location="Bench", description="One parcel's scan",
        )  # fmt: skip
        times.append(time.perf_counter() - started)
    out["one parcel seconds"] = statistics.median(times)
    Lane.objects.filter(pk__in=[lane.pk for lane in lanes]).update(
        max_parcels=lanes[0].max_parcels, max_weight_grams=lanes[0].max_weight_grams
    )
    return out


# ------------------------------------------------------------------------------------ with workers


def run_round(args, *, centre, lanes, rng, workers, log_dir) -> tuple[dict[str, float], dict]:
    import _consolidation_data as data
    from django.db import connection

    from fulfillment.models import Consolidation, MasterScan
    from fulfillment.tasks.consolidation import (
        close_consolidation_task,
        consolidate_labelled_parcel_task,
        record_master_scan_task,
        split_consolidation_task,
        tender_consolidation_task,
    )

    made = time.perf_counter()
    ids = data.labelled_parcels(centre, args.parcels, rng)
    print(f"{len(ids)} labelled parcels made in {time.perf_counter() - made:.1f} s", flush=True)
    connection.close()
    phases: dict[str, float] = {}

    started = time.perf_counter()
    for pk in ids:
        consolidate_labelled_parcel_task.apply_async((pk,), queue=QUEUE)
    wait_until(lambda: (data.consolidated_count(ids), len(ids)), "consolidation", workers, log_dir)
    phases["consolidate"] = time.perf_counter() - started
    masters = data.consolidations_of(ids)

    started = time.perf_counter()
    for pk in Consolidation.objects.filter(pk__in=masters, status="open").values_list("pk", flat=True):
        close_consolidation_task.apply_async((pk, "early"), queue=QUEUE)
    wait_until(lambda: (len(masters) - data.count_in(masters, "open"), len(masters)), "closing", workers, log_dir)
    phases["close (AWB, manifests)"] = time.perf_counter() - started

    def scans_of(kind):
        return lambda: (MasterScan.objects.filter(consolidation_id__in=masters, kind=kind).count(), len(masters))

    started = time.perf_counter()
    for pk in masters:
        tender_consolidation_task.apply_async((pk,), queue=QUEUE)
    wait_until(scans_of(MasterScan.Kind.TENDERED), "tendering", workers, log_dir)
    phases["tender (hand-over)"] = time.perf_counter() - started

    started = time.perf_counter()
    for hours, kind in ((2, MasterScan.Kind.DEPARTED), (10, MasterScan.Kind.ARRIVED), (11, "customs_cleared")):
        when = (T0 + dt.timedelta(hours=hours)).isoformat()
        for pk in masters:
            record_master_scan_task.apply_async((pk, kind, when), queue=QUEUE)
            # The same scan twice (an airline resending it): stored once, nothing changes.
            record_master_scan_task.apply_async((pk, kind, when), queue=QUEUE)
        if args.kill and kind == MasterScan.Kind.DEPARTED:
            kill_one(workers, args, log_dir)
        wait_until(scans_of(kind), f"{kind} scans", workers, log_dir)
    phases["fly (3 master scans)"] = time.perf_counter() - started

    started = time.perf_counter()
    for pk in masters:
        split_consolidation_task.apply_async((pk,), queue=QUEUE)
    wait_until(lambda: (data.count_in(masters, "split"), len(masters)), "split", workers, log_dir)
    phases["split (last-mile numbers)"] = time.perf_counter() - started

    # A killed worker's task comes back after the visibility timeout: wait for the queue to drain.
    time.sleep(1)
    state = data.round_state(ids, masters, lanes)
    return phases, state


def kill_one(workers: list[subprocess.Popen], args, log_dir: Path) -> None:
    """SIGKILL one worker mid-phase and start another in its place."""
    time.sleep(0.5)
    victim = workers.pop(0)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=10)
    print(f"killed worker pid {victim.pid} with SIGKILL", flush=True)
    workers.extend(start_workers(1, log_dir, queues=QUEUE, name=f"replacement{victim.pid}", env=ENV))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4, help="celery worker processes, -c 1 each")
    parser.add_argument("--max-parcels", type=int, default=200, help="parcels per master (lane capacity)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL a worker during the departure scans")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"database {DATABASE}, broker {BROKER_URL}", flush=True)
    with throwaway_database(DATABASE, ENV, kind="consolidation") as (workers, log_dir):
        run(args, workers, log_dir)


def run(args, workers: list[subprocess.Popen], log_dir: Path) -> None:
    import _consolidation_data as data

    rng = random.Random(args.seed)
    centre, lanes = data.build_network(max_parcels=args.max_parcels)
    queries = per_parcel_queries(centre, lanes, rng)
    print(f"queries per parcel: {queries}", flush=True)
    fan = fan_out_measures(centre, lanes, rng)
    print(f"fan-out: {fan}", flush=True)

    workers.extend(start_workers(args.workers, log_dir, queues=QUEUE, name="consolidation", env=ENV))
    wait_for_workers(workers)
    phases, state = run_round(args, centre=centre, lanes=lanes, rng=rng, workers=workers, log_dir=log_dir)
    print(f"state: {state}", flush=True)
    report(args, queries, fan, phases, state)


def report(args, queries, fan, phases, state) -> None:
    command = f".venv/bin/python bench/consolidation.py --parcels {args.parcels} --workers {args.workers}" + (
        " --kill" if args.kill else ""
    )
    print(f"\nCommand: `{command}`")
    print(f"Machine: {machine_notes(with_load=True)}")
    print(f"{args.workers} worker processes (`celery -A marketplace worker -Q {QUEUE} -c 1` each), late acks\n")
    print(f"{state['parcels']:,} parcels over 20 lanes, {state['masters']} masters of at most {args.max_parcels}\n")
    print("| phase | seconds | parcels/s |")
    print("|---|---:|---:|")
    for name, seconds in phases.items():
        print(f"| {name} | {seconds:.1f} | {state['parcels'] / seconds:,.0f} |")
    total = sum(phases.values())
    print(f"| **all** | **{total:.1f}** | **{state['parcels'] / total:,.0f}** |\n")
    print("| SQL queries per parcel | 10 parcels | 100 parcels | constant |")
    print("|---|---:|---:|---|")
    for name, counts in queries.items():
        print(f"| {name} | {counts[10]:g} | {counts[100]:g} | {'yes' if counts[10] == counts[100] else '**NO**'} |")
    q, s = fan["queries"], fan["seconds"]
    print("\n| one master scan (departed) fanned out | 10 parcels | 1,000 parcels |")
    print("|---|---:|---:|")
    print(f"| SQL queries | {q[10]} | {q[1000]} |")
    print(f"| milliseconds | {s[10] * 1000:.0f} | {s[1000] * 1000:.0f} |")
    one = fan["one parcel seconds"]
    print(f"\nOne parcel's own scan (ingest_tracking_event): {one * 1000:.1f} ms; the 1,000-parcel fan-out takes "
          f"{s[1000] / one:.0f} times as long (one by one it would be about 1,000 times).")  # fmt: skip
    print(f"\nState after the round: {state}")
    bad = (
        state["consolidated"] != state["parcels"]
        or state["masters split"] != state["masters"]
        or state["masters over capacity"]
        or state["parcels with a last-mile number"] != state["parcels"]
        or state["master-scan events"] != 5 * state["parcels"]
        or state["master-scan events twice on a parcel"]
        or any(n != state["masters"] for n in state["master scans per kind"].values())
    )
    if bad or q[10] != q[1000] or any(c[10] != c[100] for c in queries.values()):
        raise AssertionError("the round is not correct or the queries are not constant; see above")


if __name__ == "__main__":
    main()
