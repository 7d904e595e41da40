"""The studio's direct upload in Chromium against moto's S3 server: the video goes to the bucket in parts with
a progress bar, a broken connection stops it, and choosing the same file again sends only the missing parts."""

import pytest

from creators.models import VideoPost
from creators.tests.factories import CreatorFactory
from creators.tests.test_studio_browser import _log_in
from marketplace.tests.screens import DESKTOP, PHONE, page_width
from marketplace.video import make_test_clip

pytestmark = [pytest.mark.browser, pytest.mark.s3, pytest.mark.django_db(transaction=True)]
PART = 4096


@pytest.fixture
def studio_on_s3(s3_storage, settings):
    """The page may talk to the bucket (CSP), in small parts so a tiny clip has several."""
    settings.CREATOR_VIDEO_UPLOAD_PART_BYTES = PART
    endpoint = s3_storage.endpoint
    csp = settings.CONTENT_SECURITY_POLICY
    for directive in ("img-src 'self'", "media-src 'self'", "connect-src 'self'"):
        csp = csp.replace(directive, f"{directive} {endpoint}")
    settings.CONTENT_SECURITY_POLICY = csp
    return s3_storage


def test_an_interrupted_direct_upload_resumes_with_the_missing_parts_only(live_server, page, studio_on_s3, tmp_path):
    page.set_viewport_size(PHONE)
    clip = make_test_clip(tmp_path / "look.mp4", seconds=1, width=160, height=284)
    parts = -(-clip.stat().st_size // PART)
    assert parts >= 3
    _log_in(page, live_server, CreatorFactory().user)
    sent: list[int] = []
    page.on(
        "request",
        lambda request: (
            sent.append(int(request.url.split("partNumber=")[1].split("&")[0]))
            if request.method == "PUT" and "partNumber=" in request.url
            else None
        ),
    )

    # The connection drops on part 2.
    page.route(lambda url: "partNumber=2&" in url or url.endswith("partNumber=2"), lambda route: route.abort())
    page.goto(live_server.url + "/studio/upload/")
    page.get_by_label("Caption").fill("Autumn look")
    page.get_by_label("Video").set_input_files(str(clip))
    page.get_by_role("button", name="Upload").click()
    error = page.locator(".studio-upload-error")
    error.wait_for()
    assert "interrupted" in error.inner_text() and "resumes" in error.inner_text()
    assert page.locator("#studio-upload-progress").get_attribute("value") != "0"
    assert page_width(page) <= PHONE["width"]
    post = VideoPost.objects.get()
    assert post.status == VideoPost.Status.UPLOADING

    # Back online: the same file again sends parts 2.. only, and the post is processed.
    page.unroute_all()
    sent.clear()
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(f"**/studio/posts/{post.pk}/")
    post.refresh_from_db()
    assert sent == list(range(2, parts + 1))
    assert (post.status, post.caption) == (VideoPost.Status.READY, "Autumn look")
    # A draft: the studio plays it through the permission-checked view (a signed redirect to the private prefix).
    assert post.video.name == "" and post.private_video.name.startswith(f"studio/{post.creator_id}/")
    assert page.locator("#studio-video").get_attribute("src") == post.studio_video_url

    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/studio/upload/")
    assert page_width(page) <= DESKTOP["width"]
