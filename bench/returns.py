"""Returns benchmark: returns of delivered orders processed end to end by real Celery workers, refunded once each.

Run on purpose, not as a test:  .venv/bin/python bench/returns.py [--returns 1000] [--rounds 3] [--workers 2]
Needs PostgreSQL (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432) and Redis (CELERY_BROKER_URL's
server, default redis://127.0.0.1:6379; the bench uses db 10 and flushes it). A throwaway database is created with a
unique name and dropped at the end. Each round makes fresh orders paid on the Stripe stand-in and delivered, then
times their returns from request to refund: shoppers ask (`request_return`), workers buy the prepaid labels (queue
`returns`), the simulated carrier network scans the parcels back (`fulfillment.simulation.advance`), staff receive
and inspect them (restock), workers refund through the stand-in. Returns/s, median over rounds; SQL queries per
return of every step, counted in-process on 10 and on 100 returns (they must be equal); and, after each round,
every return refunded exactly once, no order refunded beyond what was paid, the stock ledger reconciled.
"""

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# bench/fulfillment.py has the fulfillment app's name: keep bench/ behind the project on the path, so
# `import fulfillment` finds the app package and only the helpers (bench/_returns_data.py) come from bench/.
sys.path[:] = [str(BASE_DIR)] + [p for p in sys.path if Path(p or ".").resolve() != BASE_DIR / "bench"]
sys.path.append(str(BASE_DIR / "bench"))

from _worker_bench import (  # noqa: E402 - from bench/, once it is on the path
    BROKER_URL,
    bench_env,
    database_name,
    eager,
    in_threads,
    machine_notes,
    start_workers,
    throwaway_database,
    wait_for_workers,
)

DATABASE = database_name("returns")
MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-returns-media-")  # labels and drop-off QR codes
ENV = bench_env(
    DATABASE,
    MEDIA_ROOT=MEDIA_ROOT,
    EMAIL_URL="dummymail://",  # the emails are rendered and recorded; not sent anywhere
    STRIPE_SECRET_KEY="",
    STRIPE_USE_LOCAL="true",  # the stand-in plays Stripe, in-process in each worker
    STRIPE_LOCAL_WEBHOOK_URL="",  # it keeps its events; the refund's answer is read from the API call
    CARRIER_SIMULATION_STEP_SECONDS="14400",
)
QUEUES = "returns,default,allocation"  # returns: labels and return facts; default: refunds, emails; allocation:
# the refunded fact's "stop fulfillment" handler
SEED = 5


# ------------------------------------------------------------------------------------------- the steps


CALM = None  # simulation.Chances(0, 0, 0), set after django.setup()


def request(spec) -> int:
    """The shopper asks (the order page and the API call this service)."""
    from shop.models import Order
    from shop.services.returns import request_return

    order = Order(pk=spec.order_id)
    return request_return(order=order, lines=list(spec.lines), reason=spec.reason, comment="Bench").pk


def carry(return_ids: list[int], clock: dt.datetime, *, limit: int) -> tuple[dt.datetime, int]:
    """The simulated carrier network, in rounds of `advance` a step apart, until every parcel reached its centre."""
    from fulfillment import simulation
    from fulfillment.models import Shipment

    shipments = Shipment.objects.filter(inbound_return__pk__in=return_ids)
    pace = dt.timedelta(seconds=simulation.step_seconds() * 1.3)  # the longest jittered step: all are due
    scans = 0
    for _ in range(40):
        if not shipments.exclude(status=Shipment.Status.DELIVERED).exists():
            return clock, scans
        clock += pace
        while batch := simulation.advance(now=clock, seed=SEED, chances=CALM, limit=limit):
            scans += len(batch)
    raise RuntimeError(f"return parcels still travelling: {dict(Counter(shipments.values_list('status', flat=True)))}")


def receive(return_id: int) -> str:
    """Staff scan the parcel's tracking number at the returns centre."""
    from fulfillment.models import InboundReturn
    from fulfillment.services.returns import receive_return

    inbound = InboundReturn.objects.select_related("shipment").get(pk=return_id)
    return receive_return(code=inbound.shipment.tracking_number, warehouse_id=inbound.warehouse_id).status


def inspect(item) -> str:
    """Staff inspect every line: restock (or write one unit off when the spec says the parcel was crushed)."""
    import _returns_data as data

    from fulfillment.models import InboundReturnLine
    from fulfillment.services.returns import inspect_return

    return_id, spec = item
    dispositions = data.dispositions_for(list(InboundReturnLine.objects.filter(inbound_return_id=return_id)), spec)
    return inspect_return(return_id=return_id, dispositions=dispositions).status


