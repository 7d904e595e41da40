"""Video posts: upload, processing (probe, poster, transcode), retry, delete, caption, publish.

Everything processing makes is private (creators.models.studio_path); publishing asks the media worker for
public copies, and unpublishing withdraws them at once (creators/services/post_media.py).
"""

import io
import logging
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from creators import events
from creators.images import POSTER_WIDTHS, rendition_names
from creators.models import Creator, VideoPost
from creators.services import direct_uploads, post_media
from creators.services.post_rules import clean_caption, require_approved
from marketplace import video as media
from marketplace.images import write_renditions
from marketplace.storage import abort_multipart, is_remote, local_copy, private_storage, public_storage

logger = logging.getLogger(__name__)

HASHTAG_RE = re.compile(r"(?<![\w#])#(\w{1,100})")
EXTENSIONS = {"mp4": "mp4", "mov": "mov", "webm": "webm"}


def hashtags(caption: str) -> list[str]:
    """The caption's hashtags, lower-cased, without '#', each once, in order of appearance."""
    seen: dict[str, None] = {}
    for match in HASHTAG_RE.finditer(caption or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def create_post_from_upload(*, creator: Creator, upload: UploadedFile, caption: str = "") -> VideoPost:
    """Check an uploaded video by its content, store it and queue its processing; nothing stored if invalid."""
    require_approved(creator)
    caption = clean_caption(caption)
    try:
        info = media.validate_video(
            upload, max_seconds=settings.CREATOR_VIDEO_MAX_SECONDS, max_bytes=settings.CREATOR_VIDEO_MAX_BYTES
        )
    except ValidationError as error:
        raise ValidationError({"video": error.error_list}) from error
    with transaction.atomic():
        post = VideoPost.objects.create(
            creator=creator,
            caption=caption,
            status=VideoPost.Status.UPLOADING,
            original_filename=os.path.basename(upload.name or "")[:255],
            size_bytes=upload.size or 0,
        )
        upload.seek(0)
        post.source.save(f"{uuid.uuid4().hex}.{EXTENSIONS[info.container]}", upload, save=False)
        post.status = VideoPost.Status.PROCESSING
        post.save(update_fields=["source", "status", "updated_at"])
        events.video_uploaded.publish(post_id=post.pk)
    return post


@contextmanager
def _local_copy(field_file) -> Iterator[str]:
    """A local path of a stored file: the file itself on disk storage, else a temporary download."""
    if not is_remote(field_file.storage):
        yield field_file.storage.path(field_file.name)
        return
    with local_copy(field_file.storage, field_file.name) as path:
        yield path


def _failure_reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)[:300]
    return "We could not process this video. Try again, or export it again as MP4 (H.264) and upload that."


def process_post(*, post_id: int) -> VideoPost | None:
    """Probe, make the poster and its renditions, transcode when browsers need it; ready or failed.

    Idempotent: only a post in `processing` is worked on, outputs have fixed names and are replaced,
    and the row is locked only for the final write (never across FFmpeg's work).
    """
    post = VideoPost.objects.filter(pk=post_id, status=VideoPost.Status.PROCESSING).first()
    if post is None or not post.source:
        return None
    if post.upload_id:
        # Sent straight to object storage: its parts are joined here, off the web request (and checked again).
        problem = direct_uploads.join_parts(post=post)
        if problem is not None:
            return _refuse_stored_upload(post=post, error=ValidationError(problem))
    folder = post_media.studio_folder(post)
    storage = private_storage()
    try:
        with _local_copy(post.source) as source_path:
            if post.upload_id:
                # Sent straight to object storage: judged here for the first time, by the same rules as an
                # upload through the app; what breaks one is deleted.
                try:
                    info = media.validate_video(
                        source_path,
                        max_seconds=settings.CREATOR_VIDEO_MAX_SECONDS,
                        max_bytes=settings.CREATOR_VIDEO_MAX_BYTES,
                    )
                except ValidationError as error:
                    return _refuse_stored_upload(post=post, error=error)
            else:  # checked when it came through the app; kept on failure so that a retry can work
                info = media.probe_video(source_path)
            at = min(1.0, info.duration_seconds / 2)
            poster_image = media.extract_poster(source_path, at_seconds=at)
            poster_name = _replace(storage, f"{folder}/poster.jpg", _jpeg_bytes(poster_image))
            renditions = write_renditions(
                picture=poster_image, folder=folder, stem="poster", widths=POSTER_WIDTHS, storage=storage
            )
            if media.needs_transcode(info):
                with tempfile.TemporaryDirectory() as work:
                    output = Path(work) / "video.mp4"
                    media.transcode_to_mp4(source_path, output)
                    with output.open("rb") as handle:
                        video_name = _replace(storage, f"{folder}/video.mp4", handle)
            else:
                # Already plays everywhere: the upload itself is the private video (copied when published).
                video_name = post.source.name
    except Exception as error:
        logger.warning("Processing video post %s failed", post_id, exc_info=True)
        return _mark_failed(post_id=post_id, reason=_failure_reason(error))
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().filter(pk=post_id, status=VideoPost.Status.PROCESSING).first()
        if locked is None:  # deleted or finished by another run meanwhile: keep no stray files
            stray = {poster_name, *rendition_names(renditions)} | ({video_name} - {post.source.name})
            transaction.on_commit(lambda: _delete_unreferenced(sorted(stray), post_id))
            return None
        locked.private_video.name, locked.private_poster.name = video_name, poster_name
        locked.private_poster_renditions = renditions
        locked.duration_seconds = Decimal(str(info.duration_seconds)).quantize(Decimal("0.001"))
        locked.width, locked.height = info.width, info.height
        locked.status, locked.failure_reason, locked.upload_id = VideoPost.Status.READY, "", ""
        locked.save(
            update_fields=[
                "upload_id",
                "private_video",
                "private_poster",
                "private_poster_renditions",
                "duration_seconds",
                "width",
                "height",
                "status",
                "failure_reason",
                "updated_at",
            ]
        )
    return locked


