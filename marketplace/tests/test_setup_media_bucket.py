"""`manage.py setup_media_bucket` prepares a real S3 API's bucket as the deployment needs it."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.s3


def test_the_bucket_gets_public_reads_site_uploads_and_a_rule_dropping_stale_parts(s3_storage, settings):
    settings.SITE_URL = "https://shop.example.com/"
    s3 = s3_storage.client
    s3.delete_bucket_policy(Bucket=s3_storage.bucket)

    call_command("setup_media_bucket", "--abort-after-days", "3")

    policy = json.loads(s3.get_bucket_policy(Bucket=s3_storage.bucket)["Policy"])
    cors = s3.get_bucket_cors(Bucket=s3_storage.bucket)["CORSRules"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=s3_storage.bucket)["Rules"]
    assert policy["Statement"][0]["Resource"] == f"arn:aws:s3:::{s3_storage.bucket}/public/*"
    assert (cors[0]["AllowedOrigins"], sorted(cors[0]["AllowedMethods"]), cors[0]["ExposeHeaders"]) == (
        ["https://shop.example.com"],
        ["GET", "HEAD", "PUT"],
        ["ETag"],
    )
    assert rules[0]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 3}


def test_on_local_storage_it_says_there_is_no_bucket():
    with pytest.raises(Exception, match="Media are on the local disk"):
        call_command("setup_media_bucket")
