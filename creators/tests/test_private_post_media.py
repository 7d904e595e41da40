"""A post's files are private until it is published (local disk: `make run`'s storage).

Processing writes them under studio/, which /media/ refuses; the creator and staff see them through the
permission-checked view. Publishing makes public copies (the media worker); unpublishing, or the creator's
suspension, withdraws them.
"""

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from creators.models import Creator, VideoPost
from creators.services import post_media, posts, profiles
from creators.tests import studio_helpers
from creators.tests.factories import CreatorFactory, VideoPostFactory
from creators.tests.studio_helpers import clip_upload, stored_files
from creators.tests.test_admin_tag_writes import _post_page
from marketplace.storage import public_storage
from marketplace.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
creator = studio_helpers.creator
creator_client = studio_helpers.creator_client
isolated_media = studio_helpers.isolated_media


@pytest.fixture
def draft(creator, tmp_path, deliver_events) -> VideoPost:
    """A processed, unpublished post (a real 1 s clip)."""
    post = posts.create_post_from_upload(creator=creator, upload=clip_upload(tmp_path), caption="Soon #ootd")
    deliver_events()  # the media worker: poster, renditions
    post.refresh_from_db()
    assert post.status == VideoPost.Status.READY
    return post


def media_view(post: VideoPost, name: str) -> str:
    return f"/studio/posts/{post.pk}/media/{name.rsplit('/', 1)[-1]}"


def test_a_drafts_files_are_private_and_the_public_media_path_refuses_them(draft, client):
    names = post_media.private_names(draft)

    assert all(name.startswith(f"studio/{draft.creator_id}/") for name in names)
    assert stored_files("videos") == []  # nothing public
    assert (draft.video.name, draft.poster.name, draft.poster_renditions) == ("", "", {})
    for name in names:
        assert client.get(f"/media/{name}").status_code == 404


def test_the_creator_and_staff_see_a_draft_through_the_app_and_nobody_else_does(draft, creator_client):
    staff = Client()
    staff.force_login(UserFactory(is_staff=True))
    stranger = Client()
    stranger.force_login(CreatorFactory().user)
    video, poster = media_view(draft, draft.private_video.name), media_view(draft, draft.private_poster.name)

    mine = creator_client.get(video, headers={"Range": "bytes=0-9"})
    staff_sees = staff.get(poster)
    page = creator_client.get(f"/studio/posts/{draft.pk}/").content.decode()

    assert (mine.status_code, mine["Content-Type"], mine["Cache-Control"]) == (206, "video/mp4", "private, no-store")
    assert b"".join(mine.streaming_content) == draft.private_video.open("rb").read(10)
    assert (staff_sees.status_code, staff_sees["Content-Type"]) == (200, "image/jpeg")
    assert stranger.get(video).status_code == 404
    anonymous = Client().get(video)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert creator_client.get(f"/studio/posts/{draft.pk}/media/other.mp4").status_code == 404
    assert f'src="{video}"' in page and f'poster="{poster}"' in page


def test_publishing_makes_public_copies_and_unpublishing_withdraws_them(
    draft, creator_client, client, deliver_events, django_capture_on_commit_callbacks
):
    creator_client.post(f"/studio/posts/{draft.pk}/publish/")
    in_feed_before_copies = VideoPost.objects.published().filter(pk=draft.pk).exists()
    deliver_events()  # the media worker copies them
    draft.refresh_from_db()
    public = post_media.public_names(draft)
    served = client.get(f"/media/{draft.video.name}")
    page = client.get(f"/v/{draft.pk}/").content.decode()

    assert not in_feed_before_copies  # the feed never links a file that is not there yet
    assert re.fullmatch(rf"videos/{draft.creator_id}/{draft.pk}/[0-9a-f]{{16}}/[0-9a-f]{{32}}\.mp4", draft.video.name)
    assert sorted(stored_files("videos")) == public and len(public) == 2 + 2  # video, poster, JPEG and WebP
    assert (served.status_code, served["Cache-Control"]) == (200, "public, max-age=31536000, immutable")
    assert draft.video.url in page

    with django_capture_on_commit_callbacks(execute=True):
        creator_client.post(f"/studio/posts/{draft.pk}/unpublish/")
    draft.refresh_from_db()

    assert (draft.video.name, draft.poster.name, draft.poster_renditions) == ("", "", {})
    assert stored_files("videos") == []  # gone at once, not when the worker gets to it
    assert client.get(served.request["PATH_INFO"]).status_code == 404
    assert creator_client.get(media_view(draft, draft.private_video.name)).status_code == 200
    deliver_events()  # the worker's sync finds nothing more to do
    assert stored_files("videos") == []
    assert stored_files("studio") == sorted({draft.source.name, *post_media.private_names(draft)})


