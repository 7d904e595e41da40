"""Ratings and reviews: written by the buyer of a delivered order line, answered once by its seller,
hidden by staff with a reason, reported by shoppers once each.

Every write that changes what counts (a review written, its stars edited, hidden or shown again) recounts
the product's and the seller's stored rating in the same transaction, under their row locks, so product
cards read it from the row and never aggregate per request.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from fulfillment.selectors import fulfillment_of_lines
from marketplace.video import needs_transcode, validate_video
from shop.models import OrderLine, Product, Review, ReviewPhoto, ReviewReport, Seller
from shop.services.images import check_image
from shop.signals import announce_product_shown_changed


class ReviewRefused(Exception):
    """Why a review write was refused; nothing was written. `field` names the form field at fault, if any."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class CheckedReview:
    rating: int
    text: str
    photos: list[tuple[UploadedFile, str]]  # (upload, extension to store it under)
    video: UploadedFile | None = None
    video_seconds: float | None = None


def author_name(user) -> str:
    """The name shown with a review: first name and initial ("Ada L."), else the username."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if first:
        return f"{first} {last[0]}." if last else first
    return user.get_username()[:60]


PHOTOS_OR_VIDEO = "Add photos or a video, not both: remove one of them."


def _check_video(video: UploadedFile) -> float:
    """The clip's length in seconds if it may be shown as sent, else ReviewRefused saying what is wrong."""
    try:
        info = validate_video(
            video, max_seconds=settings.REVIEW_VIDEO_MAX_SECONDS, max_bytes=settings.REVIEW_VIDEO_MAX_BYTES
        )
    except ValidationError as error:
        raise ReviewRefused(error.code or "video_invalid", error.messages[0], field="video") from error
    # Reviews have no transcoding queue: a clip is stored as sent, so it must already be what every browser
    # plays (MP4, H.264, AAC or silent). Refusing is honest; a synchronous transcode would hold a web worker.
    if needs_transcode(info):
        raise ReviewRefused("video_format", "Upload an MP4 (H.264) video: most phones record one.", field="video")
    video.seek(0)
    return info.duration_seconds


def _check(*, rating, text: str, photos: list[UploadedFile], video: UploadedFile | None = None) -> CheckedReview:
    """Stars, text, photos or a video as the rules allow them, or ReviewRefused on the field at fault."""
    try:
        stars = int(rating)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ReviewRefused("invalid_rating", "Choose from 1 to 5 stars.", field="rating")
    text = (text or "").strip()
    if not text:
        raise ReviewRefused("empty_text", "Say a few words about what you received.", field="text")
    if len(text) > settings.REVIEW_MAX_TEXT_CHARS:
        limit = settings.REVIEW_MAX_TEXT_CHARS
        raise ReviewRefused("text_too_long", f"Keep it to {limit:,} characters.", field="text")
    if len(photos) > settings.REVIEW_MAX_PHOTOS:
        raise ReviewRefused("too_many_photos", f"Add at most {settings.REVIEW_MAX_PHOTOS} photos.", field="photos")
    checked = []
    for photo in photos:
        try:
            checked.append((photo, check_image(photo)))
        except ValidationError as error:
            message = f"{photo.name}: {error.messages[0]}"
            raise ReviewRefused(error.code or "image_invalid", message, field="photos") from error
    if video is None:
        return CheckedReview(rating=stars, text=text, photos=checked)
    if photos:
        raise ReviewRefused("photos_and_video", PHOTOS_OR_VIDEO, field="video")
    seconds = _check_video(video)
    return CheckedReview(rating=stars, text=text, photos=checked, video=video, video_seconds=seconds)


def _lock_rated(*, product_id: int, seller_id: int) -> None:
    """Lock the product's then the seller's row (always this order): their counts are rewritten under them."""
    Product.objects.select_for_update().filter(pk=product_id).values_list("pk").get()
    Seller.objects.select_for_update().filter(pk=seller_id).values_list("pk").get()


def recount_ratings(*, product_id: int, seller_id: int) -> None:
    """The product's and seller's stored count and total of shown stars, from their reviews (call under lock)."""
    for model, field, pk in ((Product, "product_id", product_id), (Seller, "seller_id", seller_id)):
        totals = (
            Review.objects.visible()
            .filter(**{field: pk})
            .aggregate(count=Count("pk"), total=Coalesce(Sum("rating"), 0))
        )
        model.objects.filter(pk=pk).update(rating_count=totals["count"], rating_total=totals["total"])
    announce_product_shown_changed(product_ids=[product_id])


