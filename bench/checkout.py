"""Checkout throughput: N concurrent shoppers, each cart -> checkout -> pay -> signed webhook -> paid.

Run on purpose, not as a test:  .venv/bin/python bench/checkout.py [--clients 8] [--orders 200] [--rounds 3]
Needs PostgreSQL and Redis (a real Celery worker processes the webhook events), the bench database
made by bench/run.py (or pass --setup). gunicorn serves the app; the shoppers are threads of this
process talking HTTP to it. Stripe is the local stand-in (its own webhook delivery is off: each
shopper posts the signed `checkout.session.completed` event itself, as Stripe would, so the step
is timed). Reports orders/s (median of the rounds), the same clients' requests/s on the trivial view
measured in each round right after its orders (the ratio is what compares across a noisy machine),
p50/p99 latency of each step and SQL queries per step for a 1-line and a 10-line cart.
"""

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

import run as page_bench  # noqa: E402  (the page benchmark's database and server helpers)

PORT = int(os.environ.get("BENCH_CHECKOUT_PORT", "8767"))
WEBHOOK_SECRET = "whsec_bench_secret"  # noqa: S105  (the bench server's own, not a credential)
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/10")
ENV = {
    **page_bench.ENV,
    "SITE_URL": f"http://127.0.0.1:{PORT}",
    "STRIPE_USE_LOCAL": "true",
    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    "STRIPE_LOCAL_WEBHOOK_URL": "",
    "CELERY_BROKER_URL": BROKER_URL,
    "PUBLIC_PAGE_CACHE_SECONDS": "0",
}
ADDRESS = {
    "name": "Bench Shopper",
    "line1": "350 Fifth Avenue",
    "city": "New York",
    "region": "NY",
    "postal_code": "10118",
    "country": "US",
}
STEPS = ("add to cart", "checkout", "pay", "webhook", "paid")


