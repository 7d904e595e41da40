"""Fixtures and helpers shared by the creator studio tests (imported by the test modules)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from creators.models import Creator
from creators.tests.factories import CreatorFactory
from marketplace.video import make_test_clip

W, H = 160, 284


def clip_upload(tmp_path: Path, name: str = "clip.mp4", **options) -> SimpleUploadedFile:
    """A tiny real clip (1 s, 160x284 H.264 MP4 unless told otherwise) as a browser would upload it."""
    options = {"seconds": 1, "width": W, "height": H, **options}
    path = make_test_clip(tmp_path / f"made-{name}", **options)
    return SimpleUploadedFile(name, path.read_bytes(), content_type="video/mp4")


@pytest.fixture(scope="session")
def huge_clip(tmp_path_factory) -> Path:
    """A real 10000x10000 H.264 MP4 of one frame (about 3 s to encode, so made once per run)."""
    return make_test_clip(tmp_path_factory.mktemp("huge") / "huge.mp4", seconds=1 / 24, width=10_000, height=10_000)


def stored_files(*folders: str) -> list[str]:
    """Every file under these folders of MEDIA_ROOT (a post's private and public ones unless told), relative."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(
        str(path.relative_to(root))
        for folder in folders or ("studio", "videos")
        for path in (root / folder).rglob("*")
        if path.is_file()
    )


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path_factory) -> Path:
    """A fresh MEDIA_ROOT per test, so 'nothing stored' is checked on an empty folder."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def creator(db) -> Creator:
    return CreatorFactory(status=Creator.Status.APPROVED)


@pytest.fixture
def creator_client(client, creator):
    client.force_login(creator.user)
    client.creator = creator
    return client


@pytest.fixture
def creator_api(api_client, creator):
    api_client.force_authenticate(creator.user)
    api_client.creator = creator
    return api_client
