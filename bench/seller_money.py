"""Seller money benchmark: a month of a marketplace simulated, every cent checked at the end.

Run on purpose, not as a test:  .venv/bin/python bench/seller_money.py [--orders-per-day 40] [--sellers 12]
Needs PostgreSQL (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432) and Redis (its db 10 is
flushed, as by the other benches; no worker is started: handlers run in this process, eagerly). A throwaway
database is created with a unique name and dropped at the end.

Thirty simulated days. Each day shoppers pay `--orders-per-day` orders on the Stripe stand-in (1 to 3 lines
of sellers' products in a few categories, one with its own take rate; a share through creators' tags is
left out: commissions have their own tests), orders are delivered a few days later, some are refunded
(a unit before the seller was paid, or everything after), and the payout run (`pay_seller`, as beat does
every 6 hours) is made as of that day. All but one seller are onboarded (the last one's earnings wait).
Timed: paying an order (with its ledger entries), a payout run per seller and day, the reconciliation.
Counted: SQL queries of `post_order_paid` for orders of 1, 3 and 6 lines (how they grow with lines).
Checked at the end, to the cent: every journal entry balanced; platform cash equals the stand-in's
balance (charges - fees - refunds - transfers + reversals); the reconciliation of the day finds nothing;
each seller's ledger balance equals what `seller_earnings.line_earnings` says they earned (per line, on
the units kept) minus what they were transferred; no transfer larger than its charge.
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
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path[:] = [str(BASE_DIR)] + [p for p in sys.path if Path(p or ".").resolve() != BASE_DIR / "bench"]
sys.path.append(str(BASE_DIR / "bench"))

from _worker_bench import bench_env, database_name, machine_notes, throwaway_database  # noqa: E402

DATABASE = database_name("seller_money")
MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-seller-money-media-")
ENV = bench_env(
    DATABASE,
    MEDIA_ROOT=MEDIA_ROOT,
    EMAIL_URL="dummymail://",
    STRIPE_SECRET_KEY="",
    STRIPE_USE_LOCAL="true",
    STRIPE_LOCAL_WEBHOOK_URL="",
    SITE_URL="http://testserver",
)
SEED = 11
DAYS = 30


def eager() -> None:
    from marketplace.celery import app

    app.conf.task_always_eager = True


# ------------------------------------------------------------------------------------------ set-up


def make_catalogue(*, sellers: int, variants_per_seller: int):
    """Sellers in three categories (one with its own take rate), each variant stocked in one warehouse."""
    from fulfillment.tests.factories import stock_of
    from shop.models import Category, TakeRate
    from shop.tests.factories import CategoryFactory, ProductFactory, SellerFactory, VariantFactory

    beauty, home, toys = (CategoryFactory(name=name, slug=f"bench-{name}") for name in ("beauty", "home", "toys"))
    TakeRate.objects.create(
        category=beauty, rate_percent=Decimal("12.5"), effective_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        source="Bench: beauty rate",
    )  # fmt: skip
    rng = random.Random(SEED)
    made = []
    for index in range(sellers):
        seller = SellerFactory(slug=f"bench-seller-{index}")
        for _ in range(variants_per_seller):
            category = rng.choice([beauty, home, toys, Category.objects.get(pk=toys.pk)])
            product = ProductFactory(seller=seller, category=category)
            variant = VariantFactory(product=product, price=Decimal(rng.choice(["4.99", "12.50", "19.99", "33.33"])))
            stock_of(variant, quantity=100_000)
            made.append(variant)
    return made


def onboard_all_but_one() -> None:
    from urllib.parse import urlsplit

    from shop.models import Seller
    from shop.payments.local_stripe.connect import complete_onboarding
    from shop.services.seller_accounts import refresh_seller_account, start_seller_onboarding

    sellers = list(Seller.objects.filter(slug__startswith="bench-seller-").order_by("slug"))
    for seller in sellers[:-1]:
        url = start_seller_onboarding(seller=seller, refresh_url="http://testserver/", return_url="http://testserver/")
        complete_onboarding(link_id=urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        refresh_seller_account(seller=seller)


# ------------------------------------------------------------------------------------------ the month


def pay_order(client, items) -> int:
    """Place and pay an order as the shopper does (checkout, the stand-in's page, the success page)."""
    from shop.models import Cart
    from shop.payments.local_stripe.testing import pay_with_test_card
    from shop.services.cart import add_to_cart
    from shop.services.orders import ShippingAddress, place_order
    from shop.services.payments import fulfill_checkout, start_payment
    from shop.services.shipping import quote_shipping

    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        add_to_cart(cart=cart, variant=variant, quantity=quantity)
    subtotal = sum((variant.price * quantity for variant, quantity in items), Decimal("0"))
    address = ShippingAddress(name="Bench Shopper", line1="1 Main St", city="Springfield", country="US",
                              postal_code="62701")  # fmt: skip
    order = place_order(cart=cart, email="bench@example.com", address=address,
                        shipping=quote_shipping(country="US", subtotal=subtotal, currency="USD")[0])  # fmt: skip
    payment = start_payment(order=order)
    pay_with_test_card(client, payment.checkout_session_id)
    fulfill_checkout(session_id=payment.checkout_session_id)
    return order.pk


def deliver(order_id: int, at: dt.datetime) -> None:
    from fulfillment.models import FulfillmentOrder, OutboundOrder, Shipment, Warehouse

    copy = OutboundOrder.objects.get(pk=order_id)
    warehouse = Warehouse.objects.order_by("pk").first()
    fulfillment_order = FulfillmentOrder.objects.filter(order=copy).first() or FulfillmentOrder.objects.create(
        order=copy, warehouse=warehouse
    )
    Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.DELIVERED, delivered_at=at)


