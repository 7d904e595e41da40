"""Staff moderate reviews from the admin: the reported queue, hide with a reason (ratings recounted), keep."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from marketplace.tests.factories import UserFactory
from shop.models import Product, Review
from shop.services.reviews import report_review
from shop.tests.factories import ProductFactory
from shop.tests.reviews_support import add_reviews

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:shop_review_changelist")


def test_the_reported_queue_lists_only_reviews_with_open_reports_most_reported_first(staff_client):
    product = ProductFactory()
    _quiet, once, twice = add_reviews(product, 3)
    report_review(review=once, user=UserFactory(), reason="spam")
    for _ in range(2):
        report_review(review=twice, user=UserFactory(), reason="abuse")

    response = staff_client.get(CHANGELIST + "?moderation=reported")

    assert [review.pk for review in response.context["cl"].result_list] == [twice.pk, once.pk]


def test_staff_hide_selected_reviews_with_a_reason(staff_client):
    product = ProductFactory()
    low, high = add_reviews(product, 1, rating=1)[0], add_reviews(product, 1, rating=5)[0]
    report_review(review=low, user=UserFactory(), reason="abuse")
    data = {"action": "hide_action", helpers.ACTION_CHECKBOX_NAME: [low.pk]}

    confirm = staff_client.post(CHANGELIST, data)
    assert confirm.status_code == 200 and b"Why is it hidden?" in confirm.content
    missing = staff_client.post(CHANGELIST, {**data, "apply": "1", "reason": ""})
    assert missing.status_code == 200 and b"This field is required." in missing.content
    done = staff_client.post(CHANGELIST, {**data, "apply": "1", "reason": "Abusive language"}, follow=True)

    low.refresh_from_db()
    product = Product.objects.get(pk=product.pk)
    assert (low.hidden_reason, low.open_reports, low.hidden_by.is_staff) == ("Abusive language", 0, True)
    assert (product.rating_count, product.rating_average) == (1, 5)
    assert b"Hidden: review" in done.content
    assert staff_client.get(CHANGELIST + "?moderation=reported").context["cl"].result_list.count() == 0
    assert b"Abusive language" not in staff_client.get(product.get_absolute_url()).content
    assert high.text.encode() in staff_client.get(product.get_absolute_url()).content


def test_staff_keep_a_reported_review(staff_client):
    [review] = add_reviews(ProductFactory(), 1)
    report_review(review=review, user=UserFactory(), reason="spam")
    staff_client.post(CHANGELIST, {"action": "keep_action", helpers.ACTION_CHECKBOX_NAME: [review.pk]})
    review.refresh_from_db()
    assert (review.open_reports, review.hidden_at) == (0, None)


def test_the_review_changelist_takes_the_same_queries_for_one_and_thirty(assert_changelist_queries_constant):
    product = ProductFactory()
    assert_changelist_queries_constant(CHANGELIST, lambda count: add_reviews(product, count, photos=0))


def test_shoppers_and_sellers_cannot_moderate(client, seller_member):
    [review] = add_reviews(ProductFactory(), 1)
    client.force_login(seller_member.user)
    response = client.post(
        CHANGELIST, {"action": "hide_action", helpers.ACTION_CHECKBOX_NAME: [review.pk], "apply": "1", "reason": "x"}
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Review.objects.get().hidden_at is None


def test_staff_watch_a_reviews_video_on_its_page(staff_client):
    (review,) = add_reviews(ProductFactory(), 1)
    Review.objects.filter(pk=review.pk).update(video="reviews/clip.mp4")

    page = staff_client.get(reverse("admin:shop_review_change", args=[review.pk])).content.decode()

    assert '<video src="/media/reviews/clip.mp4" controls preload="metadata" width="320"></video>' in page
