"""Who can fetch a post's files: only its creator and staff until it is published, anyone while it is.

Processing writes a post's playable video, poster and poster renditions to the private storage (names under
`studio/`), where they stay. While the post is visible to shoppers (published, ready, by an approved
creator) the media worker keeps public copies of them in a fresh folder `videos/<creator>/<post>/<token>/`
(long cache headers, unsigned URLs a CDN may serve); when it stops being visible (unpublished, its creator
suspended) the copies are deleted. `sync_post_media` is the one door: idempotent, it compares what the post
is with what the public folder holds, so a replayed task, a worker killed mid-copy, or two syncs racing
end in the same place. A republished post gets a new token, so no cached URL of an earlier publication
comes back to life.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import PurePosixPath

from django.core.files.storage import Storage
from django.db import transaction

from creators import events
from creators.images import rendition_names
from creators.models import STUDIO_PREFIX, Creator, VideoPost
from marketplace.storage import copy_file, private_storage, public_storage

logger = logging.getLogger(__name__)

PUBLIC_FIELDS = ["video", "poster", "poster_renditions", "updated_at"]


def is_public(post: VideoPost) -> bool:
    """The same rule as VideoPost.objects.published(), less the public copy that this module makes."""
    return (
        post.published_at is not None
        and post.status == VideoPost.Status.READY
        and post.creator.status == Creator.Status.APPROVED
    )


def public_folder(post: VideoPost) -> str:
    return f"videos/{post.creator_id}/{post.pk}"


def studio_folder(post: VideoPost) -> str:
    """Where processing writes a post's private files."""
    return f"{STUDIO_PREFIX}/{post.creator_id}/{post.pk}"


def private_names(post: VideoPost) -> list[str]:
    names = {post.private_video.name, post.private_poster.name, *rendition_names(post.private_poster_renditions)}
    return sorted(name for name in names if name)


def kept_names(post: VideoPost) -> set[str]:
    """Names a withdrawal never deletes: the upload and the private files."""
    return {post.source.name, *private_names(post)} - {""}


def public_names(post: VideoPost) -> list[str]:
    names = {post.video.name, post.poster.name, *rendition_names(post.poster_renditions)}
    return sorted(name for name in names if name)


def visibility_changed(*, post: VideoPost) -> None:
    """Ask the media worker to bring the post's public copies in line (call inside the change's transaction)."""
    events.post_visibility_changed.publish(post_id=post.pk)


def withdraw_public_copies(*, post: VideoPost) -> list[str]:
    """Forget the post's public copies in its row (the caller holds its lock); the names, for deletion."""
    names = public_names(post)
    if names:
        post.video.name, post.poster.name, post.poster_renditions = "", "", {}
        post.save(update_fields=PUBLIC_FIELDS)
    return names


def sync_post_media(*, post_id: int) -> VideoPost | None:
    """Make the public copies match whether the post is visible: copied when it is, deleted when it is not."""
    post = VideoPost.objects.select_related("creator").filter(pk=post_id).first()
    if post is None:
        return None  # deleted: delete_post removed its files
    if public_names(post) and not post.private_video:
        post = _adopt_public_files(post)
    if is_public(post) and post.private_video and not post.video:
        _publish_copies(post)
    elif not is_public(post) and public_names(post):
        with transaction.atomic():
            locked = VideoPost.objects.select_for_update().select_related("creator").get(pk=post.pk)
            if not is_public(locked):
                delete_public_copies(withdraw_public_copies(post=locked), keep=kept_names(locked))
    current = VideoPost.objects.filter(pk=post_id).first()
    if current is not None:
        _sweep(public_folder(current), keep=set(public_names(current)))
    return current


def _copy_media(
    video: str, poster: str, renditions: dict, *, source: Storage, target: Storage, folder: str
) -> tuple[str, str, dict]:
    """A post's video, poster and poster renditions copied into `folder` of another storage: their new names
    (an empty name stays empty)."""

    def copy(name: str) -> str:
        return copy_file(source, name, target, f"{folder}/{PurePosixPath(name).name}") if name else ""

    copied = {
        image_format: {width: copy(name) for width, name in widths.items()}
        for image_format, widths in (renditions or {}).items()
    }
    return copy(video), copy(poster), copied


def _publish_copies(post: VideoPost) -> None:
    video, poster, renditions = _copy_media(
        post.private_video.name,
        post.private_poster.name,
        post.private_poster_renditions,
        source=private_storage(),
        target=public_storage(),
        folder=f"{public_folder(post)}/{secrets.token_hex(8)}",
    )
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().select_related("creator").get(pk=post.pk)
        if is_public(locked) and not locked.video and locked.private_video.name == post.private_video.name:
            locked.video.name, locked.poster.name, locked.poster_renditions = video, poster, renditions
            locked.save(update_fields=PUBLIC_FIELDS)
        # else: unpublished (or published by another run) meanwhile; the sweep deletes these copies.


def _adopt_public_files(post: VideoPost) -> VideoPost:
    """A post processed before drafts were private: its files become the private masters first."""
    video, poster, renditions = _copy_media(
        post.video.name,
        post.poster.name,
        post.poster_renditions,
        source=public_storage(),
        target=private_storage(),
        folder=studio_folder(post),
    )
    with transaction.atomic():
        locked = VideoPost.objects.select_for_update().select_related("creator").get(pk=post.pk)
        if not locked.private_video:
            locked.private_video.name, locked.private_poster.name = video, poster
            locked.private_poster_renditions = renditions
            locked.save(update_fields=["private_video", "private_poster", "private_poster_renditions", "updated_at"])
    return locked


def delete_public_copies(names: list[str], *, keep: set[str]) -> None:
    """Delete public copies once their row forgot them (after commit); never a private master of the same name.

    On the local disk both storages share MEDIA_ROOT, and a post processed long ago used its upload as its
    public video: `keep` spares it.
    """
    storage = public_storage()

    def delete() -> None:
        for name in names:
            if name not in keep:
                storage.delete(name)

    transaction.on_commit(delete)


def _sweep(folder: str, *, keep: set[str]) -> None:
    """Delete what the public folder holds that the post does not use (earlier publications, stray copies)."""
    storage: Storage = public_storage()
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{folder}/{name}"
        if path not in keep:
            storage.delete(path)
    for inner in folders:
        _sweep(f"{folder}/{inner}", keep=keep)