def run_month(args: argparse.Namespace, variants) -> dict:
    from django.test import Client

    from marketplace.outbox import deliver_pending
    from shop.models import Order, Seller
    from shop.services.payments import refund_order
    from shop.services.seller_transfers import hold_after_delivery, pay_seller

    rng = random.Random(SEED)
    client = Client()
    start = dt.datetime.now(tz=dt.UTC)
    pay_times, payout_times = [], []
    deliveries: dict[int, list[int]] = {}
    sellers = list(Seller.objects.filter(slug__startswith="bench-seller-").values_list("pk", flat=True))
    for day in range(DAYS):
        clock = start + dt.timedelta(days=day)
        for _ in range(args.orders_per_day):
            items = [(variant, rng.randint(1, 3)) for variant in rng.sample(variants, rng.randint(1, 3))]
            began = time.perf_counter()
            order_id = pay_order(client, items)
            pay_times.append(time.perf_counter() - began)
            deliveries.setdefault(day + rng.randint(2, 6), []).append(order_id)
        for order_id in deliveries.pop(day, []):
            deliver(order_id, at=clock)
            order = Order.objects.get(pk=order_id)
            roll = rng.random()
            if roll < 0.08:  # a unit back before the seller is paid
                line = order.lines.order_by("pk").first()
                refund_order(order=order, lines=[(line.pk, 1)], reason="Bench: one unit back")
        deliver_pending()
        for seller_id in sellers:
            began = time.perf_counter()
            pay_seller(seller_id=seller_id, now=clock + hold_after_delivery())
            payout_times.append(time.perf_counter() - began)
        # Refunds after the transfer: everything, on a few orders already paid out.
        for order in Order.objects.filter(seller_transfers__status="paid", status="paid").distinct()[:2]:
            if rng.random() < 0.5:
                refund_order(order=order, reason="Bench: all back after the transfer")
        deliver_pending()
    return {
        "orders": len(pay_times),
        "pay_median_ms": statistics.median(pay_times) * 1000,
        "payout_median_ms": statistics.median(payout_times) * 1000,
    }


# ------------------------------------------------------------------------------------------ the checks


def _units_refunded(line) -> int:
    """A refund of everything left takes every unit back, whatever the lines' refunded counts say."""
    return line.quantity if line.order.amount_refunded >= line.order.amount_paid else line.quantity_refunded


