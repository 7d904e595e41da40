"""Product images: checked by content, stored under a safe name, resized into renditions by a task."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from marketplace.images import write_renditions
from shop import events
from shop.models import Product, ProductImage
from shop.signals import announce_product_shown_changed

# Pillow format name -> stored extension. Anything else (SVG, TIFF, text named .jpg) is refused.
ACCEPTED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def check_image(upload: UploadedFile) -> str:
    """Check an uploaded image by its content; returns the extension to store it under."""
    if upload.size is not None and upload.size > settings.IMAGE_UPLOAD_MAX_BYTES:
        limit = filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)
        raise ValidationError(f"The image is larger than {limit}.", code="image_too_large")
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            image_format = image.format
            width, height = image.size
            limit = settings.IMAGE_MAX_PIXELS
            if width * height > limit:
                raise ValidationError(
                    f"The image has {width} x {height} pixels; at most {limit:,} pixels are accepted.",
                    code="image_too_many_pixels",
                )
            image.verify()
        # verify() leaves the image unusable and misses truncation: decode it fully once.
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            "This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF picture.", code="image_invalid"
        ) from error
    finally:
        upload.seek(0)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            f"{image_format} images are not accepted. Upload a JPEG, PNG, WebP or GIF picture.",
            code="image_format",
        )
    return ACCEPTED_FORMATS[image_format]


def add_product_image(*, product: Product, upload: UploadedFile, alt_text: str = "") -> ProductImage:
    """Store a checked image as the product's last one and queue its renditions."""
    extension = check_image(upload)
    with transaction.atomic():
        # Lock the product row so two uploads at once never take the same position.
        Product.objects.select_for_update().filter(pk=product.pk).values_list("pk").get()
        last = ProductImage.objects.filter(product=product).aggregate(last=Max("position"))
        image = ProductImage(product=product, alt_text=alt_text or product.title, position=(last["last"] or 0) + 1)
        image.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        image.save()
        announce_product_shown_changed(product_ids=[product.pk])
        events.product_image_uploaded.publish(image_id=image.pk)
    return image


def request_renditions(*, image_ids: list[int]) -> None:
    """Make the images' renditions again (staff, after a failure): announced like a new upload."""
    with transaction.atomic():
        for image_id in image_ids:
            events.product_image_uploaded.publish(image_id=image_id)


def reorder_product_images(*, product: Product, image_ids: list[int]) -> None:
    """Put the product's images in the given order; ids must be exactly the product's images."""
    current = set(product.images.values_list("pk", flat=True))
    if set(image_ids) != current or len(image_ids) != len(current):
        raise ValidationError("The new order must list each of the product's images once.", code="image_order")
    with transaction.atomic():
        for position, image_id in enumerate(image_ids, start=1):
            ProductImage.objects.filter(pk=image_id, product=product).update(position=position)
        # The gallery's order is the product's: its pages (cached by update time) show the new one.
        Product.objects.filter(pk=product.pk).update(updated_at=timezone.now())
        announce_product_shown_changed(product_ids=[product.pk])


def move_product_image(*, image: ProductImage, offset: int) -> None:
    """Move an image up (-1) or down (+1) among its product's images."""
    ids = list(image.product.images.order_by("position", "id").values_list("pk", flat=True))
    index = ids.index(image.pk)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    reorder_product_images(product=image.product, image_ids=ids)


def update_product_image(*, image: ProductImage, alt_text: str) -> ProductImage:
    """Change an image's text alternative."""
    image.alt_text = alt_text
    image.full_clean(exclude=["image"])
    image.save(update_fields=["alt_text"])
    return image


def delete_product_image(*, image: ProductImage) -> None:
    """Delete an image, its file and its renditions."""
    names = [image.image.name] + [name for widths in image.renditions.values() for name in widths.values()]
    with transaction.atomic():
        image.delete()
        announce_product_shown_changed(product_ids=[image.product_id])
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names if name])


def make_renditions(*, image: ProductImage) -> dict[str, dict[str, str]]:
    """Write each configured width (never upscaled) as WebP and JPEG; returns format -> width -> name."""
    stem = image.image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    with image.image.open("rb") as source, Image.open(source) as original:
        renditions = write_renditions(
            picture=original,
            folder=f"products/{image.product_id}/renditions",
            stem=stem,
            widths=settings.IMAGE_RENDITION_WIDTHS,
        )
    with transaction.atomic():
        ProductImage.objects.filter(pk=image.pk).update(renditions=renditions)
        announce_product_shown_changed(product_ids=[image.product_id])
    image.renditions = renditions
    return renditions