def _add_photos(review: Review, photos: list[tuple[UploadedFile, str]], *, start: int = 0) -> None:
    for position, (upload, extension) in enumerate(photos, start=start):
        photo = ReviewPhoto(review=review, position=position)
        photo.image.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
        photo.save()


def _save_video(review: Review, checked: CheckedReview) -> None:
    # Only MP4 passes the checks, so the stored name says .mp4 whatever the upload was called.
    review.video.save(f"{uuid.uuid4().hex}.mp4", checked.video, save=False)
    review.video_seconds = checked.video_seconds
    review.save(update_fields=["video", "video_seconds"])


def _since_a_day() -> datetime:
    return timezone.now() - timedelta(days=1)


def is_delivered(line: OrderLine) -> bool:
    """Some units of the line reached the buyer (fulfillment's delivered shipments)."""
    progress = fulfillment_of_lines(order_line_ids=[line.pk]).get(line.pk)
    return progress is not None and progress.delivered > 0


def post_review(
    *,
    user,
    order_line_id: int,
    rating,
    text: str,
    photos: Sequence[UploadedFile] = (),
    video: UploadedFile | None = None,
) -> Review:
    """Write the buyer's review of a delivered order line of theirs (one per line) and recount the ratings."""
    line = (
        OrderLine.objects.select_related("variant__product").filter(pk=order_line_id, order__user=user).first()
        if getattr(user, "is_authenticated", False)
        else None
    )
    if line is None:
        raise ReviewRefused("not_yours", "Only the account that bought it can review this purchase.")
    if Review.objects.filter(order_line=line).exists():
        raise ReviewRefused("already_reviewed", "You have reviewed this purchase already: edit that review instead.")
    if not is_delivered(line):
        raise ReviewRefused("not_delivered", "You can review this purchase once it has been delivered.")
    if (
        Review.objects.filter(author=user, created_at__gte=_since_a_day()).count()
        >= settings.REVIEWS_PER_ACCOUNT_PER_DAY
    ):
        raise ReviewRefused("too_many_reviews", "You have written many reviews today. Try again tomorrow.")
    checked = _check(rating=rating, text=text, photos=list(photos), video=video)
    product = line.variant.product
    try:
        with transaction.atomic():
            _lock_rated(product_id=product.pk, seller_id=product.seller_id)
            review = Review.objects.create(
                order_line=line,
                product=product,
                seller_id=product.seller_id,
                author=user,
                author_name=author_name(user),
                variant_label=line.variant_label,
                rating=checked.rating,
                text=checked.text,
                editable_until=timezone.now() + timedelta(days=settings.REVIEW_EDIT_WINDOW_DAYS),
            )
            _add_photos(review, checked.photos)
            if checked.video is not None:
                _save_video(review, checked)
            recount_ratings(product_id=product.pk, seller_id=product.seller_id)
    except IntegrityError as error:  # the same line reviewed at the same moment from another tab
        raise ReviewRefused("already_reviewed", "You have reviewed this purchase already.") from error
    return review


def edit_review(
    *,
    review: Review,
    user,
    rating,
    text: str,
    photos: Sequence[UploadedFile] = (),
    remove_photo_ids=(),
    video: UploadedFile | None = None,
    remove_video: bool = False,
) -> Review:
    """Change the buyer's own review while its edit window is open: stars, text, photos or video kept, removed,
    added or (the video) replaced."""
    if review.author_id != getattr(user, "pk", None):
        raise ReviewRefused("not_yours", "Only its author can edit this review.")
    if review.is_hidden:
        raise ReviewRefused("hidden", "This review was hidden by our staff and can no longer be edited.")
    if timezone.now() > review.editable_until:
        raise ReviewRefused("edit_window_closed", f"Reviews can be edited until {review.editable_until:%-d %b %Y}.")
    kept = review.photos.exclude(pk__in=[int(pk) for pk in remove_photo_ids if str(pk).isdigit()])
    if len(photos) + kept.count() > settings.REVIEW_MAX_PHOTOS:
        raise ReviewRefused("too_many_photos", f"Keep at most {settings.REVIEW_MAX_PHOTOS} photos.", field="photos")
    has_video = video is not None or (bool(review.video) and not remove_video)
    if has_video and (photos or kept.exists()):
        raise ReviewRefused("photos_and_video", PHOTOS_OR_VIDEO, field="video")
    checked = _check(rating=rating, text=text, photos=list(photos), video=video)
    old_video = review.video.name if review.video and (remove_video or video is not None) else ""
    with transaction.atomic():
        _lock_rated(product_id=review.product_id, seller_id=review.seller_id)
        review.photos.filter(pk__in=[int(pk) for pk in remove_photo_ids if str(pk).isdigit()]).delete()
        last = max(kept.values_list("position", flat=True), default=-1)
        _add_photos(review, checked.photos, start=last + 1)
        review.rating, review.text = checked.rating, checked.text
        fields = ["rating", "text", "updated_at"]
        if old_video:
            review.video, review.video_seconds = "", None
            fields += ["video", "video_seconds"]
        review.save(update_fields=fields)
        if checked.video is not None:
            _save_video(review, checked)
        recount_ratings(product_id=review.product_id, seller_id=review.seller_id)
        if old_video:
            # The replaced or removed clip leaves storage only once the review no longer points at it.
            storage = review.video.storage
            transaction.on_commit(lambda: storage.delete(old_video))
    return review