def _refuse_stored_upload(*, post: VideoPost, error: ValidationError) -> VideoPost | None:
    """A stored upload that breaks the rules is deleted, and the post says why (the creator uploads again)."""
    logger.info("Video post %s refused by content: %s", post.pk, error.messages)
    failed = _mark_failed(post_id=post.pk, reason=_failure_reason(error))
    if failed is not None:
        post.source.storage.delete(post.source.name)
        VideoPost.objects.filter(pk=post.pk).update(source="", upload_id="")
        failed.source.name, failed.upload_id = "", ""
    return failed


def _delete_unreferenced(names: list[str], post_id: int) -> None:
    """Delete files a finished run no longer needs, unless the post (done by another run) uses them."""
    post = VideoPost.objects.filter(pk=post_id).first()
    used = set(post_file_names(post)) if post is not None else set()
    for name in names:
        if name not in used:
            private_storage().delete(name)


def _jpeg_bytes(image) -> File:

    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    buffer.seek(0)
    return File(buffer)


def _replace(storage: Storage, name: str, content) -> str:
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, content if isinstance(content, File) else File(content))


def _mark_failed(*, post_id: int, reason: str) -> VideoPost | None:
    with transaction.atomic():
        post = VideoPost.objects.select_for_update().filter(pk=post_id, status=VideoPost.Status.PROCESSING).first()
        if post is None:
            return None
        post.status, post.failure_reason = VideoPost.Status.FAILED, reason
        post.save(update_fields=["status", "failure_reason", "updated_at"])
    return post


def retry_post(*, post: VideoPost) -> VideoPost:
    """Process a failed post again."""
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().get(pk=post.pk)
        if locked.status != VideoPost.Status.FAILED:
            raise ValidationError("Only a video whose processing failed can be retried.", code="not_failed")
        if not locked.source:  # refused by its content and deleted: nothing left to process
            raise ValidationError("This video was refused and deleted; upload it again.", code="no_source")
        locked.status, locked.failure_reason = VideoPost.Status.PROCESSING, ""
        locked.save(update_fields=["status", "failure_reason", "updated_at"])
        events.video_uploaded.publish(post_id=locked.pk)
    post.status, post.failure_reason = locked.status, ""
    return post


def post_file_names(post: VideoPost) -> list[str]:
    """The private files of a post (its upload and what processing made of it)."""
    return sorted(post_media.kept_names(post))


def delete_post(*, post: VideoPost) -> None:
    """Delete a post, its tags and every file it stored (private, and the public copies of a published one)."""
    source, upload_id = post.source.name, post.upload_id
    private = [name for name in post_file_names(post) if name != source]
    public = post_media.public_names(post)
    with transaction.atomic():
        VideoPost.objects.filter(pk=post.pk).delete()
        transaction.on_commit(lambda: _delete_files(source=source, upload_id=upload_id, private=private, public=public))


def _delete_files(*, source: str, upload_id: str, private: list[str], public: list[str]) -> None:
    storage = private_storage()
    if upload_id and source:
        abort_multipart(storage, name=source, upload_id=upload_id)
    for name in [source, *private]:
        if name:
            storage.delete(name)
    for name in public:
        public_storage().delete(name)


def update_post(*, post: VideoPost, caption: str) -> VideoPost:
    """Change a post's caption (hashtags are read from it)."""
    post.caption = clean_caption(caption)
    post.save(update_fields=["caption", "updated_at"])
    return post


def publish_post(*, post: VideoPost) -> VideoPost:
    """Show a ready post in the feed; only approved creators publish.

    It appears once the media worker has made its public copies (seconds: a copy inside the bucket).
    """
    require_approved(post.creator)
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().get(pk=post.pk)
        if locked.status != VideoPost.Status.READY:
            raise ValidationError("Only a processed (ready) video can be published.", code="not_ready")
        if locked.published_at is None:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])
            post_media.visibility_changed(post=locked)
    post.published_at = locked.published_at
    return post


def unpublish_post(*, post: VideoPost) -> VideoPost:
    """Take a post out of the feed (back to a draft only its creator sees); its public copies are deleted."""
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().get(pk=post.pk)
        locked.published_at = None
        locked.save(update_fields=["published_at", "updated_at"])
        if locked.private_video:
            # Withdrawn now, not when the media worker gets to it; the worker's sync is the backstop.
            names = post_media.withdraw_public_copies(post=locked)
            post_media.delete_public_copies(names, keep=post_media.kept_names(locked))
        # else processed before drafts were private: the worker first keeps a private copy, then withdraws.
        post_media.visibility_changed(post=locked)
    post.published_at = None
    post.video.name, post.poster.name = locked.video.name, locked.poster.name
    post.poster_renditions = locked.poster_renditions
    return post
