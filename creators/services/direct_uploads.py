"""Videos sent by the browser straight to object storage, in signed parts, then checked by the media worker.

The app decides everything a client could abuse: the object's key (under the post's folder in the private
prefix), the part size, how many parts (from the declared size, at most CREATOR_VIDEO_MAX_BYTES), and each
part's URL (signed for that key, upload, part number and the part's exact length: S3 refuses a body of
another length). When the browser says it is done, the web request only asks the storage which parts
arrived (ListParts) and queues the post; a part of the wrong size, more bytes than declared, or a total over
the limit aborts the upload (nothing is kept). The `media` worker joins the parts (`join_parts`: checked
again, then CompleteMultipartUpload, which takes seconds to minutes for a large video and so never runs in a
web request), checks the stored object's size, judges it by its content with the same rules as an upload
through the app, and deletes it if it breaks one (creators/services/posts.py).
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
from creators.models import Creator, VideoPost, studio_path
from creators.services.post_rules import clean_caption, require_approved
from marketplace.storage import (
    abort_multipart,
    complete_multipart,
    is_remote,
    multipart_parts,
    private_storage,
    s3_client,
    s3_key,
    stored_size,
)

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
    require_approved(creator)
    caption = clean_caption(caption)
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
        name = studio_path(post, f"{uuid.uuid4().hex}.{EXTENSIONS[extension]}")
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
    return _stored_parts(post)


def _stored_parts(post: VideoPost) -> list[Part]:
    found = multipart_parts(private_storage(), name=post.source.name, upload_id=post.upload_id)
    return [Part(number=item["PartNumber"], size=item["Size"], etag=item["ETag"]) for item in found]


def part_urls(*, post: VideoPost, numbers: list[int]) -> dict[int, str]:
    """Signed PUT URLs for these parts of this post's upload, and no other, each for its exact length."""
    _require_open(post)
    count = part_count(post.size_bytes)
    if not numbers or any(not 1 <= number <= count for number in numbers):
        raise ValidationError(f"Parts are numbered 1 to {count}.", code="part_number")
    bucket, key = _bucket_and_key(post.source.name)
    client = s3_client(private_storage())
    return {
        number: client.generate_presigned_url(
            "upload_part",
            # Content-Length is one of the signed headers: a body of any other length breaks the signature.
            Params={
                "Bucket": bucket,
                "Key": key,
                "UploadId": post.upload_id,
                "PartNumber": number,
                "ContentLength": expected_part_size(post.size_bytes, number),
            },
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
    """Check that the storage holds exactly the parts granted, and queue the post for the media worker.

    Only ListParts here: joining the parts (CompleteMultipartUpload) is the worker's (`join_parts`).
    """
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().get(pk=post.pk)
        _require_open(locked)
        parts = _stored_parts(locked)
        if len(parts) < part_count(locked.size_bytes) and all(
            part.size == expected_part_size(locked.size_bytes, part.number) for part in parts
        ):
            # Keep what arrived: the browser resumes with the parts it lacks.
            raise ValidationError(
                f"The upload is not complete: {len(parts)} of {part_count(locked.size_bytes)} parts arrived.",
                code="incomplete",
            )
        problem = _problem(locked, parts)
        if problem is None:
            # upload_id stays: it tells the worker to join the parts first (posts.process_post).
            locked.status = VideoPost.Status.PROCESSING
            locked.save(update_fields=["status", "updated_at"])
            events.video_uploaded.publish(post_id=locked.pk)
            return locked
        bucket, key = _bucket_and_key(locked.source.name)
        s3_client(private_storage()).abort_multipart_upload(Bucket=bucket, Key=key, UploadId=locked.upload_id)
        _forget_upload(locked, problem)
    raise ValidationError(problem, code="upload_refused")


def _forget_upload(post: VideoPost, problem: str) -> None:
    """Nothing of the upload is kept: the post says why, and the creator starts again."""
    post.upload_id, post.status, post.source.name = "", VideoPost.Status.FAILED, ""
    post.failure_reason = problem[:300]
    post.save(update_fields=["upload_id", "status", "failure_reason", "source", "updated_at"])


def join_parts(*, post: VideoPost) -> str | None:
    """The media worker's first step for a direct upload: join the parts into the object; a problem, or None.

    Checked again, since the part URLs stay valid for a while after the browser said it was done. Safe to
    repeat (a replayed task, a worker killed mid-way): an upload already joined is taken as its object,
    checked by size like any other. What is refused is deleted (the caller marks the post failed).
    """
    storage = private_storage()
    client = s3_client(storage)
    try:
        parts = _stored_parts(post)
    except client.exceptions.NoSuchUpload:
        parts = None  # joined by an earlier run (or aborted): the object, if any, is what counts
    if parts is not None:
        problem = _problem(post, parts)
        if problem is not None:
            abort_multipart(storage, name=post.source.name, upload_id=post.upload_id)
            return problem
        raw = [{"PartNumber": part.number, "ETag": part.etag} for part in parts]
        stored = complete_multipart(storage, name=post.source.name, upload_id=post.upload_id, parts=raw)
    else:
        stored = stored_size(storage, post.source.name)
    if stored is None:
        return "The upload was lost before it was stored; upload the video again."
    if stored != post.size_bytes or stored > settings.CREATOR_VIDEO_MAX_BYTES:  # never trust one check
        storage.delete(post.source.name)
        return "The stored video is not the size it was given; upload it again."
    return None
