"""Fulfillment benchmark: allocate paid orders over 8 warehouses with real Celery workers; render labels.

Run on purpose, not as a test:  .venv/bin/python bench/fulfillment.py [--orders 10000] [--rounds 3] [--workers 4]
Needs PostgreSQL (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432) and Redis (CELERY_BROKER_URL's
server, default redis://127.0.0.1:6379; the bench uses db 10 and flushes it). A throwaway database is created with a
unique name and dropped at the end. Each round makes fresh paid orders with held reservations (bulk, in the state
checkout leaves), enqueues fulfillment.tasks.allocate_order_task for each, and times until every order has its
allocations or backorders: orders/s, median over rounds. SQL queries per order are counted in-process on 10 and on
100 orders (they must be equal), and PDF / ZPL labels/s are measured in-process against a trivial reportlab PDF.
"""

import argparse
import datetime as dt
import io
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# This file's name is also the app's: keep bench/ behind the project on the path, so `import fulfillment`
# finds the app package and only the helpers (bench/_fulfillment_*.py) come from bench/.
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

DATABASE = database_name("fulfillment")
ENV = bench_env(DATABASE)


# ---------------------------------------------------------------------------------------- queries


def queries_per_order(catalogue, *, profile: bool = False) -> tuple[dict[str, dict[int, float]], list[str], float]:
    """Queries per order of what a worker runs for a paid order (the outbox's allocation handler: the
    handled mark, then allocate_order), in-process, on 10 and on 100 orders of each shape.

    Also returns the SQL of one single-line allocation, and the in-process ms per single-line order.
    """
    from _fulfillment_data import DESTINATIONS, bulk_paid_orders, paid_facts
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplace.models import OutboxEvent
    from marketplace.outbox import handle

    def allocate(facts: list[int]) -> None:
        # What a worker runs: the relay sends the fact's name and payload with the task (read here, uncounted).
        for event_id in facts:
            handle(event_id=event_id, handler_name="shop.request_fulfillment", **messages[event_id])

    messages: dict[int, dict] = {}

    def paid(specs) -> list[int]:
        facts = paid_facts(bulk_paid_orders(specs))
        messages.update({pk: {"name": name, "payload": payload} for pk, name, payload in
                         OutboxEvent.objects.filter(pk__in=facts).values_list("pk", "name", "payload")})  # fmt: skip
        return facts

    address = DESTINATIONS[0]
    shapes = {
        "1 line": [(catalogue.single, 1)],
        "3 lines, one warehouse": [(variant, 1) for variant in catalogue.trio],
        "3 lines, split over 3 warehouses": [(variant, 1) for variant in catalogue.split_trio],
    }
    counts: dict[str, dict[int, float]] = {}
    for name, items in shapes.items():
        allocate(paid([(address, items)] * 3))  # warm up caches and the connection
        counts[name] = {}
        for size in (10, 100):
            facts = paid([(address, items)] * size)
            with CaptureQueriesContext(connection) as queries:
                allocate(facts)
            counts[name][size] = len(queries) / size
    facts = paid([(address, shapes["1 line"])])
    with CaptureQueriesContext(connection) as queries:
        allocate(facts)
    sql = [query["sql"] for query in queries.captured_queries]
    facts = paid([(address, shapes["1 line"])] * 200)
    started = time.perf_counter()
    allocate(facts)
    ms_per_order = (time.perf_counter() - started) * 1000 / len(facts)
    if profile:
        print_profile(allocate, paid, address, shapes)
    return counts, sql, ms_per_order


def print_profile(allocate, paid, address, shapes) -> None:
    """cProfile of 200 in-process allocations of 3-line orders: where the time goes."""
    import cProfile
    import pstats

    pks = paid([(address, shapes["3 lines, one warehouse"])] * 200)
    profiler = cProfile.Profile()
    profiler.enable()
    allocate(pks)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(f"\nprofile: 200 allocations of 3-line orders in-process, {total * 1000 / len(pks):.2f} ms each (profiled)")
    wanted = {
        "psycopg execute (database round trips)": ("psycopg/cursor.py", "execute"),
        "SQLCompiler.as_sql (building SQL)": ("models/sql/compiler.py", "as_sql"),
        "SQLCompiler.execute_sql (compile + execute + fetch)": ("models/sql/compiler.py", "execute_sql"),
        "Model.__init__ (rows to objects)": ("db/models/base.py", "__init__"),
        "choose_warehouses (the strategy)": ("strategy.py", "choose_warehouses"),
    }
    for label, (file_end, function) in wanted.items():
        cumulative = max(
            (row[3] for key, row in stats.stats.items() if key[0].endswith(file_end) and key[2] == function),
            default=0.0,
        )
        print(f"  {label}: {cumulative / total:.0%}")
    stats.sort_stats("cumulative").print_stats(25)


# ----------------------------------------------------------------------------------------- labels