# --------------------------------------------------------------------------------------- queries


@contextmanager
def count_queries():
    """CaptureQueriesContext on a log emptied first (Django keeps only the last 9,000 queries: a full log counts 0)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        yield queries


class Recorder:
    """Stands in for the broker: the tasks the relay would enqueue, run here one by one as a worker runs them."""

    def __init__(self) -> None:
        self.tasks: list[tuple[tuple, dict]] = []
        self.label_sql: list[str] = []  # the SQL of the first return label bought

    def apply_async(self, args=(), kwargs=None, **options):
        self.tasks.append((tuple(args), dict(kwargs or {})))

    def run(self, counts: Counter) -> None:
        from marketplace.outbox import handle

        while self.tasks:
            (event_id, handler_name), message = self.tasks.pop(0)
            with count_queries() as queries:
                handle(event_id=event_id, handler_name=handler_name, **message)
            counts[f"worker: {handler_name}"] += len(queries)
            if handler_name == "shop.bring_return_back" and not self.label_sql:
                self.label_sql = [query["sql"] for query in queries.captured_queries]


def queries_per_return(catalogue, clients: int) -> tuple[dict[str, dict[str, dict[int, float]]], list[str]]:
    """Queries per return of each step, in-process, on 10 and on 100 returns of one shape.

    Shopper and staff steps are counted with their relay (the UPDATE that marks a fact dispatched); every
    task the relay would enqueue is run here as a worker runs it (`outbox.handle` with the fact's name and
    payload) and counted under its handler. The carrier step is `simulation.advance(limit=1)` once per due
    parcel, so its two reads (due parcels, their scans) count for each scan. Also returns the SQL of one
    return's label purchase.
    """
    import _returns_data as data

    from fulfillment import simulation
    from fulfillment.models import Shipment
    from marketplace import outbox

    shapes = {
        "1 line, doesn't fit (refund after inspection)": ([(catalogue.variants[0], 1)], "doesnt_fit"),
        "2 lines, wrong item (refund at the first scan, shipping too)": (
            [(catalogue.variants[1], 2), (catalogue.variants[2], 1)],
            "wrong_item",
        ),
    }
    address = data.DESTINATIONS[0]
    results: dict[str, dict[str, dict[int, float]]] = {}
    recorder = Recorder()
    real = outbox.run_event_handler.apply_async
    pace = dt.timedelta(seconds=simulation.step_seconds() * 1.3)  # the longest jittered step: all are due
    clock = dt.datetime.now(tz=dt.UTC)

    def pipeline(order_ids: list[int], reason: str) -> Counter:
        nonlocal clock
        counts: Counter = Counter()
        specs = data.return_specs(order_ids, random.Random(SEED), reason=reason)
        eager(False)
        outbox.run_event_handler.apply_async = recorder.apply_async
        try:
            return_ids = []
            for spec in specs:
                with count_queries() as queries:
                    return_ids.append(request(spec))
                counts["shopper: request_return"] += len(queries)
            recorder.run(counts)
            shipments = Shipment.objects.filter(inbound_return__pk__in=return_ids)
            while due := shipments.exclude(status=Shipment.Status.DELIVERED).count():
                clock += pace
                for _ in range(due):
                    with count_queries() as queries:
                        simulation.advance(now=clock, seed=SEED, chances=CALM, limit=1)
                    counts["carrier: simulation.advance, every scan of a parcel"] += len(queries)
                recorder.run(counts)
            for return_id in return_ids:
                with count_queries() as queries:
                    receive(return_id)
                counts["staff: receive_return"] += len(queries)
            recorder.run(counts)
            for return_id, spec in zip(return_ids, specs, strict=True):
                with count_queries() as queries:
                    inspect((return_id, spec))
                counts["staff: inspect_return (restock)"] += len(queries)
            recorder.run(counts)
        finally:
            outbox.run_event_handler.apply_async = real
            eager(True)
        state = data.round_state(return_ids, order_ids)
        if state["completed"] != len(return_ids) or state["refunds succeeded"] != len(return_ids):
            raise AssertionError(f"in-process returns did not all complete: {state}")
        return counts

    for name, (items, reason) in shapes.items():
        pipeline(make_orders([(address, items)] * 3, "warm", clients), reason)  # caches, connection
        results[name] = {}
        for size in (10, 100):
            counts = pipeline(make_orders([(address, items)] * size, f"q{size}", clients), reason)
            for step, total in counts.items():
                results[name].setdefault(step, {})[size] = total / size
    return results, recorder.label_sql


def make_orders(specs: list, tag: str, clients: int) -> list[int]:
    """Delivered orders paid on the stand-in for (address, items) specs, over `clients` threads; their pks."""
    import _returns_data as data

    def make(item) -> int:
        index, (address, items) = item
        return data.delivered_order(address, items, session=f"bench-{tag}-{index}-{uuid.uuid4().hex[:8]}")

    return in_threads(make, list(enumerate(specs)), clients)


# ---------------------------------------------------------------------------------------- workers


def wait_for(count, target: int, what: str, workers: list[subprocess.Popen], log_dir: Path) -> None:
    """Poll `count()` until it reaches `target`; fail when it has not moved for 60 s or a worker died."""
    done, last_done, last_progress = count(), -1, time.monotonic()
    while done < target:
        time.sleep(0.2)
        done = count()
        if done != last_done:
            last_done, last_progress = done, time.monotonic()
        if time.monotonic() - last_progress > 60 or any(worker.poll() is not None for worker in workers):
            tails = "\n".join(path.read_text()[-2000:] for path in sorted(log_dir.glob("worker-*.log")))
            raise RuntimeError(f"{what} stalled at {done}/{target}; worker logs:\n{tails}")


# ----------------------------------------------------------------------------------------- a round


def returns_round(specs, workers, log_dir: Path, clients: int) -> tuple[list[int], dict[str, float]]:
    """The round's returns from request to refund; its return ids and the seconds of each phase."""
    from django.db import connection

    from fulfillment.models import InboundReturn
    from marketplace.models import OutboxEvent
    from marketplace.outbox import mark_completed
    from shop.models import Refund

    eager(False)
    phases: dict[str, float] = {}
    first_fact = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = mark = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = now - mark
        mark = now

    return_ids = in_threads(request, specs, clients)
    phase("shoppers ask (request_return)")
    labelled = InboundReturn.objects.filter(pk__in=return_ids).exclude(shipment__tracking_number="")
    wait_for(labelled.count, len(return_ids), "return labels", workers, log_dir)
    phase("workers buy the labels")
    carry(return_ids, dt.datetime.now(tz=dt.UTC), limit=len(return_ids))
    phase("carrier scans them back (simulation.advance)")
    in_threads(receive, return_ids, clients)
    phase("staff receive (receive_return)")
    in_threads(inspect, list(zip(return_ids, specs, strict=True)), clients)
    phase("staff inspect and restock (inspect_return)")
    refunded = Refund.objects.filter(
        idempotency_key__in=[f"return:{pk}" for pk in return_ids], status=Refund.Status.SUCCEEDED
    )
    wait_for(refunded.count, len(return_ids), "refunds", workers, log_dir)

    def facts_done() -> int:
        mark_completed()
        round_facts = OutboxEvent.objects.filter(pk__gt=first_fact)
        return round_facts.count() - round_facts.filter(completed_at__isnull=True).count()

    total_facts = OutboxEvent.objects.filter(pk__gt=first_fact).count()
    wait_for(facts_done, total_facts, "the round's facts", workers, log_dir)
    phase("workers refund through the stand-in (and finish every fact)")
    phases["total"] = time.perf_counter() - started
    connection.close()
    eager(True)
    return return_ids, phases