def test_a_republished_post_gets_new_public_urls(draft, deliver_events):
    posts.publish_post(post=draft)
    deliver_events()
    draft.refresh_from_db()
    first = draft.video.name
    posts.unpublish_post(post=draft)
    posts.publish_post(post=draft)
    deliver_events()
    draft.refresh_from_db()

    assert draft.video.name != first and draft.video.name.rsplit("/", 1)[-1] == first.rsplit("/", 1)[-1]
    assert stored_files("videos") == post_media.public_names(draft)


def test_a_suspended_creators_public_copies_are_withdrawn_and_made_again_when_reinstated(
    draft, deliver_events, staff_user
):
    posts.publish_post(post=draft)
    deliver_events()

    profiles.suspend_creator(creator=draft.creator, by=staff_user)
    deliver_events()
    draft.refresh_from_db()
    withdrawn = (draft.video.name, stored_files("videos"))
    profiles.approve_creator(creator=draft.creator, by=staff_user)
    deliver_events()
    draft.refresh_from_db()

    assert withdrawn == ("", [])
    assert draft.video.name and stored_files("videos") == post_media.public_names(draft)


def test_syncing_twice_changes_nothing_and_strays_in_the_public_folder_are_swept(draft, deliver_events):
    posts.publish_post(post=draft)
    deliver_events()
    draft.refresh_from_db()
    stray = f"videos/{draft.creator_id}/{draft.pk}/0123456789abcdef/video.mp4"  # a run killed mid-copy
    public_storage().save(stray, ContentFile(b"half"))

    post_media.sync_post_media(post_id=draft.pk)
    post_media.sync_post_media(post_id=draft.pk)

    assert VideoPost.objects.get(pk=draft.pk).video.name == draft.video.name
    assert stored_files("videos") == post_media.public_names(draft)


def test_a_post_published_before_drafts_were_private_keeps_a_private_copy_when_unpublished(
    creator, creator_client, deliver_events, django_capture_on_commit_callbacks
):
    old = VideoPostFactory(creator=creator)  # public video, no private copy
    public_name = old.video.name

    with django_capture_on_commit_callbacks(execute=True):
        posts.unpublish_post(post=old)
        deliver_events()
    old.refresh_from_db()

    assert old.video.name == "" and public_name not in stored_files("videos")
    assert old.private_video.name.startswith(f"studio/{creator.pk}/{old.pk}/")
    assert creator_client.get(old.studio_video_url).status_code == 200
    assert old.creator.status == Creator.Status.APPROVED


def test_staff_hiding_a_post_in_the_admin_withdraw_its_public_copies(draft, staff_client, deliver_events):
    posts.publish_post(post=draft)
    deliver_events()
    draft.refresh_from_db()
    assert stored_files("videos")
    page = _post_page(draft) | {"published_at_0": "", "published_at_1": ""}  # staff empty "published at"

    response = staff_client.post(reverse("admin:creators_videopost_change", args=[draft.pk]), page)
    deliver_events()
    draft.refresh_from_db()

    assert response.status_code == 302
    assert (draft.published_at, draft.video.name, stored_files("videos")) == (None, "", [])
    assert staff_client.get(draft.studio_video_url).status_code == 200  # staff still watch it, through the app
