"""Buy now against cart-and-checkout, in one run: SQL queries and time from the tap to the paid order.

Run on purpose, not as a test:  DATABASE_URL=sqlite:////tmp/bench-buy-now.sqlite3 .venv/bin/python bench/buy_now.py
(any database; it is migrated and filled with one product, its stock and a shopper with a saved card).
In-process, no server: the local Stripe stand-in plays Stripe, its webhook delivery off; each path ends with
the order paid. The checkout path: add to cart -> check_out (order placed, Checkout Session) -> the hosted
page's payment -> fulfill_checkout (as the success page). The buy-now path: quote (the confirm step) ->
buy_now (order placed, PaymentIntent confirmed with the saved card, recorded paid).
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("STRIPE_USE_LOCAL", "true")
os.environ["STRIPE_LOCAL_WEBHOOK_URL"] = ""

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from fulfillment.tests.factories import BoxFactory, WarehouseFactory, stock_of  # noqa: E402
from marketplace.tests.factories import UserFactory  # noqa: E402
from shop.models import Cart, Order  # noqa: E402
from shop.payments.local_stripe.checkout import PaidCard, pay_session  # noqa: E402
from shop.services.buy_now import buy_now, quote_buy_now  # noqa: E402
from shop.services.cart import add_to_cart  # noqa: E402
from shop.services.checkout import check_out  # noqa: E402
from shop.services.orders import ShippingAddress  # noqa: E402
from shop.services.payments import fulfill_checkout  # noqa: E402
from shop.services.saved_details import save_address  # noqa: E402
from shop.tests.buy_now_support import save_card  # noqa: E402
from shop.tests.factories import VariantFactory  # noqa: E402

ADDRESS = ShippingAddress(
    name="Bench Shopper", line1="350 Fifth Avenue", city="New York", region="NY", postal_code="10118", country="US"
)
CARD = PaidCard(brand="visa", last4="4242", exp_month=12, exp_year=2034, funding="credit", name="B", email="b@x.io")


def _setup(rounds: int):
    call_command("migrate", verbosity=0)
    warehouse = WarehouseFactory()
    BoxFactory(warehouse=warehouse)
    variant = VariantFactory()
    stock_of(variant, warehouse, quantity=rounds * 4 + 10)
    shopper = UserFactory()
    save_address(user=shopper, address=ADDRESS)
    return variant, shopper, save_card(shopper)


def _checkout_path(variant, shopper) -> Order:
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    add_to_cart(cart=cart, variant=variant, quantity=1)
    result = check_out(
        cart=cart, email=shopper.email, address=ADDRESS, shipping_code="standard", expected_total=None, user=None
    )
    pay_session(session_id=result.payment.checkout_session_id, card=CARD)
    return fulfill_checkout(session_id=result.payment.checkout_session_id)


def _buy_now_path(variant, shopper, card) -> Order:
    quote = quote_buy_now(variant=variant, quantity=1, address=ADDRESS, shipping_code="standard")
    return buy_now(
        user=shopper, variant=variant, quantity=1, address=ADDRESS, payment_method_id=card,
        idempotency_key=uuid.uuid4().hex, expected_total=quote.total, return_url="http://127.0.0.1/",
        shipping_code="standard",
    ).order  # fmt: skip


def _measure(path) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        order = path()
        elapsed = (time.perf_counter() - started) * 1000
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID, order.status
    return elapsed, len(queries.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    with override_settings(SITE_URL="http://127.0.0.1", EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        variant, shopper, card = _setup(args.rounds)
        results: dict[str, list[tuple[float, int]]] = {"cart and checkout": [], "buy now": []}
        for _ in range(args.rounds):  # interleaved, so both paths see the same machine
            results["cart and checkout"].append(_measure(lambda: _checkout_path(variant, shopper)))
            results["buy now"].append(_measure(lambda: _buy_now_path(variant, shopper, card)))
    base_ms = statistics.median(ms for ms, _ in results["cart and checkout"])
    base_queries = statistics.median(q for _, q in results["cart and checkout"])
    print(f"{args.rounds} rounds, {connection.vendor}; medians:")
    print("| path | ms | ratio | SQL queries | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, rows in results.items():
        ms, queries = statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows)
        print(f"| {name} | {ms:.1f} | {ms / base_ms:.0%} | {queries:.0f} | {queries / base_queries:.0%} |")


if __name__ == "__main__":
    main()