# ------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=1000, help="returns per round (one per delivered order)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="celery worker processes, -c 1 each")
    parser.add_argument("--clients", type=int, default=4, help="threads for the shoppers' and the staff's steps")
    parser.add_argument("--variants", type=int, default=40)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--skip-queries", action="store_true", help="do not count queries per return (quicker)")
    parser.add_argument("--show-sql", action="store_true", help="print the SQL of one return's label purchase")
    args = parser.parse_args()

    print(f"database {DATABASE}, broker {BROKER_URL}, media {MEDIA_ROOT}", flush=True)
    try:
        with throwaway_database(DATABASE, ENV, kind="returns") as (workers, log_dir):
            run(args, workers, log_dir)
    finally:
        subprocess.run(["rm", "-rf", MEDIA_ROOT], check=False)


def run(args: argparse.Namespace, workers: list[subprocess.Popen], log_dir: Path) -> None:
    global CALM, SEED  # noqa: PLW0603  (the simulation's module is imported after django.setup())
    import _returns_data as data

    from fulfillment import simulation

    CALM = simulation.Chances(delay=0, customs_hold=0, missed_delivery=0)
    SEED = args.seed
    rng = random.Random(args.seed)
    eager(True)
    units = int(2 * (args.rounds + 1) * args.returns * 2 * 3 / args.variants) + 1000
    started = time.perf_counter()
    catalogue = data.build_catalogue(variant_count=args.variants, units=units)
    print(f"catalogue: 3 fulfillment centres, 4 returns centres, {args.variants} variants x {units} units "
          f"({time.perf_counter() - started:.1f} s)", flush=True)  # fmt: skip

    queries, label_sql = ({}, []) if args.skip_queries else queries_per_return(catalogue, args.clients)
    for shape, steps in queries.items():
        print(f"queries per return, {shape}: " + "; ".join(f"{step} {c[10]:g}/{c[100]:g}" for step, c in steps.items()))
    if args.show_sql:
        print("\n".join(label_sql))

    workers.extend(start_workers(args.workers, log_dir, queues=QUEUES, name="returns", env=ENV))
    wait_for_workers(workers)
    warm = make_orders(data.random_orders(catalogue, 4 * args.workers, rng), "warm", args.clients)
    returns_round(data.return_specs(warm, rng), workers, log_dir, args.clients)  # workers import, connect, warm

    rounds = []
    for index in range(args.rounds):
        made = time.perf_counter()
        order_ids = make_orders(data.random_orders(catalogue, args.returns, rng), f"r{index}", args.clients)
        made = time.perf_counter() - made
        specs = data.return_specs(order_ids, rng)
        return_ids, phases = returns_round(specs, workers, log_dir, args.clients)
        state = data.round_state(return_ids, order_ids)
        reasons = Counter(spec.reason for spec in specs)
        rounds.append((phases, state, reasons))
        print(f"round {index + 1}: {len(order_ids)} delivered orders made in {made:.1f} s; returned in "
              f"{phases['total']:.1f} s = {len(return_ids) / phases['total']:.1f} returns/s; "
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items() if name != "total")
              + f"; {state}", flush=True)  # fmt: skip
        if not data.round_is_correct(state, len(return_ids)):
            raise AssertionError(f"round {index + 1} is not correct: {state}")

    report(args, rounds, queries)


