from celery import shared_task

from shop.models import ProductImage
from shop.services.images import make_renditions


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def make_image_renditions(self, image_id: int) -> dict[str, dict[str, str]] | None:
    """Resize one product image into its WebP and JPEG renditions (queue `media`)."""
    image = ProductImage.objects.filter(pk=image_id).select_related("product").first()
    if image is None:  # deleted before the worker got to it
        return None
    return make_renditions(image=image)
