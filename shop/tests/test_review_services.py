"""Reviews by the rules: only a delivered purchase of one's own, one per line, photos checked, edits within the
window, the seller answers once, staff hide with a reason, shoppers report once; ratings recounted each time."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.tests.factories import UserFactory
from marketplace.video import make_test_clip
from shop.models import Product, Review, ReviewPhoto, Seller
from shop.services.reviews import (
    ReviewRefused,
    answer_review,
    edit_review,
    hide_review,
    keep_review,
    post_review,
    report_review,
    show_review,
)
from shop.tests.factories import ProductFactory, SellerFactory, image_upload
from shop.tests.returns_support import delivered_order_fixture, returns_centre_fixture  # noqa: F401 (fixtures)
from shop.tests.reviews_support import (  # noqa: F401 (fixture)
    add_reviews,
    bought_line,
    clip_upload,
    not_a_video,
    shopper_delivered_fixture,
)
from shop.tests.test_payments_support import local_stripe_fixture  # noqa: F401 (fixture "local_stripe")

pytestmark = pytest.mark.django_db


def refused(code: str, call, **kwargs) -> ReviewRefused:
    with pytest.raises(ReviewRefused) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def ratings(product: Product) -> tuple[int, int, int, int]:
    product.refresh_from_db()
    seller = Seller.objects.get(pk=product.seller_id)
    return product.rating_count, product.rating_total, seller.rating_count, seller.rating_total


def test_a_buyer_reviews_a_delivered_line_with_photos_and_the_ratings_count_it(shopper_delivered):
    tea = shopper_delivered.tea
    review = post_review(
        user=shopper_delivered.user,
        order_line_id=tea.pk,
        rating="5",
        text="  Smells wonderful.  ",
        photos=[image_upload("cup.png", image_format="PNG"), image_upload("leaves.jpg")],
    )
    assert (review.rating, review.text, review.author_name) == (5, "Smells wonderful.", "Grace H.")
    assert [photo.image.name.rsplit(".", 1)[1] for photo in review.photos.all()] == ["png", "jpg"]
    assert ratings(tea.variant.product) == (1, 5, 1, 5)
    assert Product.objects.get(pk=tea.variant.product_id).rating_average == 5


def test_only_the_account_that_bought_it_may_review(shopper_delivered):
    refused("not_yours", post_review, user=UserFactory(), order_line_id=shopper_delivered.tea.pk, rating=5, text="Hi")
    assert not Review.objects.exists()


def test_a_line_not_yet_delivered_cannot_be_reviewed():
    line = bought_line(product=ProductFactory())  # an order marked delivered, but fulfillment never delivered it
    error = refused("not_delivered", post_review, user=line.order.user, order_line_id=line.pk, rating=4, text="Hi")
    assert error.message == "You can review this purchase once it has been delivered."


def test_one_review_per_order_line(shopper_delivered):
    line_id, user = shopper_delivered.tea.pk, shopper_delivered.user
    post_review(user=user, order_line_id=line_id, rating=4, text="Good")
    refused("already_reviewed", post_review, user=user, order_line_id=line_id, rating=1, text="Again")
    post_review(user=user, order_line_id=shopper_delivered.cup.pk, rating=2, text="The cup chipped")
    assert Review.objects.count() == 2
    assert ratings(shopper_delivered.tea.variant.product)[:2] == (1, 4)


@pytest.mark.parametrize(
    ("rating", "text", "code", "field"),
    [
        (0, "Fine", "invalid_rating", "rating"),
        ("six", "Fine", "invalid_rating", "rating"),
        (3, "   ", "empty_text", "text"),
    ],
)
def test_stars_and_words_are_checked(shopper_delivered, rating, text, code, field):
    line_id, user = shopper_delivered.tea.pk, shopper_delivered.user
    error = refused(code, post_review, user=user, order_line_id=line_id, rating=rating, text=text)
    assert error.field == field
    assert not Review.objects.exists()


def test_photos_are_checked_like_other_uploads_and_counted(shopper_delivered, settings):
    line_id, user = shopper_delivered.tea.pk, shopper_delivered.user
    fake = SimpleUploadedFile("cat.jpg", b"<svg>not a picture</svg>", content_type="image/jpeg")
    error = refused("image_invalid", post_review, user=user, order_line_id=line_id, rating=4, text="Hi", photos=[fake])
    assert error.message.startswith("cat.jpg: This file is not an image we can read.")
    settings.REVIEW_MAX_PHOTOS = 2
    photos = [image_upload(f"p{n}.jpg") for n in range(3)]
    refused("too_many_photos", post_review, user=user, order_line_id=line_id, rating=4, text="Hi", photos=photos)
    assert (Review.objects.count(), ReviewPhoto.objects.count()) == (0, 0)


def test_a_buyer_reviews_with_a_short_video_stored_as_mp4(shopper_delivered, tmp_path):
    review = post_review(
        user=shopper_delivered.user,
        order_line_id=shopper_delivered.tea.pk,
        rating=5,
        text="Watch it steep",
        video=clip_upload(tmp_path, name="steep.MOV.mp4"),
    )
    review.refresh_from_db()
    assert review.video.name.startswith(f"reviews/{review.pk}/") and review.video.name.endswith(".mp4")
    assert review.video.storage.exists(review.video.name)
    assert 1.5 < review.video_seconds < 2.5
    assert ratings(review.product)[:2] == (1, 5)


def test_photos_and_a_video_together_are_refused_and_nothing_is_written(shopper_delivered, tmp_path):
    error = refused(
        "photos_and_video",
        post_review,
        user=shopper_delivered.user,
        order_line_id=shopper_delivered.tea.pk,
        rating=4,
        text="Both",
        photos=[image_upload()],
        video=clip_upload(tmp_path),
    )
    assert (error.field, error.message) == ("video", "Add photos or a video, not both: remove one of them.")
    assert (Review.objects.count(), ReviewPhoto.objects.count()) == (0, 0)


def test_a_video_is_checked_by_its_content_and_its_length_by_a_setting(shopper_delivered, tmp_path, settings):
    line_id, user = shopper_delivered.tea.pk, shopper_delivered.user
    error = refused(
        "unreadable", post_review, user=user, order_line_id=line_id, rating=4, text="Hi", video=not_a_video()
    )
    assert (error.field, error.message) == (
        "video",
        "This file is not a video we can read. Upload an MP4, MOV or WebM video.",
    )
    settings.REVIEW_VIDEO_MAX_SECONDS = 1
    error = refused(
        "too_long", post_review, user=user, order_line_id=line_id, rating=4, text="Hi", video=clip_upload(tmp_path)
    )
    assert error.message == "This video is 2 s long; the limit is 1 s."
    settings.REVIEW_VIDEO_MAX_SECONDS, settings.REVIEW_VIDEO_MAX_BYTES = 60, 1000
    error = refused(
        "too_large", post_review, user=user, order_line_id=line_id, rating=4, text="Hi", video=clip_upload(tmp_path)
    )
    assert error.message.endswith("the limit is 1000 bytes.")
    assert not Review.objects.exists()


def test_a_video_browsers_cannot_all_play_is_refused_with_what_to_upload(shopper_delivered, tmp_path):
    path = make_test_clip(tmp_path / "x.webm", seconds=1, width=320, height=240, codec="libvpx-vp9", container="webm")
    webm = SimpleUploadedFile("x.webm", path.read_bytes(), content_type="video/webm")
    error = refused(
        "video_format",
        post_review,
        user=shopper_delivered.user,
        order_line_id=shopper_delivered.tea.pk,
        rating=4,
        text="Hi",
        video=webm,
    )
    assert error.message.startswith("Upload an MP4 (H.264) video")
    assert not Review.objects.exists()


def test_on_edit_the_author_replaces_or_removes_the_video_and_never_has_both(
    shopper_delivered, tmp_path, django_capture_on_commit_callbacks
):
    user = shopper_delivered.user
    review = post_review(
        user=user, order_line_id=shopper_delivered.tea.pk, rating=5, text="Nice", video=clip_upload(tmp_path)
    )
    first = review.video.name
    refused("photos_and_video", edit_review, review=review, user=user, rating=5, text="Nice", photos=[image_upload()])
    with django_capture_on_commit_callbacks(execute=True):
        edit_review(review=review, user=user, rating=4, text="Nicer", video=clip_upload(tmp_path, name="y.mp4"))
    review.refresh_from_db()
    assert review.video.name != first and review.video.storage.exists(review.video.name)
    assert not review.video.storage.exists(first)
    edit_review(review=review, user=user, rating=4, text="Photos now", photos=[image_upload()], remove_video=True)
    review.refresh_from_db()
    assert (bool(review.video), review.video_seconds, review.photos.count()) == (False, None, 1)
    refused("photos_and_video", edit_review, review=review, user=user, rating=4, text="x", video=clip_upload(tmp_path))


def test_reviews_per_account_and_day_are_limited_by_a_setting(shopper_delivered, settings):
    settings.REVIEWS_PER_ACCOUNT_PER_DAY = 1
    user = shopper_delivered.user
    post_review(user=user, order_line_id=shopper_delivered.tea.pk, rating=4, text="Good")
    error = refused(
        "too_many_reviews", post_review, user=user, order_line_id=shopper_delivered.cup.pk, rating=4, text="Ok"
    )
    assert error.message == "You have written many reviews today. Try again tomorrow."


def test_the_author_edits_within_the_window_set_when_it_was_written(shopper_delivered, settings):
    settings.REVIEW_EDIT_WINDOW_DAYS = 3
    user = shopper_delivered.user
    review = post_review(
        user=user, order_line_id=shopper_delivered.tea.pk, rating=5, text="Great", photos=[image_upload()]
    )
    first_photo = review.photos.get()
    edit_review(
        review=review,
        user=user,
        rating=2,
        text="It went stale",
        photos=[image_upload("b.jpg")],
        remove_photo_ids=[str(first_photo.pk)],
    )
    review.refresh_from_db()
    assert (review.rating, review.text, review.photos.count()) == (2, "It went stale", 1)
    assert ratings(review.product)[:2] == (1, 2)
    refused("not_yours", edit_review, review=review, user=UserFactory(), rating=5, text="Mine now")
    Review.objects.filter(pk=review.pk).update(editable_until=timezone.now() - timedelta(seconds=1))
    review.refresh_from_db()
    refused("edit_window_closed", edit_review, review=review, user=user, rating=5, text="Changed my mind")


def test_the_seller_answers_once_and_only_their_own_reviews():
    product = ProductFactory()
    [review] = add_reviews(product, 1, answered=False)
    refused("not_yours", answer_review, review=review, seller=SellerFactory(), by=None, text="Hello")
    refused("empty_text", answer_review, review=review, seller=product.seller, by=None, text="  ")
    answer_review(review=review, seller=product.seller, by=None, text="Thank you, Ada!")
    refused("already_answered", answer_review, review=review, seller=product.seller, by=None, text="And again")
    review.refresh_from_db()
    assert (review.seller_answer, review.answered_at is not None) == ("Thank you, Ada!", True)


def test_staff_hide_with_a_reason_and_the_ratings_drop_it_then_show_it_again(staff_user):
    product = ProductFactory()
    low, high = add_reviews(product, 1, rating=1)[0], add_reviews(product, 1, rating=5)[0]
    assert ratings(product) == (2, 6, 2, 6)
    refused("reason_required", hide_review, review=low, by=staff_user, reason=" ")
    hide_review(review=low, by=staff_user, reason="Insults the seller")
    assert ratings(product) == (1, 5, 1, 5)
    assert (low.hidden_reason, low.hidden_by) == ("Insults the seller", staff_user)
    show_review(review=low, by=staff_user)
    assert ratings(product) == (2, 6, 2, 6)
    assert high.hidden_at is None


def test_a_shopper_reports_once_and_staff_keep_or_hide(staff_user, settings):
    [review] = add_reviews(ProductFactory(), 1)
    reporter = UserFactory()
    report_review(review=review, user=reporter, reason="spam", note="Links to another shop")
    refused("already_reported", report_review, review=review, user=reporter, reason="abuse")
    refused("own_review", report_review, review=review, user=review.author, reason="spam")
    refused("invalid_reason", report_review, review=review, user=UserFactory(), reason="boring")
    review.refresh_from_db()
    assert review.open_reports == 1
    keep_review(review=review, by=staff_user)
    review.refresh_from_db()
    assert (review.open_reports, review.reports.get().resolved_at is not None) == (0, True)
    settings.REVIEW_REPORTS_PER_ACCOUNT_PER_DAY = 0
    refused("too_many_reports", report_review, review=review, user=UserFactory(), reason="spam")
