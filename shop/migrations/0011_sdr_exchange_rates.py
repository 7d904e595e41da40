# The SDR (XDR) against the demo currencies: fulfillment compares a parcel's value with the postal
# CN22 limit (300 SDR). Demo figures like the other exchange rates: staff must verify before going live.

from datetime import date
from decimal import Decimal

from django.db import migrations

SOURCE = "IMF, SDR valuation (https://www.imf.org/external/np/fin/data/rms_sdrv.aspx); demo figure"
NOTE = "1 XDR = 1.36 USD crossed with the demo USD rates: staff must verify it against the source before going live."
PER_XDR = {
    "USD": Decimal("1.36"),
    "EUR": Decimal("1.1696"),
    "GBP": Decimal("1.02"),
    "CAD": Decimal("1.8904"),
    "AUD": Decimal("2.0672"),
    "JPY": Decimal("210.8"),
}
ON = date(2026, 12, 3)


def add_sdr_rates(apps, schema_editor):
    ExchangeRate = apps.get_model("shop", "ExchangeRate")
    for quote, rate in PER_XDR.items():
        ExchangeRate.objects.get_or_create(
            base="XDR", quote=quote, effective_from=ON, defaults={"rate": rate, "source": SOURCE, "note": NOTE}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0010_order_import_charges"),
    ]

    operations = [migrations.RunPython(add_sdr_rates, migrations.RunPython.noop)]