def label_kinds() -> dict[str, tuple[object, int]]:
    """name -> (a call that renders, labels it renders)."""
    from reportlab.pdfgen.canvas import Canvas

    from fulfillment.carriers.base import Address
    from fulfillment.carriers.labels import LabelData, render_pdf, render_pdf_batch, render_zpl, render_zpl_batch

    sender = Address("Bench Seller", "1 Dock Road", "Newark", "07102", "US", state="NJ")
    to = Address("Ada Lovelace", "350 Fifth Avenue", "New York", "10118", "US", state="NY")

    def label(index: int, count: int) -> LabelData:
        return LabelData(
            carrier_name="Domestic Express", service_name="Express", from_address=sender, to_address=to,
            tracking_number="9200123456789012345676", reference="MK-7K3Q-9XPM", parcel_index=index,
            parcel_count=count, weight_grams=1250, ship_date=dt.date(2026, 11, 26),
        )  # fmt: skip

    one, three = label(1, 1), [label(index, 3) for index in (1, 2, 3)]

    def trivial_pdf() -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(288, 432), invariant=True)
        canvas.drawString(20, 400, "Hello")
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    return {
        "baseline: trivial one-page reportlab PDF, one string": (trivial_pdf, 1),
        "PDF label, 1 parcel (render_pdf)": (lambda: render_pdf(one), 1),
        "PDF labels, 3 parcels (render_pdf_batch, one 3-page PDF)": (lambda: render_pdf_batch(three), 3),
        "ZPL label, 1 parcel (render_zpl)": (lambda: render_zpl(one), 1),
        "ZPL labels, 3 parcels (render_zpl_batch)": (lambda: render_zpl_batch(three), 3),
    }


def label_round(kinds: dict, seconds: float) -> dict[str, float]:
    """Labels/s of each kind, each rendered in a loop for `seconds`."""
    rates = {}
    for name, (render, labels) in kinds.items():
        render()  # warm: imports and font loading
        calls, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            render()
            calls += 1
        rates[name] = calls * labels / elapsed
    return rates


# ---------------------------------------------------------------------------------------- workers


