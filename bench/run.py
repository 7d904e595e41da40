"""Page throughput benchmark: gunicorn on PostgreSQL, loaded by wrk from a second process.

Run on purpose, not as a test:  .venv/bin/python bench/run.py [--seconds 10] [--rounds 3]
Needs PostgreSQL (DATABASE_URL's server, default 127.0.0.1:5432) and wrk (scripts/install-debian-packages.sh).
Every page is measured in each round, interleaved, and the medians are reported as a ratio to the
trivial view measured in the same run, with the SQL queries each page makes.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Overridable so that two checkouts on one machine can bench at once without sharing a database or a port.
PORT = int(os.environ.get("BENCH_PORT", "8765"))  # the app as deployed: anonymous pages shared from the Redis cache
FRESH_PORT = PORT + 1  # the same app with PUBLIC_PAGE_CACHE_SECONDS=0: every page rendered
DATABASE = os.environ.get("BENCH_DATABASE", "marketplace_bench")
ADMIN_URL = os.environ.get("BENCH_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE_URL = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
ENV = {
    **os.environ,
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DATABASE_URL": DATABASE_URL,
    "CONN_MAX_AGE": "600",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "MEDIA_ROOT": str(BASE_DIR / "bench" / ".media"),
    "LOG_LEVEL": "WARNING",
    "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/12"),
    "BENCH_TRIVIAL_VIEW": "true",  # the baseline every page is measured against (404 in production)
}
ENV.pop("CELERY_BROKER_URL", None)
FRESH_ENV = {**ENV, "PUBLIC_PAGE_CACHE_SECONDS": "0"}


def manage(*args: str, env: dict[str, str] = ENV) -> str:
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(command, check=False, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def prepare_database() -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", ADMIN_URL, "-q", "-c", statement], check=True)
    manage("migrate", "--noinput")
    manage("seed_demo", "--force")
    manage("collectstatic", "--noinput")


def pages() -> dict[str, str]:
    """The URLs to load, picked from the seeded data."""
    script = (
        "from shop.models import Category, Product;"
        # The most reviewed product: its page shows the rating, the reviews with photos and answers.
        "p = Product.objects.active().filter(variants__isnull=False).order_by('-rating_count', 'pk').first();"
        "c = Category.objects.filter(products__status='active').order_by('pk').first();"
        "print(p.get_absolute_url()); print(c.get_absolute_url());"
        "print(max(p.title.split(), key=len).lower())"
    )
    product_url, category_url, word = manage("shell", "-c", script).split()[-3:]
    # A typo the search forgives: the longest word of a title with its last two letters swapped.
    typo = word[:-2] + word[-1] + word[-2]
    return {
        "trivial view": "/bench/trivial",
        "home page": "/",
        "category page": category_url,
        "product page": product_url,
        "/api/v1/products/": "/api/v1/products/",
        "feed page": "/feed/",
        "/api/v1/feed/": "/api/v1/feed/",
        "search page": f"/search/?q={word}",
        "search page, a typo": f"/search/?q={typo}",
        "search suggestions": f"/search/suggest/?q={word[:4]}",
    }


def shopper_session() -> str:
    """A logged-in shopper's session key, with one item in the cart so the header shows a count."""
    script = (
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        "from shop.models import Variant\n"
        "user, _ = get_user_model().objects.get_or_create("
        "username='bench-shopper', defaults={'email': 'b@example.com'})\n"
        "client = Client()\n"
        "client.force_login(user)\n"
        "variant = Variant.objects.filter(product__status='active').order_by('pk').first()\n"
        "client.post('/api/v1/cart/lines/', {'variant': variant.pk, 'quantity': 1}, content_type='application/json')\n"
        "print(client.cookies['sessionid'].value)\n"
    )
    return manage("shell", "-c", script).strip().splitlines()[-1]


def count_queries(urls: dict[str, str], env: dict[str, str], session: str = "") -> dict[str, tuple[int, int]]:
    """SQL queries and bytes of the second GET of each URL (the first warms caches), in-process."""
    script = (
        "import json, sys\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "from django.test.utils import CaptureQueriesContext\n"
        "client = Client()\n"
        f"if {session!r}: client.cookies['sessionid'] = {session!r}\n"
        "out = {}\n"
        f"for name, url in {urls!r}.items():\n"
        "    client.get(url)\n"
        "    with CaptureQueriesContext(connection) as queries:\n"
        "        response = client.get(url)\n"
        "    assert response.status_code == 200, url\n"
        "    out[name] = (len(queries), len(response.content))\n"
        "print(json.dumps(out))\n"
    )
    return {
        name: tuple(value)
        for name, value in json.loads(manage("shell", "-c", script, env=env).strip().splitlines()[-1]).items()
    }


