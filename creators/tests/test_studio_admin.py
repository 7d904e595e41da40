"""Staff pages for creators, posts and tags: review actions through the services, constant queries."""

import re

import pytest

from creators.models import Creator
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory

pytestmark = pytest.mark.django_db


def test_admin_actions_approve_through_the_service(staff_client, staff_user):
    pending = CreatorFactory(status=Creator.Status.PENDING)

    response = staff_client.post(
        "/admin/creators/creator/", {"action": "approved_creators", "_selected_action": [pending.pk]}, follow=True
    )

    assert response.status_code == 200
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by) == (Creator.Status.APPROVED, staff_user)


def test_admin_changelists_make_constant_queries(assert_changelist_queries_constant):
    assert_changelist_queries_constant("/admin/creators/creator/", CreatorFactory.create_batch)
    assert_changelist_queries_constant("/admin/creators/videopost/", VideoPostFactory.create_batch)
    assert_changelist_queries_constant("/admin/creators/producttag/", ProductTagFactory.create_batch)


def test_a_post_change_page_shows_its_tags_and_read_only_media(staff_client):
    post = VideoPostFactory(failure_reason="")
    ProductTagFactory(post=post, product__title="Desk lamp")

    response = staff_client.get(f"/admin/creators/videopost/{post.pk}/change/")

    assert response.status_code == 200
    assert "Desk lamp" in response.text
    assert 'name="video"' not in response.text  # media fields belong to the processing task
    assert "status" in response.context["adminform"].readonly_fields


def test_a_refused_review_is_reported_and_changes_nothing(staff_client):
    approved = CreatorFactory(status=Creator.Status.APPROVED)

    response = staff_client.post(
        "/admin/creators/creator/", {"action": "rejected_creators", "_selected_action": [approved.pk]}, follow=True
    )

    assert "cannot become rejected" in response.text
    approved.refresh_from_db()
    assert approved.status == Creator.Status.APPROVED


def test_tags_read_in_words_not_ids(staff_client):
    post = VideoPostFactory(creator__handle="mira.styles")
    ProductTagFactory(
        post=post, product__title="Silk scarf", start_seconds="2.5", end_seconds=6, position_x=20, position_y=70
    )
    ProductTagFactory(post=post, product__title="Linen hat", start_seconds=4)

    listing = staff_client.get("/admin/creators/producttag/", {"o": "5"})  # by when they show
    post_page = staff_client.get(f"/admin/creators/videopost/{post.pk}/change/")

    rows = [
        [cell.strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)][2:]
        for row in re.findall(r"<tr>(.*?)</tr>", listing.text.split("<tbody>")[1], flags=re.S)
    ]
    assert [[re.sub(r"<[^>]+>", "", cell) for cell in row] for row in rows] == [
        [f"Post {post.pk} by @mira.styles", "Silk scarf", "Active", "from 2.5 s to 6 s", "20 % across, 70 % down"],
        [f"Post {post.pk} by @mira.styles", "Linen hat", "Active", "from 4 s to the end", "default corner"],
    ]
    assert "Silk scarf at 2.5 s" in post_page.text  # each tag row of the post is named by its product