def report(args, rounds, queries) -> None:
    command = (
        f".venv/bin/python bench/returns.py --returns {args.returns} --rounds {args.rounds} "
        f"--workers {args.workers} --clients {args.clients}"
    )
    rates = [args.returns / phases["total"] for phases, _state, _reasons in rounds]
    median_round = sorted(range(len(rounds)), key=lambda i: rates[i])[len(rounds) // 2]
    phases, state, reasons = rounds[median_round]
    print(f"\nCommand: `{command}`")
    print(f"Machine: {machine_notes(with_load=True)}")
    print(f"{args.workers} worker processes (`celery -A marketplace worker -Q {QUEUES} -c 1` each), late acks; "
          f"{args.clients} threads for the shoppers' and staff's steps\n")  # fmt: skip
    print("| round | returns | seconds | returns/s |")
    print("|---|---:|---:|---:|")
    for index, (round_phases, _state, _reasons) in enumerate(rounds):
        print(f"| {index + 1} | {args.returns:,} | {round_phases['total']:.1f} | {rates[index]:.1f} |")
    print(f"| **median** | | | **{statistics.median(rates):.1f}** |")
    print("\n| phase of the median round | seconds | share |")
    print("|---|---:|---:|")
    for name, seconds in phases.items():
        if name != "total":
            print(f"| {name} | {seconds:.1f} | {seconds / phases['total']:.0%} |")
    print(f"\nMedian round: reasons {dict(reasons)}; {state}\n")
    for shape, steps in queries.items():
        print(f"| {shape}: step | SQL queries per return, 10 returns | per return, 100 returns | constant |")
        print("|---|---:|---:|---|")
        for step, counts in steps.items():
            same = "yes" if counts[10] == counts[100] else "**NO**"
            print(f"| {step} | {counts[10]:g} | {counts[100]:g} | {same} |")
        total10, total100 = sum(c[10] for c in steps.values()), sum(c[100] for c in steps.values())
        print(f"| **all steps** | **{total10:g}** | **{total100:g}** | |\n")
    if any(counts[10] != counts[100] for steps in queries.values() for counts in steps.values()):
        raise AssertionError(f"queries per return are not constant in the number of returns: {queries}")


if __name__ == "__main__":
    main()
