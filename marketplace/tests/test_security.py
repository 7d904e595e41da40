import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

pytestmark = pytest.mark.django_db


def test_pages_send_the_security_headers(client):
    response = client.get("/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_forms_need_a_csrf_token():
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post("/accounts/login/", {"username": "a", "password": "b"})

    assert response.status_code == 403


def test_staff_pages_are_for_staff_only(client, user, staff_user):
    assert client.get("/admin/").status_code == 302
    client.force_login(user)
    assert client.get("/admin/").status_code == 302
    client.force_login(staff_user)
    assert client.get("/admin/").status_code == 200


def test_media_is_never_served_as_html():
    default_storage.save("products/1/evil.html", ContentFile(b"<script>alert(1)</script>"))

    from django.test import Client

    assert Client().get("/media/products/1/evil.html").status_code == 404


def test_media_images_are_served_sandboxed_with_their_image_type(client):
    name = default_storage.save("products/1/pic.png", ContentFile(b"\x89PNG\r\n\x1a\n not really"))

    response = client.get(f"/media/{name}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_media_paths_cannot_climb_out_of_media_root(client):
    assert client.get("/media/../settings.png").status_code == 404
    assert client.get("/media/%2e%2e/x.png").status_code == 404
