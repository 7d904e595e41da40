"""Landed-cost quotes at checkout: SQL queries for carts of 1 and 20 lines, and quotes per second.

Run on purpose, not as a test:  .venv/bin/python bench/landed_cost.py [--seconds 3]
Makes a throwaway SQLite database in a temporary directory (migrations load the landed-cost tables), a cart of
1 line and one of 20 lines (different products, all with customs data), then for each cart to Germany, the UK,
Japan and New York: counts the queries of one quote (load the cart's customs data and the destination's rows,
then price every shipping method) with CaptureQueriesContext, and times as many quotes as fit in `--seconds`.
"""

import argparse
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
DESTINATIONS = [("DE", "", "EUR"), ("GB", "", "GBP"), ("JP", "", "JPY"), ("US", "NY", "USD")]
SHIPPING = [Decimal("4.99"), Decimal("14.99")]  # two methods priced from one load


def setup_django(directory: str) -> None:
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def carts(currency: str):
    from shop.models import Cart, CartLine, Category, Product, Seller, Variant

    seller, _ = Seller.objects.get_or_create(slug="bench", defaults={"name": "Bench", "country": "US"})
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    made = {}
    for size in (1, 20):
        cart = Cart.objects.create(session_key=uuid.uuid4().hex)
        for i in range(size):
            product = Product.objects.create(
                seller=seller, category=category, title=f"Tee {currency} {size}-{i}", slug=uuid.uuid4().hex[:20],
                hs_code="610910", country_of_origin="PT", customs_description="cotton t-shirt", weight_grams=200,
            )  # fmt: skip
            variant = Variant.objects.create(
                product=product, sku=uuid.uuid4().hex[:12], name="M", price=Decimal("9.00"), currency=currency
            )
            CartLine.objects.create(cart=cart, variant=variant, quantity=1)
        made[size] = cart
    return made


def quote(cart, country: str, region: str) -> None:
    from shop.services.checkout import cart_charge_quoter

    quoter = cart_charge_quoter(cart=cart, country=country, region=region)
    for amount in SHIPPING:
        quoter.for_shipping(amount)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per cart and destination")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        setup_django(directory)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        print("| destination | lines | SQL queries | quotes/s |")
        print("|---|---:|---:|---:|")
        for country, region, currency in DESTINATIONS:
            by_size = carts(currency)
            for size, cart in by_size.items():
                with CaptureQueriesContext(connection) as queries:
                    quote(cart, country, region)
                count, started = 0, time.perf_counter()
                while time.perf_counter() - started < args.seconds:
                    quote(cart, country, region)
                    count += 1
                rate = count / (time.perf_counter() - started)
                place = f"{country}-{region}" if region else country
                print(f"| {place} ({currency}) | {size} | {len(queries)} | {rate:,.0f} |")


if __name__ == "__main__":
    main()
