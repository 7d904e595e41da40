"""Media on S3-compatible object storage (moto's server, the real boto3 client): public files at stable URLs
with long cache headers, private ones only through a short-lived signed URL after the app's check."""

import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from marketplace.storage import private_storage, public_storage
from shop.services.returns import request_return
from shop.tests.factories import image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")
from shop.tests.test_return_pages import signed

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


def fetch(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (the test's own S3 server)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_a_public_file_has_a_stable_unsigned_url_that_a_cdn_may_cache_for_a_year(s3_storage):
    name = public_storage().save("products/1/tea.webp", ContentFile(b"RIFF....WEBP"))

    url = public_storage().url(name)
    status, headers, body = fetch(url)

    assert url == f"{s3_storage.endpoint}/{s3_storage.bucket}/public/{name}"
    assert (status, body) == (200, b"RIFF....WEBP")
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_private_file_lives_under_the_private_prefix_and_its_url_is_signed_for_five_minutes(s3_storage, settings):
    name = private_storage().save("labels/ground/label.pdf", ContentFile(b"%PDF-1.7 label"))

    url = private_storage().url(name)
    query = parse_qs(urlsplit(url).query)

    keys = [item["Key"] for item in s3_storage.client.list_objects_v2(Bucket=s3_storage.bucket)["Contents"]]
    assert keys == [f"private/{name}"]
    assert query["X-Amz-Expires"] == [str(settings.PRIVATE_MEDIA_URL_SECONDS)] == ["300"]
    assert "X-Amz-Signature" in query
    assert fetch(url)[2] == b"%PDF-1.7 label"


def test_the_shopper_gets_the_return_label_by_a_signed_redirect_and_a_stranger_gets_nothing(
    s3_storage, client, delivered_order, deliver_events, settings
):
    settings.PRIVATE_MEDIA_URL_SECONDS = 60
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="doesnt_fit")
    deliver_events()  # the label is bought and stored on the bucket
    path = f"/orders/{order.number}/returns/{ret.number}/label.pdf"

    response = client.get(signed(path, order))
    stranger = client.get(path)

    assert response.status_code == 302
    assert "private, no-store" in response["Cache-Control"]
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert location.path.startswith(f"/{s3_storage.bucket}/private/labels/")
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-disposition"] == [f'attachment; filename="return-label-{ret.number}.pdf"']
    status, headers, body = fetch(response["Location"])
    assert (status, body[:4], headers["Content-Type"]) == (200, b"%PDF", "application/pdf")
    assert stranger.status_code == 404


def test_staff_see_a_return_photo_through_a_signed_redirect_and_the_public_media_path_refuses_it(
    s3_storage, staff_client, delivered_order
):
    anonymous = Client()
    order = delivered_order
    ret = request_return(order=order, lines=[(order.tea.pk, 1)], reason="damaged", photos=[image_upload()])
    photo = ret.photos.get()

    response = staff_client.get(reverse("admin:shop_returnrequest_photo", args=[ret.pk, photo.pk]))
    shopper = anonymous.get(reverse("admin:shop_returnrequest_photo", args=[ret.pk, photo.pk]))

    assert response.status_code == 302
    status, headers, body = fetch(response["Location"])
    assert (status, headers["Content-Type"], body[:2]) == (200, "image/jpeg", b"\xff\xd8")
    assert shopper.status_code == 302 and "/admin/login/" in shopper["Location"]
    assert anonymous.get(f"/media/{photo.image.name}").status_code == 404
