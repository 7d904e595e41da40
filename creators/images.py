"""Pillow renditions for creator avatars and video posters (the approach of shop/services/images.py)."""

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

RENDITION_FORMATS = {"webp": "WEBP", "jpeg": "JPEG"}
AVATAR_WIDTHS = (64, 128, 256)
POSTER_WIDTHS = (320, 640, 1080)


def write_renditions(*, picture: Image.Image, folder: str, stem: str, widths: tuple[int, ...]) -> dict:
    """Write each width (never upscaled) as WebP and JPEG under `folder`; returns format -> width -> name."""
    picture = ImageOps.exif_transpose(picture).convert("RGB")
    renditions: dict[str, dict[str, str]] = {name: {} for name in RENDITION_FORMATS}
    for width in sorted({min(width, picture.width) for width in widths}):
        height = max(1, round(picture.height * width / picture.width))
        resized = picture.resize((width, height), Image.Resampling.LANCZOS)
        for name, pillow_format in RENDITION_FORMATS.items():
            buffer = io.BytesIO()
            resized.save(buffer, pillow_format, quality=82, optimize=True)
            path = f"{folder}/{stem}-{width}.{'jpg' if name == 'jpeg' else name}"
            # Same name on a re-run (retries, redelivered tasks): replace rather than pile up copies.
            if default_storage.exists(path):
                default_storage.delete(path)
            renditions[name][str(width)] = default_storage.save(path, ContentFile(buffer.getvalue()))
    return renditions


def rendition_names(renditions: dict) -> list[str]:
    return [name for widths in (renditions or {}).values() for name in widths.values() if name]


def smallest_rendition_at_least(renditions: dict, width: int, image_format: str = "jpeg") -> str | None:
    """The storage name of the narrowest rendition at least `width` wide (else the widest)."""
    widths = sorted((int(w), name) for w, name in (renditions or {}).get(image_format, {}).items())
    for rendition_width, name in widths:
        if rendition_width >= width:
            return name
    return widths[-1][1] if widths else None
