"""Studio pages: who may enter, the creator's own posts only, tags on the edit page, query counts."""

from decimal import Decimal

import pytest

from creators.models import Creator, ProductTag, VideoPost
from creators.tests import studio_helpers
from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from marketplace.tests.factories import UserFactory
from shop.models import Product
from shop.tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

# Fixtures shared with the other studio test modules.
creator = studio_helpers.creator
creator_client = studio_helpers.creator_client
isolated_media = studio_helpers.isolated_media


def test_anonymous_visitors_are_asked_to_log_in(client):
    response = client.get("/studio/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_users_without_a_profile_are_sent_to_apply(client):
    client.force_login(UserFactory())

    for url in ("/studio/", "/studio/upload/", "/studio/posts/1/"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/studio/apply/")


def test_a_pending_creator_sees_awaiting_approval_and_cannot_act(client):
    pending = CreatorFactory(status=Creator.Status.PENDING)
    post = VideoPostFactory(creator=pending, published_at=None)
    client.force_login(pending.user)

    page = client.get("/studio/")
    publish = client.post(f"/studio/posts/{post.pk}/publish/")

    assert page.status_code == 200
    assert "awaiting approval" in page.text
    assert publish.status_code == 403
    post.refresh_from_db()
    assert post.published_at is None


def test_another_creators_post_answers_404_and_nothing_changes(creator_client):
    other_post = VideoPostFactory(caption="Mine", published_at=None)
    tag = ProductTagFactory(post=other_post, start_seconds=2)
    product = ProductFactory()
    pk = other_post.pk

    responses = [
        creator_client.get(f"/studio/posts/{pk}/"),
        creator_client.post(f"/studio/posts/{pk}/caption/", {"caption": "Hacked"}),
        creator_client.post(f"/studio/posts/{pk}/publish/"),
        creator_client.post(f"/studio/posts/{pk}/delete/"),
        creator_client.post(f"/studio/posts/{pk}/tags/", {"product": product.pk, "start_seconds": "1"}),
        creator_client.post(f"/studio/tags/{tag.pk}/", {f"tag{tag.pk}-start_seconds": "5"}),
        creator_client.post(f"/studio/tags/{tag.pk}/relink/", {f"relink{tag.pk}-product": product.pk}),
        creator_client.post(f"/studio/tags/{tag.pk}/delete/"),
    ]

    assert [response.status_code for response in responses] == [404] * 8
    other_post.refresh_from_db()
    tag.refresh_from_db()
    assert (other_post.caption, other_post.published_at) == ("Mine", None)
    assert (tag.start_seconds, tag.product_id) == (2, tag.product_id)
    assert ProductTag.objects.count() == 1


def test_the_studio_lists_only_the_creators_posts_with_status_and_failure(creator_client):
    VideoPostFactory(creator=creator_client.creator, caption="My ready post")
    VideoPostFactory(creator=creator_client.creator, status="failed", failure_reason="Broken file.", video="")
    VideoPostFactory(caption="Someone else's post")

    response = creator_client.get("/studio/")

    assert "My ready post" in response.text
    assert "Broken file." in response.text
    assert "Someone else" not in response.text


def test_the_studio_list_makes_the_same_queries_for_one_post_and_many(creator_client, get_counting_queries):
    VideoPostFactory(creator=creator_client.creator)
    creator_client.get("/studio/")
    _, one = get_counting_queries(creator_client, "/studio/")
    for _ in range(6):
        ProductTagFactory.create_batch(2, post=VideoPostFactory(creator=creator_client.creator))
    ProductTagFactory(post=VideoPostFactory(creator=creator_client.creator), product__status=Product.Status.ARCHIVED)

    response, many = get_counting_queries(creator_client, "/studio/")

    assert len(response.context["posts"]) == 8
    assert many == one


def test_the_edit_page_shows_the_player_tags_and_the_relink_notice(creator_client):
    post = VideoPostFactory(creator=creator_client.creator, duration_seconds=Decimal("12"))
    ProductTagFactory(post=post, product__title="Red shoes", start_seconds=2)
    ProductTagFactory(post=post, product__title="Old bag", product__status=Product.Status.ARCHIVED)
    ProductFactory(title="Blue scarf")

    response = creator_client.get(f"/studio/posts/{post.pk}/")
    home = creator_client.get("/studio/")

    assert response.status_code == 200
    assert '<video id="studio-video" controls' in response.text
    assert "Red shoes" in response.text and "Blue scarf" in response.text
    assert "This product is no longer sold: choose another one." in response.text
    assert "This product is no longer sold: choose another one." in home.text
    assert "<script>" not in response.text and "style=" not in response.text


def test_a_tag_added_on_the_page_appears_and_a_bad_one_shows_the_error(creator_client):
    post = VideoPostFactory(creator=creator_client.creator, duration_seconds=Decimal("5"))
    product = ProductFactory(title="Blue scarf")

    bad = creator_client.post(f"/studio/posts/{post.pk}/tags/", {"product": product.pk, "start_seconds": "9"})
    good = creator_client.post(
        f"/studio/posts/{post.pk}/tags/", {"product": product.pk, "start_seconds": "2", "position_x": "40"}, follow=True
    )

    assert bad.status_code == 400
    assert "The video is only 5 s long." in bad.text
    assert good.status_code == 200
    tag = ProductTag.objects.get()
    assert (tag.post, tag.product, tag.start_seconds, tag.position_x) == (post, product, 2, 40)


def test_the_product_search_answers_taggable_products_only(creator_client):
    ProductFactory(title="Silk scarf")
    ProductFactory(title="Silk tie", affiliate_commission_rate=0)

    response = creator_client.get("/studio/products/?q=silk", headers={"HX-Request": "true"})

    assert "Silk scarf" in response.text
    assert "Silk tie" not in response.text


def test_a_relink_on_the_page_moves_the_tag_to_another_product(creator_client):
    tag = ProductTagFactory(post=VideoPostFactory(creator=creator_client.creator), product__status="archived")
    replacement = ProductFactory()

    creator_client.post(f"/studio/tags/{tag.pk}/relink/", {f"relink{tag.pk}-product": replacement.pk})

    tag.refresh_from_db()
    assert tag.product == replacement


def test_publish_and_unpublish_from_the_studio(creator_client):
    post = VideoPostFactory(creator=creator_client.creator, published_at=None)

    creator_client.post(f"/studio/posts/{post.pk}/publish/")
    assert VideoPost.objects.published().filter(pk=post.pk).exists()

    creator_client.post(f"/studio/posts/{post.pk}/unpublish/")
    assert not VideoPost.objects.published().filter(pk=post.pk).exists()


def test_a_post_still_processing_cannot_be_published(creator_client):
    post = VideoPostFactory(creator=creator_client.creator, status="processing", published_at=None)

    response = creator_client.post(f"/studio/posts/{post.pk}/publish/", follow=True)

    assert "Only a processed (ready) video can be published." in response.text
    post.refresh_from_db()
    assert post.published_at is None


def test_the_upload_page_has_the_progress_bar_script_and_no_inline_code(creator_client):
    response = creator_client.get("/studio/upload/")

    assert response.status_code == 200
    assert "js/studio-upload.js" in response.text
    assert "<progress" in response.text
    assert "css/studio.css" in response.text
    assert "<script>" not in response.text and "style=" not in response.text


def test_a_tag_edited_on_the_page_gets_its_new_times(creator_client):
    post = VideoPostFactory(creator=creator_client.creator, duration_seconds=Decimal("10"))
    tag = ProductTagFactory(post=post, start_seconds=2)
    prefix = f"tag{tag.pk}"

    bad = creator_client.post(f"/studio/tags/{tag.pk}/", {f"{prefix}-start_seconds": "4", f"{prefix}-end_seconds": "3"})
    good = creator_client.post(
        f"/studio/tags/{tag.pk}/",
        {f"{prefix}-start_seconds": "4", f"{prefix}-end_seconds": "6", f"{prefix}-position_y": "90"},
    )

    assert bad.status_code == 400
    assert "The end must come after the start." in bad.text
    assert good.status_code == 302
    tag.refresh_from_db()
    assert (tag.start_seconds, tag.end_seconds, tag.position_y) == (4, 6, 90)


def test_the_upload_page_states_the_limits_it_enforces(creator_client, settings):
    settings.CREATOR_VIDEO_MAX_SECONDS, settings.CREATOR_VIDEO_MAX_SIDE = 300, 1920

    page = creator_client.get("/studio/upload/").text

    assert "5 minutes and 1920 pixels on the longer side" in page
