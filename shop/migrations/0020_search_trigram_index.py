"""pg_trgm and a trigram index on product titles, for search that forgives typos (PostgreSQL only).

On SQLite both steps do nothing: `CreateExtension` skips other databases itself, and the index is raw SQL
run only on PostgreSQL (a `GinIndex` in the model's Meta could not be created on SQLite).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "shop_product_title_trgm"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON shop_product USING gin (title gin_trgm_ops)")


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("shop", "0019_order_line_creator_handle")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
