"""What the benchmarks run by real Celery workers share: a throwaway PostgreSQL database, a Redis broker db
(10, flushed before and after), the worker processes, and a line about the machine.

bench/fulfillment.py and bench/returns.py each name their database and add their own settings to the env.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres").rsplit("/", 1)[0]
ADMIN_URL = f"{SERVER_URL}/postgres"
_broker = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379"
BROKER_URL = _broker.rsplit("/", 1)[0] + "/10" if _broker.count("/") > 2 else _broker + "/10"


def database_name(kind: str) -> str:
    """A name no other run uses: bench_<kind>_<pid>_<hex>."""
    return f"bench_{kind}_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def bench_env(database: str, **extra: str) -> dict[str, str]:
    """The environment of this process and its workers: production-like settings on the throwaway database."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DATABASE_URL": f"{SERVER_URL}/{database}",
        "CONN_MAX_AGE": "600",  # workers keep their connection, as deployed
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": BROKER_URL,
        **extra,
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


def psql(statement: str) -> None:
    subprocess.run(["psql", ADMIN_URL, "-q", "-c", statement], check=True, capture_output=True)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings"
    import django

    django.setup()


def flush_broker() -> None:
    subprocess.run(["redis-cli", "-u", BROKER_URL, "FLUSHDB"], check=True, capture_output=True)


@contextmanager
def throwaway_database(database: str, env: dict[str, str], *, kind: str) -> Iterator[tuple[list, Path]]:
    """Create and migrate the database, set Django up on it, and yield (the workers list, their log folder).

    Whatever happens: the workers are stopped, the database dropped and the broker db flushed.
    """
    flush_broker()
    psql(f"CREATE DATABASE {database}")
    workers: list[subprocess.Popen] = []
    log_dir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            check=False,
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"migrate failed:\n{result.stderr[-3000:]}")
        setup_django(env)
        yield workers, log_dir
    finally:
        stop_workers(workers)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001, S110  (Django may not be set up yet)
            pass
        psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        flush_broker()
        print(f"dropped {database}; worker logs in {log_dir}", flush=True)


def start_workers(count: int, log_dir: Path, *, queues: str, name: str, env: dict[str, str]) -> list[subprocess.Popen]:
    """`count` worker processes, each `celery worker -Q <queues> -c 1` (prefork, one child)."""
    workers = []
    for index in range(count):
        log = (log_dir / f"worker-{index}.log").open("w")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-Q", queues, "-c", "1",
                 "--loglevel=WARNING", "--hostname", f"bench-{name}-{index}-{os.getpid()}@%h"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        )  # fmt: skip
    return workers


def wait_for_workers(workers: list[subprocess.Popen], timeout: float = 90) -> None:
    from marketplace.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(worker.poll() is not None for worker in workers):
            raise RuntimeError("a celery worker exited at start; see its log")
        if len(app.control.ping(timeout=1)) >= len(workers):
            return
    raise RuntimeError(f"the {len(workers)} celery workers did not all answer a ping within {timeout} s")


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def machine_notes(*, with_load: bool = False) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    redis = subprocess.run(
        ["redis-cli", "-u", BROKER_URL, "INFO", "server"], check=False, capture_output=True, text=True
    ).stdout
    redis_version = next((line.split(":", 1)[1].strip() for line in redis.splitlines() if "redis_version" in line), "?")
    load = f", load average at the end {' '.join(f'{value:.1f}' for value in os.getloadavg())}" if with_load else ""
    return (
        f"nproc {os.cpu_count()}{load}, PostgreSQL {postgres}, Redis {redis_version}, Python {sys.version.split()[0]}"
    )


def eager(on: bool) -> None:
    """Handlers run in this process as the relay dispatches them (set-up), or go to the workers (the timed part)."""
    from marketplace.celery import app  # after setup_django

    app.conf.task_always_eager = on


def in_threads(function, items: list, clients: int) -> list:
    """`function(item)` for each item, over `clients` threads, each with its own database connection; in order."""
    from django.db import connection  # after setup_django

    results: list = [None] * len(items)

    def run(indexes: range) -> None:
        try:
            for index in indexes:
                results[index] = function(items[index])
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, [range(start, len(items), clients) for start in range(clients)]))
    return results
