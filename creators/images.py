"""Rendition widths and look-ups for creator avatars and video posters (written by marketplace.images)."""

AVATAR_WIDTHS = (64, 128, 256)
POSTER_WIDTHS = (320, 640, 1080)


def rendition_names(renditions: dict) -> list[str]:
    return [name for widths in (renditions or {}).values() for name in widths.values() if name]


def smallest_rendition_at_least(renditions: dict, width: int, image_format: str = "jpeg") -> str | None:
    """The storage name of the narrowest rendition at least `width` wide (else the widest)."""
    widths = sorted((int(w), name) for w, name in (renditions or {}).get(image_format, {}).items())
    for rendition_width, name in widths:
        if rendition_width >= width:
            return name
    return widths[-1][1] if widths else None
