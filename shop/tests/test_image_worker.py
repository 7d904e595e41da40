"""The media task runs in a real Celery worker process, over the real broker, on the test database."""

import time

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from marketplace.celery import app as celery_app
from shop.models import ProductImage
from shop.services.images import add_product_image
from shop.tests.factories import ProductFactory, image_upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_makes_the_renditions(celery_worker_process):
    celery_app.conf.task_always_eager = False
    product = ProductFactory()

    image = add_product_image(product=product, upload=image_upload(size=(1400, 700)))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        image.refresh_from_db()
        if image.renditions:
            break
        time.sleep(0.2)
    assert sorted(image.renditions["jpeg"], key=int) == ["320", "640", "1280"]
    with default_storage.open(image.renditions["webp"]["1280"]) as file, Image.open(file) as rendition:
        assert rendition.size == (1280, 640)
    assert ProductImage.objects.get().renditions == image.renditions
