"""Prepare the media bucket once: public/ readable by anyone, browser uploads from the site, stale parts dropped."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marketplace import storage_config
from marketplace.storage import private_storage, s3_client


class Command(BaseCommand):
    help = (
        "Set the media bucket's policy (anyone may GET public/*), CORS (PUT and GET from SITE_URL, ETag exposed, "
        "for the studio's direct uploads) and a lifecycle rule aborting multipart uploads left unfinished."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--abort-after-days", type=int, default=2)

    def handle(self, *args, abort_after_days: int, **options) -> None:
        if settings.MEDIA_S3 is None:
            raise CommandError("Media are on the local disk: set MEDIA_STORAGE_URL to use object storage.")
        bucket = settings.MEDIA_S3.bucket
        client = s3_client(private_storage())
        client.put_bucket_policy(Bucket=bucket, Policy=storage_config.public_read_policy(bucket))
        client.put_bucket_cors(
            Bucket=bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": [settings.SITE_URL.rstrip("/")],
                        "AllowedMethods": ["GET", "HEAD", "PUT"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 3600,
                    }
                ]
            },
        )
        client.put_bucket_lifecycle_configuration(
            Bucket=bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "abort-unfinished-video-uploads",
                        "Status": "Enabled",
                        "Filter": {"Prefix": "private/"},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": abort_after_days},
                    }
                ]
            },
        )
        self.stdout.write(f"Bucket {bucket}: public/ readable, uploads from {settings.SITE_URL}, stale parts dropped.")
