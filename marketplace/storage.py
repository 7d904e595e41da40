"""Where media live, and how private files reach the people allowed to see them.

`public_storage()` (product images, posters, playable videos, avatars: stable URLs, long cache) and
`private_storage()` (uploads as sent, labels, customs documents, manifests, return photos) are what
models and services call; give a FileField `storage=private_storage` for a private file. Both are the
local file system under MEDIA_ROOT by default, and prefixes of one S3-compatible bucket when
MEDIA_STORAGE_URL is set (marketplace/storage_config.py).

A view serves a private file with `serve_private` after its own permission check: on disk, Django
streams it (byte ranges honoured); on object storage, a 302 to a URL signed for
PRIVATE_MEDIA_URL_SECONDS, so no web worker carries the bytes.
"""

from __future__ import annotations

import mimetypes
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage, storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.utils.functional import LazyObject, empty

from marketplace.range_response import ranged_file_response


class _PrivateStorage(LazyObject):
    """storages["private"], looked up on first use (and again after a test changes STORAGES)."""

    def _setup(self) -> None:
        # Built from the setting itself, not through `storages[...]`: a FileField evaluates this when its model
        # class is made, and going through the handler would freeze every storage (staticfiles too) that early.
        self._wrapped = storages.create_storage(settings.STORAGES["private"])


_private = _PrivateStorage()


@receiver(setting_changed)
def _forget_private_storage(*, setting: str, **kwargs) -> None:
    if setting in {"STORAGES", "MEDIA_ROOT"}:
        _private._wrapped = empty


def public_storage() -> Storage:
    """Media anyone may fetch at a stable URL (Django's default storage)."""
    return default_storage


def private_storage() -> Storage:
    """Media only the app hands out, after a permission check; a FileField's `storage=` callable."""
    return _private


def is_remote(storage: Storage) -> bool:
    """True for object storage (no local paths): files are fetched by URL, not streamed by Django."""
    try:
        storage.path("probe")
    except NotImplementedError:
        return True
    return False


def s3_client(storage: Storage):
    """The boto3 client behind an S3 storage (direct uploads and server-side checks)."""
    return storage.connection.meta.client


def s3_key(storage: Storage, name: str) -> str:
    """The object key of a stored name (the storage's prefix included)."""
    from storages.utils import clean_name  # noqa: PLC0415  (only with object storage: django-storages)

    return storage._normalize_name(clean_name(name))


def abort_multipart(storage: Storage, *, name: str, upload_id: str) -> None:
    """Drop an unfinished multipart upload's parts (its post was deleted); one already gone is fine."""
    if not is_remote(storage):
        return
    client = s3_client(storage)
    with suppress(client.exceptions.NoSuchUpload):
        client.abort_multipart_upload(Bucket=storage.bucket_name, Key=s3_key(storage, name), UploadId=upload_id)


def multipart_parts(storage: Storage, *, name: str, upload_id: str) -> list[dict]:
    """The parts an open multipart upload holds (PartNumber, Size, ETag), every page; NoSuchUpload once it is closed."""
    client = s3_client(storage)
    parts: list[dict] = []
    marker = 0
    while True:
        page = client.list_parts(
            Bucket=storage.bucket_name, Key=s3_key(storage, name), UploadId=upload_id, PartNumberMarker=marker
        )
        parts += page.get("Parts", [])
        if not page.get("IsTruncated"):
            return parts
        marker = page["NextPartNumberMarker"]


def complete_multipart(storage: Storage, *, name: str, upload_id: str, parts: list[dict]) -> int | None:
    """Join these parts into the object; its stored size, or None when there is no object (the upload was dropped).

    Safe to repeat: an upload already completed (a replayed task, a worker killed after S3 answered) is
    NoSuchUpload, and the object it made is what counts.
    """
    client = s3_client(storage)
    bucket, key = storage.bucket_name, s3_key(storage, name)
    with suppress(client.exceptions.NoSuchUpload):
        client.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": part["PartNumber"], "ETag": part["ETag"]} for part in parts]},
        )
    return stored_size(storage, name)