def wait_for(condition, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def allocate_with_workers(pks: list[int], workers: list[subprocess.Popen], log_dir: Path) -> float:
    """Dispatch every order's "order paid" fact (the relay after commit) and wait until each order has
    allocations or backorders; seconds. The allocation handler runs on the workers' `allocation` queue."""
    from _fulfillment_data import done_count, paid_facts

    from marketplace.outbox import dispatch

    first, last = pks[0], pks[-1]
    assert last - first + 1 == len(pks), "orders of a round are one contiguous pk range"
    facts = paid_facts(pks)
    started = time.perf_counter()
    for event_id in facts:
        dispatch(event_id=event_id)
    done, last_progress, last_done = 0, time.monotonic(), -1
    while done < len(pks):
        time.sleep(0.2)
        done = done_count(first, last)
        if done != last_done:
            last_done, last_progress = done, time.monotonic()
        if time.monotonic() - last_progress > 60 or any(worker.poll() is not None for worker in workers):
            tails = "\n".join(path.read_text()[-2000:] for path in sorted(log_dir.glob("worker-*.log")))
            raise RuntimeError(f"allocation stalled at {done}/{len(pks)} orders; worker logs:\n{tails}")
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000, help="paid orders per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="celery worker processes, -c 1 each")
    parser.add_argument("--variants", type=int, default=60)
    parser.add_argument("--label-seconds", type=float, default=3.0, help="seconds per label kind per round")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--show-sql", action="store_true", help="print the SQL of one single-line allocation")
    parser.add_argument("--profile", action="store_true", help="cProfile 200 in-process allocations and print it")
    args = parser.parse_args()

    print(f"database {DATABASE}, broker {BROKER_URL}", flush=True)
    with throwaway_database(DATABASE, ENV, kind="fulfillment") as (workers, log_dir):
        run(args, workers, log_dir)


def run(args: argparse.Namespace, workers: list[subprocess.Popen], log_dir: Path) -> None:
    import _fulfillment_data as data
    from django.db import connection

    rng = random.Random(args.seed)
    units = int(2 * (args.rounds + 1) * args.orders * 2 / args.variants / 3) + 50
    started = time.perf_counter()
    catalogue = data.build_catalogue(variant_count=args.variants, units=units)
    data.check_bulk_matches_services(catalogue)
    print(f"catalogue: 8 warehouses, {args.variants} variants x 3 warehouses x {units} units "
          f"({time.perf_counter() - started:.1f} s); bulk orders match checkout's", flush=True)  # fmt: skip

    queries, sql, ms_per_order = queries_per_order(catalogue, profile=args.profile)
    print(f"queries per order: {queries}; in-process {ms_per_order:.2f} ms per 1-line order", flush=True)
    if args.show_sql:
        print("\n".join(sql))

    kinds = label_kinds()
    label_rounds = []
    for index in range(args.rounds):
        label_rounds.append(label_round(kinds, args.label_seconds))
        print(
            f"labels round {index + 1}: " + ", ".join(f"{rate:.0f}" for rate in label_rounds[-1].values()), flush=True
        )

    workers.extend(start_workers(args.workers, log_dir, queues="allocation", name="allocation", env=ENV))
    wait_for_workers(workers)
    warm = data.bulk_paid_orders(data.random_specs(catalogue, 4 * args.workers, rng, with_scarce=False))
    allocate_with_workers(warm, workers, log_dir)  # workers import, connect and warm their caches

    rounds = []
    for index in range(args.rounds):
        specs = data.random_specs(catalogue, args.orders, rng)
        data.stock_scarce_variant(catalogue, specs)
        wait_for(lambda: data.open_backorder_units(catalogue.scarce) == 0, "last round's backorders to be allocated")
        made = time.perf_counter()
        pks = data.bulk_paid_orders(specs)
        made = time.perf_counter() - made
        written_off = data.write_off_scarce(catalogue, max(1, args.orders // 2000))
        connection.close()  # nothing of ours holds the database while the workers run
        seconds = allocate_with_workers(pks, workers, log_dir)
        state = data.round_state(pks[0], pks[-1])
        rounds.append((seconds, state, written_off))
        print(f"round {index + 1}: {len(pks)} orders made in {made:.1f} s; allocated in {seconds:.1f} s = "
              f"{len(pks) / seconds:.1f} orders/s; {state}", flush=True)  # fmt: skip
        bad = (
            state["orders"] != len(pks)
            or state["lines not exactly covered"]
            or state["lines with two backorders"]
            or state["allocations in another warehouse than their fulfillment order"]
            or state["reservations left"]
            or not state["stock allocated = allocations"]
            or state["stock_ledger_mismatches()"]
            or state.get("allocation_mismatches()")
        )
        if bad:
            raise AssertionError(f"round {index + 1} is not correct: {state}")

    report(args, rounds, queries, ms_per_order, label_rounds)


def report(args, rounds, queries, ms_per_order, label_rounds) -> None:
    command = (
        f".venv/bin/python bench/fulfillment.py --orders {args.orders} --rounds {args.rounds} "
        f"--workers {args.workers} --label-seconds {args.label_seconds:g}"
    )
    rates = [args.orders / seconds for seconds, _state, _off in rounds]
    median_round = sorted(range(len(rounds)), key=lambda i: rates[i])[len(rounds) // 2]
    _seconds, state, written_off = rounds[median_round]
    print(f"\nCommand: `{command}`")
    print(f"Machine: {machine_notes()}")
    print(f"{args.workers} worker processes (`celery -A marketplace worker -Q allocation -c 1` each), late acks\n")
    print("| round | orders | seconds | orders/s |")
    print("|---|---:|---:|---:|")
    for index, (seconds, _state, _off) in enumerate(rounds):
        print(f"| {index + 1} | {args.orders:,} | {seconds:.1f} | {rates[index]:.1f} |")
    print(f"| **median** | | | **{statistics.median(rates):.1f}** |")
    print(f"\nIn-process, one connection, no Celery: {ms_per_order:.2f} ms per 1-line order "
          f"= {1000 / ms_per_order:.0f} orders/s\n")  # fmt: skip
    print(f"Median round: {state['orders']:,} orders, {state['lines']:,} lines; "
          f"{state['orders split over warehouses']:,} split over warehouses; "
          f"{state['orders with a backorder']} with a backorder ({state['units backordered']} units, after "
          f"{written_off} units of one variant were written off as damaged after payment); every line's "
          f"allocations + backorders = its quantity; stock_ledger_mismatches() = "
          f"{state['stock_ledger_mismatches()']}\n")  # fmt: skip
    print("| order shape | SQL queries per order, 10 orders | per order, 100 orders | constant |")
    print("|---|---:|---:|---|")
    for name, counts in queries.items():
        same = "yes" if counts[10] == counts[100] else "**NO**"
        print(f"| {name} | {counts[10]:g} | {counts[100]:g} | {same} |")
    baseline_name = next(iter(label_rounds[0]))
    baseline = statistics.median(r[baseline_name] for r in label_rounds)
    print(
        f"\n| labels (in-process, {args.label_seconds:g} s each, median of {len(label_rounds)}) "
        "| labels/s | ratio to baseline |"
    )
    print("|---|---:|---:|")
    for name in label_rounds[0]:
        rate = statistics.median(r[name] for r in label_rounds)
        print(f"| {name} | {rate:,.0f} | {rate / baseline:.0%} |")
    if any(counts[10] != counts[100] for counts in queries.values()):
        raise AssertionError(f"queries per order are not constant in the number of orders: {queries}")


if __name__ == "__main__":
    main()