def setup_django() -> None:
    os.environ.update({key: value for key, value in ENV.items() if key != "CELERY_BROKER_URL"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()


def stock_up(count: int) -> list[int]:
    """Active variants with plenty of stock, through the stock service; returns their ids."""
    from fulfillment.models import Warehouse
    from fulfillment.services.stock import set_stock_quantity
    from shop.models import Variant

    warehouse = Warehouse.objects.filter(kind=Warehouse.Kind.FULFILLMENT_CENTRE, is_active=True).order_by("pk").first()
    variants = list(
        Variant.objects.filter(is_active=True, product__status="active", currency="USD").order_by("pk")[:count]
    )
    for variant in variants:
        set_stock_quantity(warehouse=warehouse, variant_id=variant.pk, quantity=1_000_000, reference="bench")
    return [variant.pk for variant in variants]


class Shopper:
    """One browser-like client: its own cookies, talking HTTP to the server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        no_redirect = type("NoRedirect", (urllib.request.HTTPRedirectHandler,), {"redirect_request": lambda *a: None})
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), no_redirect)

    def request(self, method: str, path: str, *, json_body=None, form=None, headers=None) -> tuple[int, bytes, dict]:
        data, all_headers = None, {"Origin": self.base, **(headers or {})}
        if json_body is not None:
            data, all_headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        url = path if path.startswith("http") else self.base + path
        request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)


def buy(shopper: Shopper, variant_id: int, timings: dict[str, list[float]], lock: threading.Lock) -> None:
    from django.db import connection

    from shop.models import LocalStripeObject, Order
    from shop.payments.local_stripe.tasks import signed_delivery

    def timed(step: str, action):
        started = time.perf_counter()
        result = action()
        with lock:
            timings[step].append(time.perf_counter() - started)
        return result

    status, body, _ = timed(
        "add to cart",
        lambda: shopper.request("POST", "/api/v1/cart/lines/", json_body={"variant": variant_id, "quantity": 1}),
    )
    assert status == 201, body
    status, body, _ = timed(
        "checkout",
        lambda: shopper.request(
            "POST",
            "/api/v1/checkout/",
            json_body={"email": "bench@example.com", "address": ADDRESS, "shipping_method": "standard"},
        ),
    )
    assert status == 201, body
    result = json.loads(body)
    payment_url = result["payment_url"]

    def pay():
        status, page, _ = shopper.request("GET", payment_url)
        assert status == 200, page[:300]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        form = {
            "csrfmiddlewaretoken": token,
            "email": "bench@example.com",
            "card_number": "4242 4242 4242 4242",
            "expiry": "12 / 34",
            "cvc": "123",
            "name": "Bench Shopper",
        }
        return shopper.request("POST", payment_url, form=form, headers={"Referer": payment_url})

    status, body, _ = timed("pay", pay)
    assert status == 302, body[:300]
    session_id = payment_url.rstrip("/").rsplit("/", 1)[-1]
    event = (
        LocalStripeObject.objects.filter(object="event", data__type="checkout.session.completed")
        .filter(data__data__object__id=session_id)
        .values_list("data", flat=True)
        .get()
    )
    payload, headers = signed_delivery(event, WEBHOOK_SECRET)
    status, body, _ = timed("webhook", lambda: _post_raw(shopper, "/stripe/webhook/", payload, headers))
    assert status == 200, body

    def paid():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Order.objects.filter(number=result["order_number"], status="paid").exists():
                return True
            time.sleep(0.01)
        raise RuntimeError(f"order {result['order_number']} was not paid within 60 s")

    timed("paid", paid)
    connection.close()


def _post_raw(shopper: Shopper, path: str, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(shopper.base + path, data=payload, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), {}
    except urllib.error.HTTPError as error:
        return error.code, error.read(), {}


def queries_per_step(variant_ids: list[int]) -> dict[str, list[int]]:
    """SQL queries of each request step, counted in-process on one purchase (eager tasks), per cart line.

    Each variant is added (one add-to-cart request each; the figure is the last add), then one checkout,
    payment and webhook.
    """
    script = f"""
import json, re
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from shop.models import LocalStripeObject
from shop.payments.local_stripe.tasks import signed_delivery
client = Client(HTTP_ORIGIN="http://testserver")
counts = {{}}
def count(step, call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    counts[step] = len(queries)
    return response
for variant_id in {variant_ids!r}:
    count("add to cart", lambda: client.post("/api/v1/cart/lines/", {{"variant": variant_id, "quantity": 1}},
          content_type="application/json"))
address = {ADDRESS!r}
result = count("checkout", lambda: client.post("/api/v1/checkout/", {{"email": "q@example.com", "address": address,
      "shipping_method": "standard"}}, content_type="application/json")).json()
path = "/" + result["payment_url"].split("/", 3)[3]
page = client.get(path).content.decode()
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
count("pay", lambda: client.post(path, {{"csrfmiddlewaretoken": token, "email": "q@example.com",
      "card_number": "4242 4242 4242 4242", "expiry": "12 / 34", "cvc": "123", "name": "Q"}}))
session_id = path.rstrip("/").rsplit("/", 1)[-1]
event = LocalStripeObject.objects.filter(object="event", data__type="checkout.session.completed",
      data__data__object__id=session_id).values_list("data", flat=True).get()
payload, headers = signed_delivery(event, "{WEBHOOK_SECRET}")
count("webhook (and the eager task)", lambda: client.post("/stripe/webhook/", payload, content_type="application/json",
      HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"]))
print(json.dumps(counts))
"""
    env = {**ENV, "ALLOWED_HOSTS": "testserver,127.0.0.1"}
    env.pop("CELERY_BROKER_URL")
    return json.loads(page_bench.manage("shell", "-c", script, env=env).strip().splitlines()[-1])


def trivial_rate(clients: int, seconds: float) -> float:
    """Requests/s the same number of client threads get from the trivial view (no database, no template)."""
    done = [0] * clients
    deadline = time.monotonic() + seconds

    def loop(index: int) -> None:
        shopper = Shopper(f"http://127.0.0.1:{PORT}")
        while time.monotonic() < deadline:
            status, _, _ = shopper.request("GET", "/bench/trivial")
            assert status == 200, status
            done[index] += 1

    threads = [threading.Thread(target=loop, args=(index,)) for index in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def run_rounds(args: argparse.Namespace, variant_ids: list[int], timings: dict[str, list[float]]) -> list:
    """Each round: --orders purchases by --clients threads, then the trivial view; (orders/s, requests/s) each."""
    lock = threading.Lock()
    errors: list[BaseException] = []
    rounds: list[tuple[float, float]] = []

    def client_loop(counter) -> None:
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            try:
                buy(Shopper(f"http://127.0.0.1:{PORT}"), variant_ids[index % len(variant_ids)], timings, lock)
            except BaseException as error:  # noqa: BLE001  (reported after the run)
                errors.append(error)
                return

    trivial_rate(args.clients, 1)  # warm every gunicorn worker
    for round_number in range(1, args.rounds + 1):
        counter = iter(range(args.orders))
        threads = [threading.Thread(target=client_loop, args=(counter,)) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise errors[0]
        trivial = trivial_rate(args.clients, args.trivial_seconds)
        rounds.append((args.orders / elapsed, trivial))
        print(f"round {round_number}: {args.orders / elapsed:.1f} orders/s, trivial view {trivial:.0f}/s", flush=True)
    return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --orders orders; medians are reported")
    parser.add_argument("--trivial-seconds", type=float, default=5.0, help="trivial view timed after each round")
    parser.add_argument("--setup", action="store_true", help="make the bench database first (bench/run.py's setup)")
    args = parser.parse_args()

    if args.setup:
        page_bench.prepare_database()
    page_bench.manage("migrate", "--noinput")
    page_bench.manage("collectstatic", "--noinput")
    setup_django()
    variant_ids = stock_up(20)
    # One purchase first, not counted: the rule tables (rates, boxes, fees) are then in the cache, as they are for
    # every purchase but the first after a change (shop/tests/test_checkout_queries.py counts the same way).
    queries_per_step(variant_ids[:1])
    queries = {lines: queries_per_step(variant_ids[-lines:]) for lines in (1, 10)}
    subprocess.run(["redis-cli", "-u", BROKER_URL, "FLUSHDB"], check=True, capture_output=True)
    server = page_bench.start_server(PORT, ENV, args.workers)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "-Q", "default,allocation,labels,returns,media",
         "--concurrency=2", "--loglevel=WARNING"],
        cwd=BASE_DIR, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    timings: dict[str, list[float]] = {step: [] for step in STEPS}
    try:
        time.sleep(3)  # let the worker connect
        rounds = run_rounds(args, variant_ids, timings)
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
    print_report(args, timings, queries, rounds)


def print_report(
    args: argparse.Namespace, timings: dict[str, list[float]], queries: dict, rounds: list[tuple[float, float]]
) -> None:
    command = (
        f"python bench/checkout.py --clients {args.clients} --orders {args.orders} --workers {args.workers} "
        f"--rounds {args.rounds}"
    )
    setup = (
        f"{args.clients} concurrent shoppers, gunicorn {args.workers} workers, 1 Celery worker x2, PostgreSQL, Redis"
    )
    orders = statistics.median(rate for rate, _ in rounds)
    trivial = statistics.median(rate for _, rate in rounds)
    ratios = statistics.median(rate / baseline for rate, baseline in rounds)
    print(f"\nCommand: `{command}` ({setup})")
    print("rounds (orders/s, trivial view requests/s): " + ", ".join(f"{o:.1f} / {t:.0f}" for o, t in rounds))
    print(f"median {orders:.1f} orders/s; trivial view {trivial:.0f} requests/s; median ratio {ratios:.2%}\n")
    print("| step | p50 ms | p99 ms | SQL queries, 1 line | SQL queries, 10 lines |")
    print("|---|---:|---:|---:|---:|")
    query_names = {"webhook": "webhook (and the eager task)"}
    for step in STEPS:
        values = sorted(timings[step])
        p50 = statistics.median(values) * 1000
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
        one, ten = (queries[lines].get(query_names.get(step, step), "-") for lines in (1, 10))
        print(f"| {step} | {p50:.1f} | {p99:.1f} | {one} | {ten} |")


if __name__ == "__main__":
    main()
