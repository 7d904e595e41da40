"""`manage.py seed_demo`: fill an empty database with a believable demo shop (idempotent)."""

import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from creators.demo import CREATOR_PASSWORD, CREATORS, seed_creators
from marketplace.demo_buy_now import seed_demo_buy_now
from marketplace.demo_clearance import seed_clearance_orders
from marketplace.demo_consolidation import seed_consolidations
from marketplace.demo_inbound import seed_demo_inbound
from marketplace.demo_orders import seed_demo_orders
from marketplace.demo_returns import seed_demo_returns
from marketplace.demo_reviews import seed_demo_reviews
from marketplace.demo_seller_money import seed_demo_seller_money
from shop import demo


@contextmanager
def _quiet(logger_name: str):
    """Hide one logger's INFO lines (each eager task logs its whole result) while seeding."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create the demo shop: sellers, categories, products with variants, pictures and stock, "
        "warehouses, and the log-ins admin, seller and shopper. What exists already is left alone."
    )

    def add_arguments(self, parser) -> None:
        total = sum(len(specs) for specs in demo.PRODUCTS.values())
        parser.add_argument(
            "--products",
            type=int,
            default=None,
            metavar="N",
            help=f"Seed only the first N of the {total} demo products (quicker; tests use it).",
        )
        parser.add_argument(
            "--skip-creators",
            action="store_true",
            help="Leave out the demo creators and their generated videos (about 10 s quicker).",
        )
        parser.add_argument(
            "--skip-orders",
            action="store_true",
            help="Leave out the demo orders in every fulfillment state and their returns.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off. The demo log-ins have published passwords: never on a live site.",
        )

    def handle(
        self, *args, products: int | None, force: bool, skip_creators: bool, skip_orders: bool, **options
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates log-ins with published passwords, so it runs only with DEBUG=true "
                "(or --force on a database that is not live)."
            )
        started = time.monotonic()
        with _quiet("celery.app.trace"):
            report = demo.seed_demo(products=products)
            users = get_user_model().objects
            # Stock on its way to our warehouses, received by staff (dashboard "Inbound", admin receiving);
            # the seller's "received" emails are kept in memory, not printed.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                seed_demo_inbound(report, by=users.get(username="admin"))
            if not skip_creators:
                with transaction.atomic():
                    seed_creators(report, approved_by=users.get(username="admin"))
            if not skip_orders and not settings.STRIPE_USE_LOCAL:
                self.stderr.write(
                    "Demo orders skipped: they are paid on the local Stripe stand-in, and STRIPE_USE_LOCAL is off."
                )
            elif not skip_orders:
                # Outside one transaction: each step commits, as tasks would, so on-commit work runs in turn.
                # The demo orders' emails are kept in memory, not printed. The seed records each payment as
                # the success page does; the stand-in keeps its events instead of posting them to a server
                # that is not running yet.
                with override_settings(
                    EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend", STRIPE_LOCAL_WEBHOOK_URL=""
                ):
                    shopper, admin = users.get(username="shopper"), users.get(username="admin")
                    seed_demo_orders(report, shopper=shopper, by=admin)
                    seed_clearance_orders(report, shopper=shopper, by=admin)
                    seed_demo_returns(report, shopper=shopper, by=admin)
                    seed_demo_reviews(report, shopper=shopper)  # verified reviews of what was delivered
                    seed_demo_buy_now(report, shopper=shopper)  # saved address and cards: "Buy now" in the feed
                    seed_demo_seller_money(report)
                    # Last: its lanes put every parcel labelled from now on into a consolidation.
                    seed_consolidations(report, shopper=shopper, by=admin)
        elapsed = time.monotonic() - started
        if report.anything_created:
            made = ", ".join(f"{name} {count}" for name, count in report.created.items() if count)
            self.stdout.write(self.style.SUCCESS(f"Demo shop seeded in {elapsed:.1f} s. Created: {made}."))
        else:
            self.stdout.write("The demo shop already exists: nothing was added.")
        self.stdout.write("Demo log-ins (DEBUG only; passwords as first seeded):")
        for line in demo.login_lines():
            self.stdout.write(line)
        if not skip_creators:
            self.stdout.write(f"  {'creator':<8} {CREATOR_PASSWORD:<18} creator @{CREATORS[0].handle} (and 5 more)")
        self.stdout.write("Feed: /feed/  Creator studio: /studio/  Admin: /admin/  Seller dashboard: /seller/")
