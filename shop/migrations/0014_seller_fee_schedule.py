"""The launch fee schedule: the platform's default take rate and pick-and-pack fees (staff edit them in the admin)."""

from datetime import UTC, datetime
from decimal import Decimal

from django.db import migrations

LAUNCH = datetime(2026, 1, 1, tzinfo=UTC)
SOURCE = "Launch fee schedule, marketplace terms for sellers v1 (2026-01-01)"
PICK_PACK = {"USD": "1.00", "CAD": "1.35", "EUR": "0.95", "GBP": "0.85", "AUD": "1.50", "JPY": "150"}


def add_fee_schedule(apps, schema_editor) -> None:
    TakeRate = apps.get_model("shop", "TakeRate")
    FulfillmentFee = apps.get_model("shop", "FulfillmentFee")
    TakeRate.objects.get_or_create(
        category=None, effective_from=LAUNCH, defaults={"rate_percent": Decimal("8.00"), "source": SOURCE}
    )
    for currency, amount in PICK_PACK.items():
        FulfillmentFee.objects.get_or_create(
            currency=currency, effective_from=LAUNCH, defaults={"pick_pack_per_unit": Decimal(amount), "source": SOURCE}
        )


class Migration(migrations.Migration):
    dependencies = [("shop", "0013_seller_money_ledger")]

    operations = [migrations.RunPython(add_fee_schedule, migrations.RunPython.noop)]
