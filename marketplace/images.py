"""Pillow renditions shared by product images, creator avatars and video posters."""

import io
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from PIL import Image, ImageOps

RENDITION_FORMATS = {"webp": "WEBP", "jpeg": "JPEG"}


def write_renditions(
    *, picture: Image.Image, folder: str, stem: str, widths: Iterable[int], storage: Storage | None = None
) -> dict[str, dict[str, str]]:
    """Write each width (never upscaled) as WebP and JPEG under `folder` (public media unless another storage
    is given); returns format -> width -> name."""
    storage = storage or default_storage
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
            if storage.exists(path):
                storage.delete(path)
            renditions[name][str(width)] = storage.save(path, ContentFile(buffer.getvalue()))
    return renditions
