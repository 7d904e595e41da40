"""A stored version of what each post's body shows, so the feed reads it instead of computing it per page.

The default backfills every existing post with 1. That is safe: bodies cached before this release were keyed
on the computed version, and no key of the new form was ever written for them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("creators", "0005_post_private_media")]

    operations = [
        migrations.AddField(
            model_name="videopost",
            name="body_version",
            field=models.PositiveBigIntegerField(default=1, editable=False),
        ),
    ]
