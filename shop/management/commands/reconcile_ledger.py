"""manage.py reconcile_ledger [--day YYYY-MM-DD]: the ledger against Stripe for a UTC day (yesterday by default)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shop.services.reconciliation import reconcile_day


class Command(BaseCommand):
    help = "Compare the ledger's cash with Stripe's balance transactions for one UTC day, to the cent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--day", help="YYYY-MM-DD (UTC); yesterday when left out")
        parser.add_argument("--no-alert", action="store_true", help="Do not email staff about differences")

    def handle(self, *args, **options) -> None:
        try:
            day = date.fromisoformat(options["day"]) if options["day"] else timezone.now().date() - timedelta(days=1)
        except ValueError as error:
            raise CommandError(f"--day must be YYYY-MM-DD: {error}") from error
        report = reconcile_day(day=day, alert=not options["no_alert"])
        for total in report.totals:
            self.stdout.write(
                f"{total['currency']} {total['category']:<18} ledger {total['ledger']:>12} stripe {total['stripe']:>12}"
            )
        if report.balanced:
            self.stdout.write(self.style.SUCCESS(f"{day}: the ledger agrees with Stripe to the cent."))
            return
        for difference in report.differences:
            self.stdout.write(
                self.style.ERROR(
                    f"{difference['category']} {difference['external_id']} {difference['currency']}: "
                    f"ledger {difference['ledger']}, Stripe {difference['stripe']} ({difference['explanation']})"
                )
            )
        raise CommandError(f"{day}: {len(report.differences)} difference(s) between the ledger and Stripe.")