def wrk(port: int, url: str, seconds: int, connections: int, session: str = "") -> tuple[float, float, float]:
    """requests/s, p50 ms, p99 ms."""
    cookie = ["-H", f"Cookie: sessionid={session}"] if session else []
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", *cookie, f"http://127.0.0.1:{port}{url}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered errors under load:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))

    def percentile(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return rps, percentile("50"), percentile("99")


FRESH_PAGES = (
    "home page",
    "category page",
    "product page",
    "/api/v1/products/",
    "feed page",
    "/api/v1/feed/",
    "search page",
    "search page, a typo",
    "search suggestions",
)
# What a logged-in shopper (a session, one item in the cart) gets from the app as deployed.
SIGNED_IN_PAGES = ("home page", "category page", "product page", "feed page", "search page", "/api/v1/feed/")


def start_server(port: int, env: dict[str, str], workers: int, cwd: Path = BASE_DIR) -> subprocess.Popen:
    """gunicorn serving the checkout at `cwd` (this one unless told), once it answers."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "marketplace.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/trivial", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"gunicorn did not start on port {port} ({cwd})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-setup", action="store_true", help="reuse the bench database from the last run")
    args = parser.parse_args()

    if not args.skip_setup:
        print("preparing the bench database (migrate, seed_demo, collectstatic) ...", flush=True)
        prepare_database()
    urls = pages()
    session = shopper_session()
    targets = [(name, PORT, url, "") for name, url in urls.items()]
    targets += [(f"{name}, rendered fresh", FRESH_PORT, urls[name], "") for name in FRESH_PAGES]
    targets += [(f"{name}, logged-in shopper", PORT, urls[name], session) for name in SIGNED_IN_PAGES]
    queries = count_queries(urls, ENV)
    fresh_queries = count_queries({name: urls[name] for name in FRESH_PAGES}, FRESH_ENV)
    queries.update({f"{name}, rendered fresh": count for name, count in fresh_queries.items()})
    signed_in = count_queries({name: urls[name] for name in SIGNED_IN_PAGES}, ENV, session)
    queries.update({f"{name}, logged-in shopper": count for name, count in signed_in.items()})
    subprocess.run(["redis-cli", "-u", ENV["CACHE_URL"], "FLUSHDB"], check=True, capture_output=True)
    servers = [start_server(PORT, ENV, args.workers), start_server(FRESH_PORT, FRESH_ENV, args.workers)]
    try:
        for _name, port, url, cookie in targets:  # warm every worker's caches and connections
            wrk(port, url, 2, args.connections, cookie)
        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _, _, _ in targets}
        for round_number in range(1, args.rounds + 1):
            for name, port, url, cookie in targets:
                samples[name].append(wrk(port, url, args.seconds, args.connections, cookie))
            print(f"round {round_number}/{args.rounds} done", flush=True)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)

    baseline = statistics.median(s[0] for s in samples["trivial view"])
    command = (
        f"python bench/run.py --seconds {args.seconds} --rounds {args.rounds} "
        f"--connections {args.connections} --workers {args.workers}"
    )
    setup = (
        f"gunicorn {args.workers} sync workers per server, wrk -t2 -c{args.connections}, "
        f"medians of {args.rounds} rounds, PostgreSQL, Redis cache"
    )
    print(f"\nCommand: `{command}` ({setup})\n")
    print("| page | requests/s | ratio to trivial view | p50 ms | p99 ms | SQL queries | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, runs in samples.items():
        rps = statistics.median(r[0] for r in runs)
        p50 = statistics.median(r[1] for r in runs)
        p99 = statistics.median(r[2] for r in runs)
        count, size = queries[name]
        print(f"| {name} | {rps:,.0f} | {rps / baseline:.1%} | {p50:.1f} | {p99:.1f} | {count} | {size:,} |")


if __name__ == "__main__":
    main()
