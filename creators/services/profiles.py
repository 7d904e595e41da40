"""Creator profiles: applying, editing, and staff review (approve, reject, suspend)."""

import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from creators import events
from creators.images import AVATAR_WIDTHS, rendition_names
from creators.models import HANDLE_VALIDATOR, Creator, VideoPost
from creators.services import post_media
from marketplace.images import write_renditions
from shop.services.images import check_image

CREATOR_TRANSITIONS = {
    Creator.Status.PENDING: {Creator.Status.APPROVED, Creator.Status.REJECTED},
    Creator.Status.APPROVED: {Creator.Status.SUSPENDED},
    Creator.Status.REJECTED: {Creator.Status.APPROVED},
    Creator.Status.SUSPENDED: {Creator.Status.APPROVED},
}


def creator_for_user(*, user: AbstractBaseUser) -> Creator | None:
    """The user's creator profile, or None (anonymous users have none)."""
    if not user.is_authenticated:
        return None
    return Creator.objects.filter(user=user).first()


def _clean_handle(handle: str) -> str:
    handle = (handle or "").strip().lstrip("@").lower()
    try:
        HANDLE_VALIDATOR(handle)
    except ValidationError as error:
        raise ValidationError({"handle": error.messages}) from error
    if Creator.objects.filter(handle__iexact=handle).exists():
        raise ValidationError({"handle": ["This handle is taken. Choose another one."]}, code="handle_taken")
    return handle


def _check_avatar(avatar: UploadedFile | None) -> str | None:
    if avatar is None:
        return None
    try:
        return check_image(avatar)
    except ValidationError as error:
        raise ValidationError({"avatar": error.messages}) from error


def _store_avatar(creator: Creator, avatar: UploadedFile, extension: str) -> list[str]:
    """Save the new avatar under a fresh name; returns the old files to delete after commit."""
    old = [creator.avatar.name, *rendition_names(creator.avatar_renditions)] if creator.avatar else []
    creator.avatar.save(f"{uuid.uuid4().hex}.{extension}", avatar, save=False)
    creator.avatar_renditions = {}
    return [name for name in old if name]


def _delete_files_on_commit(names: list[str]) -> None:

    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


def apply_for_creator_profile(
    *,
    user: AbstractBaseUser,
    handle: str,
    display_name: str,
    country: str,
    bio: str = "",
    avatar: UploadedFile | None = None,
) -> Creator:
    """Create the user's creator profile, awaiting staff approval (once per user)."""
    if Creator.objects.filter(user=user).exists():
        raise ValidationError("You have already applied for a creator profile.", code="already_applied")
    handle = _clean_handle(handle)
    extension = _check_avatar(avatar)
    creator = Creator(user=user, handle=handle, display_name=display_name.strip(), bio=bio.strip(), country=country)
    creator.full_clean(exclude=["avatar", "user"])
    try:
        with transaction.atomic():
            if avatar is not None:
                _store_avatar(creator, avatar, extension)
            creator.save()
            if avatar is not None:
                events.avatar_uploaded.publish(creator_id=creator.pk)
    except IntegrityError as error:  # two applications at once: the database keeps the unique rules
        if creator.avatar:
            creator.avatar.storage.delete(creator.avatar.name)
        raise ValidationError({"handle": ["This handle is taken. Choose another one."]}, code="handle_taken") from error
    return creator


def update_profile(
    *,
    creator: Creator,
    display_name: str,
    country: str,
    bio: str = "",
    avatar: UploadedFile | None = None,
) -> Creator:
    """Change the profile's public details; a new avatar replaces the old one and its renditions."""
    extension = _check_avatar(avatar)
    creator.display_name, creator.bio, creator.country = display_name.strip(), bio.strip(), country
    creator.full_clean(exclude=["avatar", "user", "handle"])
    with transaction.atomic():
        fields = ["display_name", "bio", "country", "updated_at"]
        if avatar is not None:
            _delete_files_on_commit(_store_avatar(creator, avatar, extension))
            fields += ["avatar", "avatar_renditions"]
            events.avatar_uploaded.publish(creator_id=creator.pk)
        creator.save(update_fields=fields)
    return creator


def _review(*, creator: Creator, to: Creator.Status, by: AbstractBaseUser) -> Creator:
    with transaction.atomic():
        locked = Creator.objects.select_for_update().get(pk=creator.pk)
        if to not in CREATOR_TRANSITIONS[Creator.Status(locked.status)]:
            raise ValidationError(
                f"A creator who is {locked.get_status_display().lower()} cannot become {to.label.lower()}.",
                code="illegal_transition",
            )
        was_approved = locked.is_approved
        locked.status, locked.reviewed_by, locked.reviewed_at = to, by, timezone.now()
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        if was_approved != locked.is_approved:
            # Suspended: the published posts' public copies are withdrawn; reinstated: made again.
            for post in VideoPost.objects.filter(creator=locked, published_at__isnull=False).only("pk"):
                post_media.visibility_changed(post=post)
    creator.status, creator.reviewed_by, creator.reviewed_at = locked.status, by, locked.reviewed_at
    return creator


def approve_creator(*, creator: Creator, by: AbstractBaseUser) -> Creator:
    """Staff approve an application (or reinstate a rejected or suspended creator)."""
    return _review(creator=creator, to=Creator.Status.APPROVED, by=by)


def reject_creator(*, creator: Creator, by: AbstractBaseUser) -> Creator:
    """Staff turn down a pending application."""
    return _review(creator=creator, to=Creator.Status.REJECTED, by=by)


def suspend_creator(*, creator: Creator, by: AbstractBaseUser) -> Creator:
    """Staff suspend an approved creator: their posts leave the feed, they cannot upload or publish."""
    return _review(creator=creator, to=Creator.Status.SUSPENDED, by=by)


def make_avatar_renditions(*, creator: Creator) -> dict:
    """Resize the creator's avatar into its WebP and JPEG renditions."""

    if not creator.avatar:
        return {}
    with creator.avatar.open("rb") as source, Image.open(source) as original:
        original.load()
        stem = creator.avatar.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        renditions = write_renditions(
            picture=original, folder=f"creators/{creator.user_id}/avatar/renditions", stem=stem, widths=AVATAR_WIDTHS
        )
    Creator.objects.filter(pk=creator.pk, avatar=creator.avatar.name).update(avatar_renditions=renditions)
    creator.avatar_renditions = renditions
    return renditions