def answer_review(*, review: Review, seller: Seller, by, text: str) -> Review:
    """The seller's one public answer to a review of their product."""
    if review.seller_id != seller.pk:
        raise ReviewRefused("not_yours", "This review is not of one of your products.")
    text = (text or "").strip()
    if not text:
        raise ReviewRefused("empty_text", "Write your answer.", field="text")
    if len(text) > settings.REVIEW_MAX_TEXT_CHARS:
        raise ReviewRefused("text_too_long", f"Keep it to {settings.REVIEW_MAX_TEXT_CHARS:,} characters.", field="text")
    now = timezone.now()
    # Conditional update: of two answers sent at once only the first is kept.
    written = Review.objects.filter(pk=review.pk, seller_answer="").update(
        seller_answer=text, answered_at=now, answered_by=by, updated_at=now
    )
    if not written:
        raise ReviewRefused("already_answered", "You have answered this review already; an answer is given once.")
    review.seller_answer, review.answered_at, review.answered_by = text, now, by
    return review


def hide_review(*, review: Review, by, reason: str) -> Review:
    """Staff hide a review with a reason: off the product page and out of the ratings; its reports resolved."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused("reason_required", "Say why the review is hidden.", field="reason")
    now = timezone.now()
    with transaction.atomic():
        _lock_rated(product_id=review.product_id, seller_id=review.seller_id)
        Review.objects.filter(pk=review.pk).update(
            hidden_at=now, hidden_reason=reason[:300], hidden_by=by, open_reports=0, updated_at=now
        )
        ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=now)
        recount_ratings(product_id=review.product_id, seller_id=review.seller_id)
    review.refresh_from_db()
    return review


def show_review(*, review: Review, by) -> Review:
    """Staff show a hidden review again: back on the page and in the ratings."""
    with transaction.atomic():
        _lock_rated(product_id=review.product_id, seller_id=review.seller_id)
        Review.objects.filter(pk=review.pk).update(
            hidden_at=None, hidden_reason="", hidden_by=None, updated_at=timezone.now()
        )
        recount_ratings(product_id=review.product_id, seller_id=review.seller_id)
    review.refresh_from_db()
    return review


def keep_review(*, review: Review, by) -> Review:
    """Staff looked at the reports and keep the review: it leaves the reported queue."""
    with transaction.atomic():
        ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(resolved_at=timezone.now())
        Review.objects.filter(pk=review.pk).update(open_reports=0)
    review.refresh_from_db()
    return review


def report_review(*, review: Review, user, reason: str, note: str = "") -> ReviewReport:
    """A logged-in shopper reports a shown review, once; it joins the staff's reported queue."""
    if not getattr(user, "is_authenticated", False):
        raise ReviewRefused("login_required", "Log in to report a review.")
    if review.author_id == user.pk:
        raise ReviewRefused("own_review", "You cannot report your own review.")
    if review.is_hidden:
        raise ReviewRefused("hidden", "This review is already hidden.")
    if reason not in ReviewReport.Reason.values:
        raise ReviewRefused("invalid_reason", "Choose a reason.", field="reason")
    if ReviewReport.objects.filter(review=review, reporter=user).exists():
        raise ReviewRefused("already_reported", "You have reported this review already. Our staff will look at it.")
    recent = ReviewReport.objects.filter(reporter=user, created_at__gte=_since_a_day()).count()
    if recent >= settings.REVIEW_REPORTS_PER_ACCOUNT_PER_DAY:
        raise ReviewRefused("too_many_reports", "You have reported many reviews today. Try again tomorrow.")
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(review=review, reporter=user, reason=reason, note=(note or "")[:300])
            Review.objects.filter(pk=review.pk).update(open_reports=F("open_reports") + 1)
    except IntegrityError as error:
        raise ReviewRefused("already_reported", "You have reported this review already.") from error
    return report
