# The landed-cost tables as checked on 2026-12-03 (shop/landed_cost_tables.py), in every database.

from django.db import migrations

from shop.landed_cost_tables import load_landed_cost_tables


def load(apps, schema_editor):
    load_landed_cost_tables(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('shop', '0006_landed_cost_tables'),
    ]

    operations = [
        # Reversing 0005 drops the tables with their rows; nothing to undo here.
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
