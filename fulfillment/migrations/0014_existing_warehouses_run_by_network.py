"""Every warehouse that existed before operators were recorded is one of ours.

Only staff could create warehouses, and their kinds (fulfillment centre, hub, returns centre) are our
network's. The new column's default already says "network"; this step states it as data, so the
decision does not hang on a default that may change later. Sellers lose on-hand editing there (staff
receive their announced shipments instead); staff mark a seller's own warehouse with its seller id.
"""

from django.db import migrations


def run_by_network(apps, schema_editor) -> None:
    Warehouse = apps.get_model("fulfillment", "Warehouse")
    Warehouse.objects.filter(operator_seller_id__isnull=True).update(operator="network")


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0013_inbound_shipments_and_warehouse_operator")]

    operations = [migrations.RunPython(run_by_network, migrations.RunPython.noop)]
