"""Reviews as shoppers and sellers see them: written from a delivered purchase, shown with stars on product
cards, product pages, storefronts and the feed, answered from the dashboard; every list in constant queries."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creators.tests.feed_helpers import cold_and_warm, post_with_tags
from marketplace.fragments import clear_shared_fragments
from marketplace.tests.factories import UserFactory
from shop.models import Review
from shop.tests.factories import ProductFactory, ProductImageFactory, VariantFactory, image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.reviews_support import (  # noqa: F401 (fixture)
    add_reviews,
    bought_line,
    clip_upload,
    not_a_video,
    shopper_delivered_fixture,
)
from shop.tests.test_pages import add_listed_products, listed_product
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_buyer_writes_a_review_with_a_photo_and_it_shows_on_the_product_page(client, shopper_delivered):
    client.force_login(shopper_delivered.user)
    tea = shopper_delivered.tea
    listing = client.get(reverse("my-reviews"))
    assert text_of(listing).count("Write a review") == 2

    response = client.post(
        reverse("review-write", args=[tea.pk]),
        {"rating": "4", "text": "Fresh and fragrant.", "photos": [image_upload("tin.jpg")]},
    )

    review = Review.objects.get()
    product_url = tea.variant.product.get_absolute_url()
    assert (response.status_code, response["Location"]) == (303, f"{product_url}#review-{review.pk}")
    page = client.get(product_url)
    words = text_of(page)
    assert "Fresh and fragrant." in words and "Grace H. Verified purchase" in words
    assert 'aria-label="Rated 4.0 out of 5 from 1 review"' in page.content.decode()
    assert f'src="{review.photos.get().image.url}"' in page.content.decode()
    assert "Edit your review" in text_of(client.get(reverse("my-reviews")))


def test_a_buyer_writes_a_review_with_a_video_and_it_plays_on_the_product_page(client, shopper_delivered, tmp_path):
    client.force_login(shopper_delivered.user)
    tea = shopper_delivered.tea
    form = client.get(reverse("review-write", args=[tea.pk])).content.decode()
    assert 'accept="video/mp4,video/quicktime,video/webm"' in form and "MP4 (H.264) clip of up to 60 seconds" in form

    response = client.post(
        reverse("review-write", args=[tea.pk]),
        {"rating": "5", "text": "See it pour.", "video": clip_upload(tmp_path)},
    )

    review = Review.objects.get()
    assert response.status_code == 303
    page = client.get(tea.variant.product.get_absolute_url()).content.decode()
    assert f'<video class="review-video" controls preload="metadata" playsinline src="{review.video.url}"' in page
    edit = client.get(reverse("review-edit", args=[review.pk]))
    assert "Remove your video" in text_of(edit)


def test_a_video_with_photos_or_that_is_no_video_is_a_form_error_and_writes_nothing(
    client, shopper_delivered, tmp_path
):
    client.force_login(shopper_delivered.user)
    url = reverse("review-write", args=[shopper_delivered.tea.pk])
    both = client.post(url, {"rating": "3", "text": "ok", "photos": [image_upload()], "video": clip_upload(tmp_path)})
    assert both.status_code == 400
    assert "Or a short video: Add photos or a video, not both" in text_of(both)
    fake = client.post(url, {"rating": "3", "text": "ok", "video": not_a_video()})
    assert fake.status_code == 400 and "This file is not a video we can read." in text_of(fake)
    assert not Review.objects.exists()


def test_hostile_or_wrong_input_is_a_form_error_and_writes_nothing(client, shopper_delivered):
    client.force_login(shopper_delivered.user)
    url = reverse("review-write", args=[shopper_delivered.tea.pk])
    fake = SimpleUploadedFile("x.jpg", b"GIF89a-not-really", content_type="image/jpeg")
    for data in (
        {"rating": "9", "text": "x"},
        {"rating": "3", "text": ""},
        {"rating": "3", "text": "ok", "photos": [fake]},
    ):
        response = client.post(url, data)
        assert response.status_code == 400
    assert "x.jpg: This file is not an image we can read." in text_of(response)
    assert not Review.objects.exists()


def test_another_accounts_purchase_is_not_found_and_a_visitor_is_sent_to_log_in(client, shopper_delivered):
    url = reverse("review-write", args=[shopper_delivered.tea.pk])
    assert client.get(url)["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, {"rating": "5", "text": "Mine"}).status_code == 404


def test_a_shopper_reports_a_review_once(client):
    [review] = add_reviews(ProductFactory(status="active"), 1)
    client.force_login(UserFactory())
    url = reverse("review-report", args=[review.pk])
    assert client.post(url, {"reason": "spam"}).status_code == 303
    again = client.post(url, {"reason": "abuse"})
    assert again.status_code == 400
    assert "You have reported this review already." in text_of(again)
    review.refresh_from_db()
    assert review.open_reports == 1


def test_the_product_page_shows_one_or_twenty_reviews_in_the_same_queries(client, get_counting_queries):
    product = listed_product(title="Tea")
    ProductImageFactory(product=product)
    url = product.get_absolute_url()
    add_reviews(product, 1, rating=2, photos=2)
    client.get(url)
    clear_shared_fragments()  # the body rendered, not the shared fragment
    _, one = get_counting_queries(client, url)
    add_reviews(product, 19, rating=5, photos=2)
    five = list(Review.objects.filter(product=product, rating=5).values_list("pk", flat=True)[:5])
    Review.objects.filter(pk__in=five).update(video="reviews/clip.mp4")  # videos cost no query
    clear_shared_fragments()
    response, many = get_counting_queries(client, url)
    assert one == many
    assert text_of(response).count("Verified purchase") == 20
    assert response.content.decode().count("<video ") == 5
    assert 'aria-label="Rated 4.9 out of 5 from 20 reviews"' in response.content.decode()


@pytest.mark.parametrize("page", ["home", "category", "storefront", "search"])
def test_product_cards_with_ratings_take_the_same_queries_for_one_and_many(client, get_counting_queries, page):
    first = listed_product(title="Tea Alpha")  # home: none featured, so the same two lists are read each time
    add_reviews(first, 2, rating=3)
    urls = {
        "home": "/",
        "category": first.category.get_absolute_url() if first.category else None,
        "storefront": first.seller.get_absolute_url(),
        "search": "/search/?q=Tea",
    }
    url = urls[page]
    if url is None:
        pytest.skip("the factory's product has no category")
    clear_shared_fragments()
    _, one_cold = get_counting_queries(client, url)  # the cards rendered and cached
    _, one = get_counting_queries(client, url)  # the cards from the cache
    add_listed_products(7, seller=first.seller, category=first.category, title="Tea Beta")
    for product in first.seller.products.exclude(pk=first.pk):
        add_reviews(product, 1, rating=5, photos=0)
    clear_shared_fragments()
    _, many_cold = get_counting_queries(client, url)
    response, many = get_counting_queries(client, url)
    assert one == many
    assert one_cold == many_cold
    html = response.content.decode()
    assert 'aria-label="Rated 3.0 out of 5 from 2 reviews"' in html
    assert html.count('aria-label="Rated 5.0 out of 5 from 1 review"') == 7


def test_the_storefront_shows_the_sellers_rating(client):
    product = listed_product(title="Tea")
    add_reviews(product, 1, rating=5)
    add_reviews(product, 1, rating=2)
    assert (
        'aria-label="Rated 3.5 out of 5 from 2 reviews"'
        in client.get(product.seller.get_absolute_url()).content.decode()
    )


def test_the_feed_and_its_sheet_show_ratings_in_constant_queries(client, get_counting_queries):
    def rated_posts(count):
        for _ in range(count):
            post = post_with_tags(3)
            for tag in post.tags.all():
                add_reviews(tag.product, 1, rating=4, photos=0)

    rated_posts(1)
    client.get("/feed/")
    _, *one = cold_and_warm(client, get_counting_queries, "/feed/")  # post bodies read, then from the cache
    rated_posts(9)
    response, *many = cold_and_warm(client, get_counting_queries, "/feed/")
    assert one == many
    assert response.content.decode().count('aria-label="Rated 4.0 out of 5 from 1 review"') == 30
    tag = post_with_tags(1).tags.get()
    add_reviews(tag.product, 2, rating=5, photos=0)
    sheet = client.get(reverse("feed-sheet", args=[tag.pk]))
    assert 'aria-label="Rated 5.0 out of 5 from 2 reviews"' in sheet.content.decode()


def test_my_reviews_lists_one_or_many_purchases_in_the_same_queries(client, get_counting_queries, monkeypatch):
    from shop.reviews import selectors

    user = UserFactory()
    client.force_login(user)
    # Fulfillment's delivered units are its own concern (tested there): here every line counts as delivered.
    monkeypatch.setattr(
        selectors,
        "fulfillment_of_lines",
        lambda order_line_ids: {pk: type("P", (), {"delivered": 1}) for pk in order_line_ids},
    )
    bought_line(product=VariantFactory().product, user=user)
    client.get(reverse("my-reviews"))
    _, one = get_counting_queries(client, reverse("my-reviews"))
    for _ in range(9):
        add_reviews_for = bought_line(product=VariantFactory().product, user=user)
        Review.objects.create(
            order_line=add_reviews_for,
            product=add_reviews_for.variant.product,
            seller=add_reviews_for.variant.product.seller,
            author=user,
            author_name="A",
            rating=3,
            text="ok",
            editable_until="2100-01-01T00:00Z",
        )
    response, many = get_counting_queries(client, reverse("my-reviews"))
    assert one == many
    assert (text_of(response).count("Write a review"), text_of(response).count("Edit your review")) == (1, 9)


def test_the_seller_answers_once_from_the_dashboard_in_constant_queries(seller_client, get_counting_queries):
    product = ProductFactory(seller=seller_client.seller, status="active")
    [review] = add_reviews(product, 1, answered=False)
    url = reverse("dashboard:reviews")
    seller_client.get(url)
    _, one = get_counting_queries(seller_client, url)
    add_reviews(product, 9, photos=2)
    response, many = get_counting_queries(seller_client, url)
    assert one == many
    assert text_of(response).count("Your answer") == 10  # the one form's label and nine answers

    answer_url = reverse("dashboard:review-answer", args=[review.pk])
    assert seller_client.post(answer_url, {f"r{review.pk}-text": "Thanks, Ada!"}).status_code == 303
    again = seller_client.post(answer_url, {f"r{review.pk}-text": "Once more"})
    assert again.status_code == 400
    assert "You have answered this review already" in text_of(again)
    review.refresh_from_db()
    assert review.seller_answer == "Thanks, Ada!"
    assert "Answer from" in text_of(seller_client.get(product.get_absolute_url()))


def test_a_seller_cannot_answer_another_sellers_review(seller_client):
    [review] = add_reviews(ProductFactory(status="active"), 1, answered=False)
    response = seller_client.post(reverse("dashboard:review-answer", args=[review.pk]), {f"r{review.pk}-text": "Hi"})
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.seller_answer == ""


def test_a_delivered_orders_page_leads_its_shopper_to_their_reviews(client, shopper_delivered):
    client.force_login(shopper_delivered.user)
    page = client.get(shopper_delivered.get_absolute_url())
    assert f'<a href="{reverse("my-reviews")}">Review what you received</a>' in page.content.decode()