def check_to_the_cent() -> dict:
    from django.db.models import Sum

    from shop.currencies import to_minor_units
    from shop.models import LedgerAccount, LineSettlementTerms, OrderLine, SellerTransfer
    from shop.payments.local_stripe.balance import all_balance_transactions
    from shop.services.ledger import account, balance_of, seller_account, unbalanced_entries
    from shop.services.reconciliation import reconcile_day
    from shop.services.seller_earnings import LineTerms, line_earnings

    assert unbalanced_entries() == [], "an entry does not balance"
    began = time.perf_counter()
    report = reconcile_day(day=dt.datetime.now(tz=dt.UTC).date(), alert=False)
    reconcile_seconds = time.perf_counter() - began
    assert report.differences == [], report.differences[:5]
    stripe_balance = sum(txn["net"] for txn in all_balance_transactions() if txn["currency"] == "usd")
    assert balance_of(account(LedgerAccount.Kind.PLATFORM_CASH), currency="USD") == stripe_balance
    earned: dict[int, int] = {}
    for terms in LineSettlementTerms.objects.select_related("order_line__order"):
        line: OrderLine = terms.order_line
        figures = line_earnings(
            LineTerms(currency="USD", unit_price_minor=to_minor_units(line.unit_price, "USD"), units=line.quantity,
                      take_rate_percent=terms.take_rate_percent, commission_rate_percent=Decimal("0"),
                      pick_pack_per_unit_minor=to_minor_units(terms.pick_pack_per_unit, "USD")),
            units_refunded=_units_refunded(line),
        )  # fmt: skip
        earned[terms.seller_id] = earned.get(terms.seller_id, 0) + figures.seller_net
    for seller_id, amount in earned.items():
        transferred = SellerTransfer.objects.filter(seller_id=seller_id, status="paid").aggregate(
            total=Sum("amount_minor"), back=Sum("amount_reversed_minor")
        )
        paid = (transferred["total"] or 0) - (transferred["back"] or 0)
        owed = -balance_of(seller_account(seller_id), currency="USD")
        assert owed == amount - paid, f"seller {seller_id}: ledger {owed}, arithmetic {amount - paid}"
    return {"reconcile_seconds": reconcile_seconds, "stripe_transactions": report.stripe_transactions}


def queries_of_posting(variants) -> dict:
    """SQL queries of `post_order_paid` for orders of 1, 3 and 6 lines (placed, posted, then rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from shop.models import Cart
    from shop.services.cart import add_to_cart
    from shop.services.ledger_postings import post_order_paid
    from shop.services.orders import ShippingAddress, place_order
    from shop.services.shipping import quote_shipping

    address = ShippingAddress(name="Q", line1="1 Main St", city="Springfield", country="US", postal_code="62701")
    counts = {}
    for lines in (1, 3, 6):
        with transaction.atomic():
            cart = Cart.objects.create(session_key=uuid.uuid4().hex)
            for variant in variants[:lines]:
                add_to_cart(cart=cart, variant=variant, quantity=1)
            shipping = quote_shipping(country="US", subtotal=Decimal("10"), currency="USD")[0]
            order = place_order(cart=cart, email="q@example.com", address=address, shipping=shipping)
            with CaptureQueriesContext(connection) as queries:
                post_order_paid(order=order, payment=None)
            counts[lines] = len(queries)
            transaction.set_rollback(True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=40)
    parser.add_argument("--sellers", type=int, default=12)
    parser.add_argument("--variants-per-seller", type=int, default=4)
    args = parser.parse_args()
    print(machine_notes(), flush=True)
    try:
        with throwaway_database(DATABASE, ENV, kind="seller-money"):
            eager()
            variants = make_catalogue(sellers=args.sellers, variants_per_seller=args.variants_per_seller)
            onboard_all_but_one()
            month = run_month(args, variants)
            checks = check_to_the_cent()
            queries = queries_of_posting(variants)
            print(
                f"{month['orders']} orders in {DAYS} days; paying an order (with its entries): median "
                f"{month['pay_median_ms']:.1f} ms; a payout run per seller: median {month['payout_median_ms']:.1f} ms"
            )
            print(
                f"reconciliation of {checks['stripe_transactions']} balance transactions: "
                f"{checks['reconcile_seconds']:.2f} s, no difference; every seller's balance agrees to the cent"
            )
            print(f"SQL queries of post_order_paid by number of lines: {queries}")
    finally:
        subprocess.run(["rm", "-rf", MEDIA_ROOT], check=False)


if __name__ == "__main__":
    main()
