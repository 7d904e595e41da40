"""Rules every way of making a post applies: who may post, and what a caption may hold."""

from django.core.exceptions import ValidationError

from creators.models import Creator, VideoPost


def require_approved(creator: Creator) -> None:
    if not creator.is_approved:
        raise ValidationError(
            f"Only approved creators can do this; your profile is {creator.get_status_display().lower()}.",
            code="creator_not_approved",
        )


def clean_caption(caption: str) -> str:
    caption = (caption or "").strip()
    limit = VideoPost._meta.get_field("caption").max_length
    if len(caption) > limit:
        raise ValidationError({"caption": [f"Captions are at most {limit} characters."]})
    return caption
