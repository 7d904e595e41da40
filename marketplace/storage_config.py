"""STORAGES from the environment: the local file system by default, S3-compatible object storage when asked.

Imported by settings, so it imports nothing from Django's app registry. `MEDIA_STORAGE_URL` names the
bucket and how to reach it in one variable:

    s3://ACCESS_KEY:SECRET_KEY@BUCKET?endpoint_url=https://s3.example.net&region=eu-central-1

(keys URL-quoted; leave them out to use boto3's own chain: instance role, AWS_* variables). The same can
be given as separate variables (`AWS_STORAGE_BUCKET_NAME`, `AWS_S3_ENDPOINT_URL`, `AWS_S3_REGION_NAME`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`). One bucket holds two prefixes: `public/` (product images,
posters, playable videos: long cache headers, unsigned stable URLs a CDN can serve) and `private/` (uploads
as sent, labels, customs documents, manifests, return photos: reachable only by short-lived signed URLs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
PUBLIC_CACHE_CONTROL = "public, max-age=31536000, immutable"
PRIVATE_CACHE_CONTROL = "private, no-store"


@dataclass(frozen=True)
class S3Options:
    bucket: str
    endpoint_url: str | None = None
    region: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    custom_domain: str | None = None  # a CDN in front of the public prefix, e.g. media.example.com

    @property
    def origin(self) -> str:
        """Where browsers fetch public media and send direct uploads (for the CSP)."""
        if self.endpoint_url:
            parts = urlsplit(self.endpoint_url)
            return f"{parts.scheme}://{parts.netloc}"
        region = f".{self.region}" if self.region else ""
        return f"https://{self.bucket}.s3{region}.amazonaws.com"


def s3_options_from_url(url: str, *, custom_domain: str | None = None) -> S3Options:
    """Parse `s3://KEY:SECRET@BUCKET?endpoint_url=...&region=...`; a ValueError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.hostname:
        raise ValueError("MEDIA_STORAGE_URL must look like s3://KEY:SECRET@BUCKET?endpoint_url=...&region=...")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return S3Options(
        bucket=parts.hostname,
        endpoint_url=query.get("endpoint_url") or None,
        region=query.get("region") or query.get("region_name") or None,
        access_key=unquote(parts.username) if parts.username else None,
        secret_key=unquote(parts.password) if parts.password else None,
        custom_domain=custom_domain or query.get("custom_domain") or None,
    )


def s3_storages(options: S3Options, *, private_url_seconds: int) -> dict[str, dict]:
    """The `default` (public) and `private` storages on one bucket, under two prefixes."""
    common = {
        "bucket_name": options.bucket,
        "endpoint_url": options.endpoint_url,
        "region_name": options.region,
        "access_key": options.access_key,
        "secret_key": options.secret_key,
        "signature_version": "s3v4",
        "addressing_style": "path" if options.endpoint_url else None,
        # A name already taken gets a suffix, as on disk: an upload never replaces another's file.
        "file_overwrite": False,
    }
    return {
        "default": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                **common,
                "location": "public",
                "querystring_auth": False,
                "custom_domain": options.custom_domain,
                "object_parameters": {"CacheControl": PUBLIC_CACHE_CONTROL},
            },
        },
        "private": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                **common,
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": private_url_seconds,
                "object_parameters": {"CacheControl": PRIVATE_CACHE_CONTROL},
            },
        },
    }


def local_storages() -> dict[str, dict]:
    """Both on disk under MEDIA_ROOT (file names unchanged); Django serves the private ones after its checks."""
    return {"default": {"BACKEND": FILE_SYSTEM_BACKEND}, "private": {"BACKEND": FILE_SYSTEM_BACKEND}}


def public_read_policy(bucket: str) -> str:
    """The bucket policy a deployment sets: anyone may GET under public/, nothing else without a signature."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicMediaReadable",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/public/*",
                }
            ],
        }
    )
