import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop.models import ProductImage
from shop.services.images import add_product_image, check_image, delete_product_image, reorder_product_images
from shop.tests.factories import ProductFactory, image_upload

pytestmark = pytest.mark.django_db


def test_a_text_file_named_jpg_is_refused_with_a_clear_message():
    upload = SimpleUploadedFile("photo.jpg", b"just some text, not a picture", content_type="image/jpeg")

    with pytest.raises(ValidationError, match="not an image we can read"):
        check_image(upload)


def test_html_named_png_is_refused():
    upload = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>", content_type="image/png")

    with pytest.raises(ValidationError, match="not an image"):
        check_image(upload)


def test_a_truncated_jpeg_is_refused():
    data = image_upload().read()
    with pytest.raises(ValidationError, match="not an image"):
        check_image(SimpleUploadedFile("cut.jpg", data[: len(data) // 2]))


def test_an_unaccepted_format_is_refused_by_name():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "BMP")
    with pytest.raises(ValidationError, match="BMP images are not accepted"):
        check_image(SimpleUploadedFile("a.bmp", buffer.getvalue()))


def test_too_many_pixels_is_refused_before_decoding(settings):
    settings.IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationError, match="at most 10,000 pixels"):
        check_image(image_upload(size=(101, 100), image_format="PNG"))


def test_a_decompression_bomb_is_refused():
    # A tiny file that claims a huge canvas: Pillow's own bomb check must not let it through.
    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ValidationError):
        check_image(SimpleUploadedFile("bomb.png", buffer.getvalue()))


def test_too_large_a_file_is_refused(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="larger than"):
        check_image(image_upload(size=(400, 400)))


def test_the_stored_name_follows_the_content_not_the_upload_name(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = add_product_image(product=product, upload=image_upload("page.html", image_format="PNG"))

    assert Path(image.image.name).suffix == ".png"
    assert (image.width, image.height) == (800, 600)


def test_renditions_are_made_in_webp_and_jpeg_without_upscaling(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = add_product_image(product=product, upload=image_upload(size=(800, 600)))

    image.refresh_from_db()
    assert set(image.renditions) == {"webp", "jpeg"}
    assert sorted(image.renditions["webp"], key=int) == ["320", "640", "800"]
    with default_storage.open(image.renditions["webp"]["320"]) as file, Image.open(file) as rendition:
        assert (rendition.format, rendition.size) == ("WEBP", (320, 240))
    with default_storage.open(image.renditions["jpeg"]["800"]) as file, Image.open(file) as rendition:
        assert (rendition.format, rendition.size) == ("JPEG", (800, 600))


def test_new_images_go_last_and_can_be_reordered(django_capture_on_commit_callbacks):
    product = ProductFactory()
    first = add_product_image(product=product, upload=image_upload())
    second = add_product_image(product=product, upload=image_upload())
    assert [first.position, second.position] == [1, 2]

    reorder_product_images(product=product, image_ids=[second.pk, first.pk])

    assert list(product.images.values_list("pk", flat=True)) == [second.pk, first.pk]
    with pytest.raises(ValidationError):
        reorder_product_images(product=product, image_ids=[second.pk])


def test_deleting_an_image_removes_its_files(django_capture_on_commit_callbacks):
    product = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = add_product_image(product=product, upload=image_upload())
    image.refresh_from_db()
    names = [image.image.name, *image.renditions["webp"].values()]

    with django_capture_on_commit_callbacks(execute=True):
        delete_product_image(image=image)

    assert not ProductImage.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
