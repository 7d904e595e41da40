"""Videos sent by the browser straight to object storage, in signed parts, then checked by the media worker.

The app decides everything a client could abuse: the object's key (under the post's folder in the private
prefix), the part size, how many parts (from the declared size, at most CREATOR_VIDEO_MAX_BYTES), and each
part's URL (signed for that key, upload and part number only). Completing asks the storage, not the client,
which parts arrived: a part larger than the part size, more bytes than declared, or a total over the limit
aborts the upload (nothing is kept). The object is then judged by its content on the `media` queue, with
the same rules as an upload through the app, and deleted if it breaks one (creators/services/posts.py).
"""

from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat

from creators import events
from creators.models import Creator, VideoPost, video_path
from creators.services.posts import _clean_caption, _require_approved
from marketplace.storage import is_remote, private_storage, s3_client, s3_key

EXTENSIONS = {".mp4": "mp4", ".mov": "mov", ".webm": "webm", ".m4v": "mp4"}


class DirectUploadUnavailable(Exception):
    """Media are on the local disk: videos come through the app's own upload form."""


@dataclass(frozen=True)
class Part:
    number: int
    size: int
    etag: str = ""


def available() -> bool:
    return is_remote(private_storage())


def _bucket_and_key(name: str) -> tuple[str, str]:
    storage = private_storage()
    return storage.bucket_name, s3_key(storage, name)


def part_count(size: int) -> int:
    return max(1, math.ceil(size / settings.CREATOR_VIDEO_UPLOAD_PART_BYTES))


def expected_part_size(size: int, number: int) -> int:
    """How many bytes part `number` (from 1) of an upload of `size` bytes holds."""
    part = settings.CREATOR_VIDEO_UPLOAD_PART_BYTES
    return part if number < part_count(size) else size - part * (part_count(size) - 1)


def start_direct_upload(*, creator: Creator, filename: str, size: int, caption: str = "") -> VideoPost:
    """A post waiting for its video, and a multipart upload opened for it at the storage."""
    if not available():
        raise DirectUploadUnavailable
    _require_approved(creator)
    caption = _clean_caption(caption)
    extension = os.path.splitext(filename or "")[1].lower()
    if extension not in EXTENSIONS:
        raise ValidationError({"video": ["Upload an MP4, MOV or WebM video."]})
    if size <= 0:
        raise ValidationError({"video": ["This file is empty."]})
    if size > settings.CREATOR_VIDEO_MAX_BYTES:
        raise ValidationError(
            {"video": [f"This video is larger than {filesizeformat(settings.CREATOR_VIDEO_MAX_BYTES)}, the limit."]}
        )
    with transaction.atomic():
        post = VideoPost.objects.create(
            creator=creator,
            caption=caption,
            status=VideoPost.Status.UPLOADING,
            original_filename=os.path.basename(filename)[:255],
            size_bytes=size,
        )
        name = video_path(post, f"{uuid.uuid4().hex}.{EXTENSIONS[extension]}")
        bucket, key = _bucket_and_key(name)
        upload = s3_client(private_storage()).create_multipart_upload(
            Bucket=bucket, Key=key, ContentType="application/octet-stream", CacheControl="private, no-store"
        )
        post.source.name, post.upload_id = name, upload["UploadId"]
        post.save(update_fields=["source", "upload_id", "updated_at"])
    return post


def _require_open(post: VideoPost) -> None:
    if post.status != VideoPost.Status.UPLOADING or not post.upload_id:  # completed: processing, ready, failed
        raise ValidationError("This upload is finished; start a new one.", code="upload_closed")


def uploaded_parts(*, post: VideoPost) -> list[Part]:
    """The parts the storage holds so far (what a resumed upload skips)."""
    _require_open(post)
    bucket, key = _bucket_and_key(post.source.name)
    client = s3_client(private_storage())
    parts: list[Part] = []
    marker = 0
    while True:
        page = client.list_parts(Bucket=bucket, Key=key, UploadId=post.upload_id, PartNumberMarker=marker)
        parts += [
            Part(number=item["PartNumber"], size=item["Size"], etag=item["ETag"]) for item in page.get("Parts", [])
        ]
        if not page.get("IsTruncated"):
            return parts
        marker = page["NextPartNumberMarker"]


def part_urls(*, post: VideoPost, numbers: list[int]) -> dict[int, str]:
    """Signed PUT URLs for these parts of this post's upload, and no other."""
    _require_open(post)
    count = part_count(post.size_bytes)
    if not numbers or any(not 1 <= number <= count for number in numbers):
        raise ValidationError(f"Parts are numbered 1 to {count}.", code="part_number")
    bucket, key = _bucket_and_key(post.source.name)
    client = s3_client(private_storage())
    return {
        number: client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": bucket, "Key": key, "UploadId": post.upload_id, "PartNumber": number},
            ExpiresIn=settings.CREATOR_VIDEO_UPLOAD_URL_SECONDS,
            HttpMethod="PUT",
        )
        for number in sorted(set(numbers))
    }


def _problem(post: VideoPost, parts: list[Part]) -> str | None:
    count = part_count(post.size_bytes)
    if [part.number for part in parts] != list(range(1, count + 1)):
        return f"The upload is not complete: {len(parts)} of {count} parts arrived."
    for part in parts:
        if part.size != expected_part_size(post.size_bytes, part.number):
            return "A part of this upload does not have the size it was given; upload the video again."
    total = sum(part.size for part in parts)
    if total > settings.CREATOR_VIDEO_MAX_BYTES:
        return f"This video is larger than {filesizeformat(settings.CREATOR_VIDEO_MAX_BYTES)}, the limit."
    return None


def complete_direct_upload(*, post: VideoPost) -> VideoPost:
    """Join the parts the storage holds, if they are exactly what was granted, and queue the content checks."""
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().get(pk=post.pk)
        _require_open(locked)
        parts = uploaded_parts(post=locked)
        if len(parts) < part_count(locked.size_bytes) and all(
            part.size == expected_part_size(locked.size_bytes, part.number) for part in parts
        ):
            # Keep what arrived: the browser resumes with the parts it lacks.
            raise ValidationError(
                f"The upload is not complete: {len(parts)} of {part_count(locked.size_bytes)} parts arrived.",
                code="incomplete",
            )
        bucket, key = _bucket_and_key(locked.source.name)
        client = s3_client(private_storage())
        problem = _problem(locked, parts)
        if problem is None:
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=locked.upload_id,
                MultipartUpload={"Parts": [{"PartNumber": part.number, "ETag": part.etag} for part in parts]},
            )
            stored = client.head_object(Bucket=bucket, Key=key)["ContentLength"]
            if stored != locked.size_bytes or stored > settings.CREATOR_VIDEO_MAX_BYTES:  # never trust one check
                client.delete_object(Bucket=bucket, Key=key)
                problem = "The stored video is not the size it was given; upload it again."
        else:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=locked.upload_id)
        if problem is None:
            # upload_id stays until the media worker has judged the content (posts.process_post).
            locked.status = VideoPost.Status.PROCESSING
            locked.save(update_fields=["status", "updated_at"])
            events.video_uploaded.publish(post_id=locked.pk)
            return locked
        # Nothing of it is kept: the post says why, and the creator starts again.
        locked.upload_id, locked.status, locked.source.name = "", VideoPost.Status.FAILED, ""
        locked.failure_reason = problem[:300]
        locked.save(update_fields=["upload_id", "status", "failure_reason", "source", "updated_at"])
    raise ValidationError(problem, code="upload_refused")
