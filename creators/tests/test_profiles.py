"""Creator profiles: applying once with a unique handle, avatar checks, staff review."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from creators.models import Creator
from creators.services import profiles
from creators.tests.factories import CreatorFactory
from marketplace.tests.factories import UserFactory
from shop.tests.factories import image_upload

pytestmark = pytest.mark.django_db


def _apply(user, **overrides):
    data = {"handle": "ada.lovelace", "display_name": "Ada", "country": "GB", "bio": "Engines."} | overrides
    return profiles.apply_for_creator_profile(user=user, **data)


def test_any_user_can_apply_and_waits_for_approval(user):
    creator = _apply(user)

    assert (creator.handle, creator.status, creator.user) == ("ada.lovelace", Creator.Status.PENDING, user)
    assert creator.reviewed_at is None


def test_a_user_applies_only_once(user):
    _apply(user)

    with pytest.raises(ValidationError) as excinfo:
        _apply(user, handle="another")

    assert excinfo.value.code == "already_applied"
    assert Creator.objects.filter(user=user).count() == 1


def test_handles_are_unique_whatever_the_case(user):
    CreatorFactory(handle="ada.lovelace")

    with pytest.raises(ValidationError) as excinfo:
        _apply(user, handle="Ada.Lovelace")

    assert "taken" in excinfo.value.message_dict["handle"][0]
    assert not Creator.objects.filter(user=user).exists()


@pytest.mark.parametrize("handle", ["ab", "-ada", "ada-", "ada lovelace", "x" * 31, "ada!"])
def test_a_malformed_handle_is_refused(user, handle):
    with pytest.raises(ValidationError) as excinfo:
        _apply(user, handle=handle)

    assert "handle" in excinfo.value.message_dict
    assert not Creator.objects.exists()


def test_an_avatar_is_checked_by_content_and_gets_renditions(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        creator = _apply(user, avatar=image_upload("me.png", size=(400, 400), image_format="PNG"))

    creator.refresh_from_db()
    assert creator.avatar.name.endswith(".png")
    assert sorted(creator.avatar_renditions["webp"]) == ["128", "256", "64"]
    assert creator.avatar.storage.exists(creator.avatar_renditions["jpeg"]["256"])


def test_a_text_file_named_like_a_picture_is_not_an_avatar(user):
    fake = SimpleUploadedFile("me.jpg", b"not a picture at all", content_type="image/jpeg")

    with pytest.raises(ValidationError) as excinfo:
        _apply(user, avatar=fake)

    assert "avatar" in excinfo.value.message_dict
    assert not Creator.objects.exists()


def test_update_profile_replaces_the_avatar(django_capture_on_commit_callbacks):
    creator = CreatorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        profiles.update_profile(creator=creator, display_name="New name", country="FR", avatar=image_upload())
    first = creator.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        profiles.update_profile(creator=creator, display_name="New name", country="FR", avatar=image_upload())

    creator.refresh_from_db()
    assert (creator.display_name, creator.country.code) == ("New name", "FR")
    assert creator.avatar.name != first
    assert not creator.avatar.storage.exists(first)


def test_staff_approve_reject_and_suspend_with_a_record_of_who(staff_user):
    pending, other = CreatorFactory(status=Creator.Status.PENDING), CreatorFactory(status=Creator.Status.PENDING)

    profiles.approve_creator(creator=pending, by=staff_user)
    profiles.reject_creator(creator=other, by=staff_user)
    profiles.suspend_creator(creator=pending, by=staff_user)

    pending.refresh_from_db()
    other.refresh_from_db()
    assert (pending.status, pending.reviewed_by) == (Creator.Status.SUSPENDED, staff_user)
    assert (other.status, other.reviewed_by) == (Creator.Status.REJECTED, staff_user)
    assert pending.reviewed_at is not None


def test_an_approved_creator_cannot_be_rejected(staff_user):
    creator = CreatorFactory(status=Creator.Status.APPROVED)

    with pytest.raises(ValidationError) as excinfo:
        profiles.reject_creator(creator=creator, by=staff_user)

    assert excinfo.value.code == "illegal_transition"
    creator.refresh_from_db()
    assert creator.status == Creator.Status.APPROVED


def test_the_apply_page_creates_a_pending_profile_and_shows_awaiting_approval(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/studio/apply/", {"handle": "newbie", "display_name": "New", "country": "US", "bio": ""}, follow=True
    )

    assert response.status_code == 200
    assert Creator.objects.get(user=user).status == Creator.Status.PENDING
    assert "awaiting approval" in response.text


def test_the_apply_page_shows_a_taken_handle(client):
    CreatorFactory(handle="taken")
    client.force_login(UserFactory())

    response = client.post("/studio/apply/", {"handle": "TAKEN", "display_name": "X", "country": "US"})

    assert response.status_code == 400
    assert "This handle is taken" in response.text
