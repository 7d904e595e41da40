"""The reviews API: a product's shown reviews in constant queries, and a buyer posting one (JSON or multipart)."""

import pytest

from marketplace.tests.factories import UserFactory
from shop.models import Review
from shop.tests.factories import ProductFactory, VariantFactory, image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.reviews_support import (  # noqa: F401 (fixture)
    add_reviews,
    clip_upload,
    not_a_video,
    shopper_delivered_fixture,
)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def test_a_products_reviews_list_in_the_same_queries_for_one_and_many(client, get_counting_queries):
    product = VariantFactory(product=ProductFactory(status="active")).product
    url = f"/api/v1/products/{product.slug}/reviews/"
    hidden = add_reviews(product, 1, rating=1)[0]
    Review.objects.filter(pk=hidden.pk).update(hidden_at="2026-01-01T00:00Z", hidden_reason="Spam")
    add_reviews(product, 1, photos=2)
    client.get(url)
    _, one = get_counting_queries(client, url)
    add_reviews(product, 15, photos=2)
    response, many = get_counting_queries(client, url)
    assert one == many
    body = response.json()
    assert body["count"] == 16 and len(body["results"][0]["photos"]) == 2
    assert body["results"][0]["seller_answer"] == "Thank you!"
    assert client.get("/api/v1/products/no-such-thing/reviews/").json()["code"] == "not_found"


def test_a_buyer_posts_a_review_with_a_photo(client, shopper_delivered):
    client.force_login(shopper_delivered.user)
    line = shopper_delivered.cup
    response = client.post(
        "/api/v1/reviews/",
        {"order_line_id": line.pk, "rating": 3, "text": "Nice cup", "photos": [image_upload()]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rating"], body["author_name"], body["product"], len(body["photos"])) == (
        3,
        "Grace H.",
        line.variant.product.slug,
        1,
    )
    again = client.post(
        "/api/v1/reviews/", {"order_line_id": line.pk, "rating": 5, "text": "Again"}, "application/json"
    )
    assert (again.status_code, again.json()["code"]) == (400, "already_reviewed")


def test_a_buyer_posts_a_review_with_a_video_and_a_bad_video_is_a_400_with_a_body(client, shopper_delivered, tmp_path):
    client.force_login(shopper_delivered.user)
    line = shopper_delivered.cup
    bad = client.post(
        "/api/v1/reviews/", {"order_line_id": line.pk, "rating": 3, "text": "Look", "video": not_a_video()}
    )
    assert bad.status_code == 400
    assert (bad.json()["code"], list(bad.json()["fields"])) == ("unreadable", ["video"])
    assert not Review.objects.exists()
    response = client.post(
        "/api/v1/reviews/", {"order_line_id": line.pk, "rating": 3, "text": "Look", "video": clip_upload(tmp_path)}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["video"].endswith(".mp4") and body["photos"] == [] and 1.5 < body["video_seconds"] < 2.5


def test_refusals_are_4xx_with_a_body_and_write_nothing(client, shopper_delivered):
    line_id = shopper_delivered.tea.pk
    anonymous = client.post(
        "/api/v1/reviews/", {"order_line_id": line_id, "rating": 5, "text": "x"}, "application/json"
    )
    assert anonymous.status_code == 403
    client.force_login(UserFactory())
    other = client.post("/api/v1/reviews/", {"order_line_id": line_id, "rating": 5, "text": "x"}, "application/json")
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    client.force_login(shopper_delivered.user)
    for body in ({"order_line_id": line_id, "rating": 6, "text": "x"}, {"order_line_id": "x"}, [1, 2]):
        bad = client.post("/api/v1/reviews/", body, "application/json")
        assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    blank = client.post("/api/v1/reviews/", {"order_line_id": line_id, "rating": 5, "text": " "}, "application/json")
    assert blank.status_code == 400
    assert not Review.objects.exists()
