"""Seller money benchmark: a month of a marketplace on real Celery workers, every cent checked at the end.

Run on purpose, not as a test:  .venv/bin/python bench/seller_money.py [--orders 10000] [--workers 2] [--clients 2]
Needs PostgreSQL (DATABASE_URL's server, default postgres://postgres@127.0.0.1:5432) and Redis (CELERY_BROKER_URL's
server, default redis://127.0.0.1:6379; the bench uses db 10 and flushes it). A throwaway database is created with a
unique name and dropped at the end; `--workers` Celery workers (`-Q default,allocation -c 1`) handle every fact.

Thirty simulated days, `--orders` checkouts spread over them. Shoppers pay on the Stripe stand-in (1 to 3 lines of
sellers' products in a few categories, one with its own take rate); a share of lines is bought through creators'
tags (a click on the tag, the cart line carrying it: the workers record the commission, funded by the seller).
Some payments fail: a declined card (4000 0000 0000 0002) or a checkout left unpaid; at the end of the day their
reservations run out and `expire_stale_checkouts` cancels them (nothing is posted). Workers handle the paid facts
(allocation, confirmation, commissions). Orders are delivered a few days later; about 8 % give units back before
the seller is paid (a refund by units, as for a return), some get a partial amount back (goodwill, borne by the
platform); the workers handle the refunded facts (commissions reversed, transfers reversed). The payout run
(`pay_seller`, as beat does every 6 hours) is made as of each day, and a few orders already paid out are then
refunded in full (their transfers reversed by the workers). At the end of the month creators' commissions past
the return window become payable and every creator is paid (`pay_creator`). All but one seller are onboarded
(the last one's earnings wait).

Then every day of the simulated month (and the run's real days: entries and Stripe's balance transactions carry
the real clock) is reconciled (`reconcile_day`), timed, and the discrepancy per currency printed (goal 0.00).
Checked at the end, to the cent: every journal entry balanced; platform cash equals the stand-in's balance
(charges - fees - refunds - transfers + reversals); no reconciliation difference on any day; each seller's ledger
balance equals what `seller_earnings.line_earnings` says they earned (per line, on the units kept) minus their
lines' net commissions minus what they were transferred; each creator's balance equals their net commissions minus
their paid payouts; failed checkouts are cancelled with no journal entry. Counted: SQL queries of `post_order_paid`
for orders of 1, 3 and 6 lines.
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
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
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

DATABASE = database_name("seller_money")
MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-seller-money-media-")
ENV = bench_env(
    DATABASE,
    MEDIA_ROOT=MEDIA_ROOT,
    EMAIL_URL="dummymail://",
    STRIPE_SECRET_KEY="",
    STRIPE_USE_LOCAL="true",  # the stand-in plays Stripe, in-process here and in each worker (state in the database)
    STRIPE_LOCAL_WEBHOOK_URL="",
    SITE_URL="http://testserver",
)
# default: confirmation and refund emails, refunds, commissions (earned and reversed), transfer reversals;
# allocation: the paid order handed to fulfillment, and stopped when refunded in full or cancelled.
QUEUES = "default,allocation"
SEED = 11
DAYS = 30
DECLINED_CARD = "4000 0000 0000 0002"
STATIC_STORAGE = "django.contrib.staticfiles.storage.StaticFilesStorage"


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
            rate = Decimal(rng.choice(["5.00", "10.00", "15.00"]))  # what the seller offers creators
            product = ProductFactory(seller=seller, category=category, affiliate_commission_rate=rate)
            variant = VariantFactory(product=product, price=Decimal(rng.choice(["4.99", "12.50", "19.99", "33.33"])))
            stock_of(variant, quantity=100_000)
            made.append(variant)
    return made


def make_creators(count: int, variants) -> dict[int, object]:
    """`count` approved creators, each with a post tagging some products; answers variant pk -> a tag of its product."""
    from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory

    rng = random.Random(SEED + 1)
    tags: dict[int, object] = {}
    creators = [CreatorFactory(handle=f"bench-creator-{index}") for index in range(count)]
    for creator in creators:
        post = VideoPostFactory(creator=creator)
        for variant in rng.sample(variants, max(1, len(variants) // 3)):
            tag = ProductTagFactory(post=post, product=variant.product)
            tags.setdefault(variant.pk, tag)
    return tags


def onboard() -> None:
    """Each seller or creator completes Connect onboarding on the stand-in (all but the last seller)."""
    from urllib.parse import urlsplit

    from creators.models import Creator
    from creators.services.payouts import refresh_payout_account, start_payout_onboarding
    from shop.models import Seller
    from shop.payments.local_stripe.connect import complete_onboarding
    from shop.services.seller_accounts import refresh_seller_account, start_seller_onboarding

    here = {"refresh_url": "http://testserver/", "return_url": "http://testserver/"}
    sellers = list(Seller.objects.filter(slug__startswith="bench-seller-").order_by("slug"))
    for seller in sellers[:-1]:
        url = start_seller_onboarding(seller=seller, **here)
        complete_onboarding(link_id=urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        refresh_seller_account(seller=seller)
    for creator in Creator.objects.filter(handle__startswith="bench-creator-").order_by("pk"):
        url = start_payout_onboarding(creator=creator, **here)
        complete_onboarding(link_id=urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        refresh_payout_account(creator=creator)


# ------------------------------------------------------------------------------------------ the month


ADDRESS = None  # ShippingAddress, set after django.setup()


def checkout(item) -> tuple[int, bool]:
    """Place an order as the shopper does and pay it (or not); answers (order id, paid).

    `item` is (lines, outcome): lines of (variant, quantity, tag or None); outcome "paid", "declined" or "left".
    A tagged line was reached by a click on the creator's tag, which the cart line carries.
    """
    from django.test import Client
    from django.utils import timezone

    from creators.models import TagClick
    from shop.models import Cart
    from shop.payments.local_stripe.testing import pay_with_test_card
    from shop.services.cart import add_to_cart
    from shop.services.orders import place_order
    from shop.services.payments import fulfill_checkout, start_payment
    from shop.tests.factories import cart_shipping

    lines, outcome = item
    cart = Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity, tag in lines:
        if tag is not None:
            TagClick.objects.create(tag=tag, post=tag.post, product=tag.product, creator=tag.post.creator,
                                    session_key=cart.session_key, created_at=timezone.now())  # fmt: skip
        add_to_cart(cart=cart, variant=variant, quantity=quantity, attribution_tag_id=tag.pk if tag else None,
                    attribution_creator_id=tag.post.creator_id if tag else None)  # fmt: skip
    order = place_order(cart=cart, email="bench@example.com", address=ADDRESS, shipping=cart_shipping(cart))
    payment = start_payment(order=order)
    if outcome == "left":
        return order.pk, False
    client = Client()
    if outcome == "declined":
        response = pay_with_test_card(client, payment.checkout_session_id, number=DECLINED_CARD)
        assert response.status_code == 402, f"the declined card was not declined: {response.status_code}"
        return order.pk, False
    pay_with_test_card(client, payment.checkout_session_id)
    fulfill_checkout(session_id=payment.checkout_session_id)
    return order.pk, True


def expire_unpaid(order_ids: list[int]) -> int:
    """The day's unpaid checkouts run out of time: beat's `expire_stale_checkouts` cancels them."""
    from django.utils import timezone

    from shop.models import Order
    from shop.services.payments import expire_stale_checkouts

    Order.objects.filter(pk__in=order_ids).update(reserved_until=timezone.now() - dt.timedelta(seconds=1))
    cancelled = 0
    while batch := expire_stale_checkouts():
        cancelled += batch
    return cancelled


def deliver(order_id: int, at: dt.datetime) -> None:
    from fulfillment.models import FulfillmentOrder, OutboundOrder, Shipment, Warehouse

    copy = OutboundOrder.objects.get(pk=order_id)
    warehouse = Warehouse.objects.order_by("pk").first()
    fulfillment_order = FulfillmentOrder.objects.filter(order=copy).first() or FulfillmentOrder.objects.create(
        order=copy, warehouse=warehouse
    )
    Shipment.objects.create(fulfillment_order=fulfillment_order, status=Shipment.Status.DELIVERED, delivered_at=at)


def settle(workers: list[subprocess.Popen], log_dir: Path) -> float:
    """Wait until the workers have handled every fact; answers the seconds waited.

    After 20 s without progress the sweep is run here (as beat would); after 120 s, or a dead worker, it fails.
    """
    from marketplace.models import OutboxEvent
    from marketplace.outbox import mark_completed, redispatch_events

    began = last_progress = time.monotonic()
    last = None
    while True:
        mark_completed()
        left = OutboxEvent.objects.filter(completed_at__isnull=True).count()
        if left == 0:
            return time.monotonic() - began
        if left != last:
            last, last_progress = left, time.monotonic()
        stalled = time.monotonic() - last_progress
        if stalled > 120 or any(worker.poll() is not None for worker in workers):
            tails = "\n".join(path.read_text()[-2000:] for path in sorted(log_dir.glob("worker-*.log")))
            raise RuntimeError(f"{left} facts not handled; worker logs:\n{tails}")
        if stalled > 20:
            redispatch_events()
            last_progress = time.monotonic() - 10
        time.sleep(0.2)


def orders_of_day(day: int, total: int) -> int:
    """`total` orders spread over the month, the remainder on the first days."""
    return total // DAYS + (1 if day < total % DAYS else 0)


def shopper_basket(rng: random.Random, args: argparse.Namespace, variants, tags) -> tuple[list, str]:
    """1 to 3 lines (some through a creator's tag), and whether the payment goes through, is declined or left."""
    lines = []
    for variant in rng.sample(variants, rng.randint(1, 3)):
        tag = tags.get(variant.pk) if rng.random() < args.tagged_share else None
        lines.append((variant, rng.randint(1, 3), tag))
    roll = rng.random()
    outcome = "paid" if roll >= args.failed_share else ("declined" if roll < args.failed_share / 2 else "left")
    return lines, outcome


def run_month(args: argparse.Namespace, variants, tags, workers, log_dir: Path) -> dict:
    from shop.models import Order, Seller
    from shop.services.payments import refund_order
    from shop.services.seller_transfers import hold_after_delivery, pay_seller

    rng = random.Random(SEED)
    start = dt.datetime.now(tz=dt.UTC)
    paying_seconds, payout_times, settle_seconds = 0.0, [], 0.0
    counts: dict[str, int] = defaultdict(int)
    deliveries: dict[int, list[int]] = {}
    failed: list[int] = []
    sellers = list(Seller.objects.filter(slug__startswith="bench-seller-").values_list("pk", flat=True))
    for day in range(DAYS):
        clock = start + dt.timedelta(days=day)
        items = [shopper_basket(rng, args, variants, tags) for _ in range(orders_of_day(day, args.orders))]
        began = time.perf_counter()
        results = in_threads(checkout, items, args.clients)
        paying_seconds += time.perf_counter() - began
        for (order_id, paid), (lines, outcome) in zip(results, items, strict=True):
            counts[outcome] += 1
            counts["tagged lines"] += sum(1 for _v, _q, tag in lines if tag is not None)
            counts["lines"] += len(lines)
            if paid:
                deliveries.setdefault(day + rng.randint(2, 6), []).append(order_id)
            else:
                failed.append(order_id)
        counts["cancelled"] += expire_unpaid([order_id for order_id, paid in results if not paid])
        settle_seconds += settle(workers, log_dir)  # allocation must have made fulfillment's copy before delivery
        for order_id in deliveries.pop(day, []):
            deliver(order_id, at=clock)
            order = Order.objects.get(pk=order_id)
            roll = rng.random()
            if roll < args.returned_share:  # units back before the seller is paid
                line = order.lines.order_by("pk").first()
                refund_order(order=order, lines=[(line.pk, 1)], reason="Bench: one unit back")
                counts["refunded by units"] += 1
            elif roll < args.returned_share + args.partial_share:  # goodwill: an amount, borne by the platform
                amount = (order.amount_paid * Decimal(rng.choice(["0.05", "0.1", "0.2"]))).quantize(Decimal("0.01"))
                refund_order(order=order, amount=amount, reason="Bench: partial amount back")
                counts["partial amount refunds"] += 1
        settle_seconds += settle(workers, log_dir)
        for seller_id in sellers:
            began = time.perf_counter()
            pay_seller(seller_id=seller_id, now=clock + hold_after_delivery())
            payout_times.append(time.perf_counter() - began)
        # Refunds after the transfer: everything, on a few orders already paid out (the workers reverse them).
        for order in Order.objects.filter(seller_transfers__status="paid", status="paid").distinct()[:2]:
            if rng.random() < 0.5:
                refund_order(order=order, reason="Bench: all back after the transfer")
                counts["refunded in full after the transfer"] += 1
        settle_seconds += settle(workers, log_dir)
        print(f"day {day + 1}: {len(items)} checkouts; so far {dict(counts)}", flush=True)
    creators_paid = pay_creators(at=start + dt.timedelta(days=DAYS))
    settle_seconds += settle(workers, log_dir)
    return {
        "start": start,
        "orders": len(failed) + counts["paid"],
        "paying_seconds": paying_seconds,
        "settle_seconds": settle_seconds,
        "payout_median_ms": statistics.median(payout_times) * 1000,
        "counts": dict(counts),
        "failed": failed,
        **creators_paid,
    }


def pay_creators(*, at: dt.datetime) -> dict:
    """End of the month: commissions past the return window become payable, and every creator is paid."""
    from creators.models import Creator, Payout
    from creators.services.commissions import release_payable_commissions, return_window
    from creators.services.payouts import pay_creator

    released = release_payable_commissions(now=at + return_window() + dt.timedelta(days=1))
    payouts = []
    for creator_id in Creator.objects.filter(handle__startswith="bench-creator-").values_list("pk", flat=True):
        payouts += pay_creator(creator_id=creator_id)
    failed = [payout.pk for payout in payouts if payout.status != Payout.Status.PAID]
    assert not failed, f"creator payouts failed: {failed}"
    return {"commissions_released": released, "creator_payouts": len(payouts),
            "creator_paid_minor": sum(payout.amount_cents for payout in payouts)}  # fmt: skip


# ------------------------------------------------------------------------------------------ the checks


def _units_refunded(line) -> int:
    """A refund of everything left takes every unit back, whatever the lines' refunded counts say."""
    return line.quantity if line.order.amount_refunded >= line.order.amount_paid else line.quantity_refunded


def reconcile_month(start: dt.datetime) -> dict:
    """Reconcile every day of the simulated month and the run's real days; the discrepancy per currency."""
    from shop.services.reconciliation import reconcile_day

    today = dt.datetime.now(tz=dt.UTC).date()
    days = sorted({start.date() + dt.timedelta(days=offset) for offset in range(DAYS)} | {start.date(), today})
    began = time.perf_counter()
    reports = [reconcile_day(day=day, alert=False) for day in days]
    seconds = time.perf_counter() - began
    discrepancy: dict[str, int] = defaultdict(int)
    volume: dict[str, dict[str, int]] = defaultdict(lambda: {"ledger": 0, "stripe": 0})
    for report in reports:
        for row in report.totals:
            volume[row["currency"]]["ledger"] += abs(row["ledger"])
            volume[row["currency"]]["stripe"] += abs(row["stripe"])
        for difference in report.differences:
            discrepancy[difference["currency"]] += abs((difference["stripe"] or 0) - (difference["ledger"] or 0))
    for currency in volume:
        discrepancy.setdefault(currency, 0)
    differences = [d for report in reports for d in report.differences]
    return {
        "days": len(days),
        "days_with_transactions": sum(1 for report in reports if report.stripe_transactions),
        "reconcile_seconds": seconds,
        "stripe_transactions": sum(report.stripe_transactions for report in reports),
        "discrepancy": dict(discrepancy),
        "volume": dict(volume),
        "differences": differences,
    }


def check_to_the_cent(failed: list[int]) -> list[str]:
    """Assert every check; answers them in words for the report."""
    from django.db.models import F, Sum

    from creators.models import Commission, Creator, Payout
    from shop.currencies import to_minor_units
    from shop.models import JournalEntry, LedgerAccount, LineSettlementTerms, Order, OrderLine, SellerTransfer
    from shop.payments.local_stripe.balance import all_balance_transactions
    from shop.services.ledger import account, balance_of, creator_account, seller_account, unbalanced_entries
    from shop.services.seller_earnings import LineTerms, line_earnings

    assert unbalanced_entries() == [], "an entry does not balance"
    stripe_balance = sum(txn["net"] for txn in all_balance_transactions() if txn["currency"] == "usd")
    cash = balance_of(account(LedgerAccount.Kind.PLATFORM_CASH), currency="USD")
    assert cash == stripe_balance, f"platform cash {cash}, Stripe balance {stripe_balance}"
    commission_of_line = dict(
        Commission.objects.values("order_line_id")
        .annotate(net=Sum(F("amount_cents") - F("amount_reversed_cents")))
        .values_list("order_line_id", "net")
    )
    earned: dict[int, int] = {}
    for terms in LineSettlementTerms.objects.select_related("order_line__order"):
        line: OrderLine = terms.order_line
        figures = line_earnings(
            LineTerms(currency="USD", unit_price_minor=to_minor_units(line.unit_price, "USD"), units=line.quantity,
                      take_rate_percent=terms.take_rate_percent, commission_rate_percent=Decimal("0"),
                      pick_pack_per_unit_minor=to_minor_units(terms.pick_pack_per_unit, "USD")),
            units_refunded=_units_refunded(line),
        )  # fmt: skip
        # The creator's commission on the line is funded by its seller (as creators figure it, net of reversals).
        net = figures.seller_net - commission_of_line.get(line.pk, 0)
        earned[terms.seller_id] = earned.get(terms.seller_id, 0) + net
    for seller_id, amount in earned.items():
        transferred = SellerTransfer.objects.filter(seller_id=seller_id, status="paid").aggregate(
            total=Sum("amount_minor"), back=Sum("amount_reversed_minor")
        )
        paid = (transferred["total"] or 0) - (transferred["back"] or 0)
        owed = -balance_of(seller_account(seller_id), currency="USD")
        assert owed == amount - paid, f"seller {seller_id}: ledger {owed}, arithmetic {amount - paid}"
    creators = list(Creator.objects.filter(handle__startswith="bench-creator-").values_list("pk", flat=True))
    for creator_id in creators:
        commissions = Commission.objects.filter(creator_id=creator_id).aggregate(
            net=Sum(F("amount_cents") - F("amount_reversed_cents"))
        )["net"] or 0  # fmt: skip
        paid = Payout.objects.filter(creator_id=creator_id, status="paid").aggregate(total=Sum("amount_cents"))
        owed = -balance_of(creator_account(creator_id), currency="USD")
        assert owed == commissions - (paid["total"] or 0), f"creator {creator_id}: ledger {owed}, arithmetic"
    not_cancelled = Order.objects.filter(pk__in=failed).exclude(status=Order.Status.CANCELLED).count()
    assert not_cancelled == 0, f"{not_cancelled} failed checkouts are not cancelled"
    posted = JournalEntry.objects.filter(order_id__in=failed).count()
    assert posted == 0, f"{posted} journal entries for orders never paid"
    return [
        "every journal entry balanced",
        f"platform cash = the stand-in's balance (charges - fees - refunds - transfers + reversals): "
        f"{cash / 100:,.2f} USD",
        f"each of {len(earned)} sellers' ledger balance = earned per line on the units kept - net commissions - "
        "transferred, to the cent",
        f"each of {len(creators)} creators' ledger balance = net commissions - paid payouts, to the cent",
        f"{len(failed)} failed checkouts cancelled, no journal entry for any",
    ]


def queries_of_posting(variants) -> dict:
    """SQL queries of `post_order_paid` for orders of 1, 3 and 6 lines (placed, posted, then rolled back)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from shop.models import Cart
    from shop.services.cart import add_to_cart
    from shop.services.ledger_postings import post_order_paid
    from shop.services.orders import place_order
    from shop.tests.factories import cart_shipping

    counts = {}
    for lines in (1, 3, 6):
        with transaction.atomic():
            cart = Cart.objects.create(session_key=uuid.uuid4().hex)
            for variant in variants[:lines]:
                add_to_cart(cart=cart, variant=variant, quantity=1)
            order = place_order(cart=cart, email="q@example.com", address=ADDRESS, shipping=cart_shipping(cart))
            with CaptureQueriesContext(connection) as queries:
                post_order_paid(order=order, payment=None)
            counts[lines] = len(queries)
            transaction.set_rollback(True)
    return counts


# ------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000, help="checkouts over the 30 days, failed ones included")
    parser.add_argument("--sellers", type=int, default=12)
    parser.add_argument("--variants-per-seller", type=int, default=4)
    parser.add_argument("--creators", type=int, default=6)
    parser.add_argument("--tagged-share", type=float, default=0.3, help="share of lines bought through a tag")
    parser.add_argument("--failed-share", type=float, default=0.04, help="checkouts declined or left unpaid")
    parser.add_argument("--returned-share", type=float, default=0.08, help="delivered orders giving a unit back")
    parser.add_argument("--partial-share", type=float, default=0.03, help="delivered orders given an amount back")
    parser.add_argument("--workers", type=int, default=2, help="celery worker processes, -c 1 each")
    parser.add_argument("--clients", type=int, default=2, help="threads of shoppers paying")
    args = parser.parse_args()
    print(f"database {DATABASE}, broker {BROKER_URL}, media {MEDIA_ROOT}", flush=True)
    try:
        with throwaway_database(DATABASE, ENV, kind="seller-money") as (workers, log_dir):
            run(args, workers, log_dir)
    finally:
        subprocess.run(["rm", "-rf", MEDIA_ROOT], check=False)


def run(args: argparse.Namespace, workers: list[subprocess.Popen], log_dir: Path) -> None:
    global ADDRESS  # noqa: PLW0603  (the services' module is imported after django.setup())
    from django.conf import settings

    from shop.services.orders import ShippingAddress

    ADDRESS = ShippingAddress(name="Bench Shopper", line1="1 Main St", city="Springfield", country="US",
                              postal_code="62701")  # fmt: skip
    # The stand-in's hosted page is rendered again to say a card was declined; with DEBUG off it would want a
    # collected static manifest, which a bench has no reason to build.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_STORAGE}}
    eager(True)
    variants = make_catalogue(sellers=args.sellers, variants_per_seller=args.variants_per_seller)
    tags = make_creators(args.creators, variants)
    onboard()
    workers.extend(start_workers(args.workers, log_dir, queues=QUEUES, name="seller-money", env=ENV))
    wait_for_workers(workers)
    eager(False)
    month = run_month(args, variants, tags, workers, log_dir)
    eager(True)
    reconciled = reconcile_month(month["start"])
    assert reconciled["differences"] == [], reconciled["differences"][:5]
    checks = check_to_the_cent(month["failed"])
    queries = queries_of_posting(variants)
    report(args, month, reconciled, checks, queries)


def report(args, month, reconciled, checks, queries) -> None:
    command = (
        f".venv/bin/python bench/seller_money.py --orders {args.orders} --workers {args.workers} "
        f"--clients {args.clients} --sellers {args.sellers} --creators {args.creators}"
    )
    counts = month["counts"]
    print(f"\nCommand: `{command}`")
    print(f"Machine: {machine_notes(with_load=True)}")
    print(f"{args.workers} worker processes (`celery -A marketplace worker -Q {QUEUES} -c 1` each); "
          f"{args.clients} threads of shoppers paying\n")  # fmt: skip
    print("| the month | count |")
    print("|---|---:|")
    print(f"| checkouts over {DAYS} days | {month['orders']:,} |")
    for name in ("paid", "declined", "left", "cancelled", "refunded by units", "partial amount refunds",
                 "refunded in full after the transfer"):  # fmt: skip
        label = {"declined": "declined card (4000 0000 0000 0002)", "left": "checkout left unpaid",
                 "cancelled": "failed checkouts cancelled (expired)"}.get(name, name)  # fmt: skip
        print(f"| {label} | {counts.get(name, 0):,} |")
    print(f"| lines bought through a creator's tag | {counts.get('tagged lines', 0):,} of {counts.get('lines', 0):,} |")
    print(f"| commissions released at the end of the month | {month['commissions_released']:,} |")
    print(f"| creator payouts | {month['creator_payouts']:,} ({month['creator_paid_minor'] / 100:,.2f} USD) |")
    print("\n| timed | value |")
    print("|---|---:|")
    print(f"| orders per second, paying phase (checkout, the stand-in's page, fulfil, ledger entries) | "
          f"{month['orders'] / month['paying_seconds']:.1f} |")  # fmt: skip
    print(f"| seconds waiting for the workers to handle every fact (whole month) | {month['settle_seconds']:.1f} |")
    print(f"| a payout run per seller and day, median ms | {month['payout_median_ms']:.1f} |")
    print(f"| reconciling {reconciled['days']} days ({reconciled['days_with_transactions']} with transactions, "
          f"{reconciled['stripe_transactions']:,} balance transactions), seconds | "
          f"{reconciled['reconcile_seconds']:.2f} |")  # fmt: skip
    print("\n| currency | cash moved, ledger | at Stripe | discrepancy |")
    print("|---|---:|---:|---:|")
    for currency, amount in sorted(reconciled["discrepancy"].items()):
        volume = reconciled["volume"].get(currency, {"ledger": 0, "stripe": 0})
        print(f"| {currency} | {volume['ledger'] / 100:,.2f} | {volume['stripe'] / 100:,.2f} | {amount / 100:,.2f} |")
    print("\nChecks (all passed): " + "; ".join(checks) + ".")
    print(f"SQL queries of post_order_paid by number of lines: {queries}")


if __name__ == "__main__":
    main()