def stored_size(storage: Storage, name: str) -> int | None:
    """The size of a stored object, asked of the storage (None when absent)."""
    from botocore.exceptions import ClientError  # noqa: PLC0415  (only with object storage: boto3)

    client = s3_client(storage)
    try:
        return client.head_object(Bucket=storage.bucket_name, Key=s3_key(storage, name))["ContentLength"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return None
        raise


def signed_url(
    storage: Storage, name: str, *, filename: str | None = None, content_type: str | None = None, inline: bool = True
) -> str:
    """A URL for a private object, valid for PRIVATE_MEDIA_URL_SECONDS, naming the file and its type."""
    parameters: dict[str, str] = {}
    if filename:
        disposition = "inline" if inline else "attachment"
        parameters["ResponseContentDisposition"] = f'{disposition}; filename="{filename}"'
    if content_type:
        parameters["ResponseContentType"] = content_type
    return storage.url(name, parameters=parameters or None, expire=settings.PRIVATE_MEDIA_URL_SECONDS)


def serve_private(
    request: HttpRequest,
    field_file,
    *,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = False,
    extra_headers: dict[str, str] | None = None,
) -> HttpResponseBase:
    """Hand a private stored file to someone the caller has already checked: signed redirect or streamed."""
    storage, name = field_file.storage, field_file.name
    filename = filename or PurePosixPath(name).name
    if is_remote(storage):
        response = HttpResponseRedirect(
            signed_url(storage, name, filename=filename, content_type=content_type, inline=not as_attachment)
        )
        # The redirect itself is personal and short-lived: never cached by a proxy or kept by the browser.
        response["Cache-Control"] = "private, no-store"
        return response
    headers = {"Cache-Control": "private, no-store", **(extra_headers or {})}
    if content_type.startswith(("video/", "audio/")):
        return ranged_file_response(
            request, storage.open(name, "rb"), storage.size(name), content_type, extra_headers=headers
        )
    response = FileResponse(
        storage.open(name, "rb"), content_type=content_type, as_attachment=as_attachment, filename=filename
    )
    for header, value in headers.items():
        response[header] = value
    return response


def copy_file(source: Storage, name: str, target: Storage, target_name: str) -> str:
    """Copy a stored file to `target_name` in another storage (or prefix); the name it was stored under.

    Within one bucket the storage copies it (CopyObject: no bytes through this process), with the target's
    own cache headers; otherwise it is streamed through.
    """
    if is_remote(source) and is_remote(target) and source.bucket_name == target.bucket_name:
        client = s3_client(target)
        content_type = mimetypes.guess_type(target_name)[0] or "application/octet-stream"
        client.copy(
            {"Bucket": source.bucket_name, "Key": s3_key(source, name)},
            target.bucket_name,
            s3_key(target, target_name),
            ExtraArgs={
                **target.object_parameters,
                "ContentType": content_type,
                "MetadataDirective": "REPLACE",
            },
        )
        return target_name
    with source.open(name, "rb") as handle:
        return target.save(target_name, File(handle))


@contextmanager
def local_copy(storage: Storage, name: str) -> Iterator[str]:
    """A local path holding a stored file: a temporary download, removed afterwards (PyAV needs a file)."""
    suffix = PurePosixPath(name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        with storage.open(name, "rb") as source:
            shutil.copyfileobj(source, copy, length=1024 * 1024)
        copy.flush()
        yield copy.name


__all__ = [
    "abort_multipart",
    "complete_multipart",
    "copy_file",
    "is_remote",
    "local_copy",
    "multipart_parts",
    "private_storage",
    "public_storage",
    "s3_client",
    "s3_key",
    "serve_private",
    "signed_url",
    "stored_size",
]
