from django.db import migrations, models

import shop.models.reviews


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0023_return_photos_private_storage"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="video",
            field=models.FileField(blank=True, upload_to=shop.models.reviews.review_video_path),
        ),
        migrations.AddField(
            model_name="review",
            name="video_seconds",
            field=models.FloatField(blank=True, null=True),
        ),
    ]
