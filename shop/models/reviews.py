"""Ratings and reviews: one per delivered order line, by the account that bought it; the seller answers once.

A review counts in its product's and seller's stored rating (`rating_count`, `rating_total`) while it is
not hidden; the reviews service keeps those in step in the same transaction as every write.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def review_photo_path(instance: "ReviewPhoto", filename: str) -> str:
    return f"reviews/{instance.review_id}/{filename}"


def review_video_path(instance: "Review", filename: str) -> str:
    return f"reviews/{instance.pk}/{filename}"


class ReviewQuerySet(models.QuerySet):
    def visible(self) -> "ReviewQuerySet":
        return self.filter(hidden_at__isnull=True)


class Review(models.Model):
    order_line = models.OneToOneField("shop.OrderLine", on_delete=models.PROTECT, related_name="review")
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="reviews")
    seller = models.ForeignKey("shop.Seller", on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    # Shown on the product page instead of the account's name or email ("Ada L.").
    author_name = models.CharField(max_length=60)
    variant_label = models.CharField(max_length=120, blank=True)
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField()
    # Instead of photos, one short MP4 (H.264) clip that plays in every browser as sent; public while the review
    # is shown, like its photos (the same default storage, marketplace.storage.public_storage).
    video = models.FileField(upload_to=review_video_path, blank=True)
    video_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when it is written from REVIEW_EDIT_WINDOW_DAYS, so a later change of the setting keeps promises made.
    editable_until = models.DateTimeField()
    seller_answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True, db_index=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Reports not yet dealt with by staff (hiding or keeping the review clears them): the queue's filter.
    open_reports = models.PositiveIntegerField(default=0, db_index=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "hidden_at", "-created_at"], name="review_product_visible")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="review_rating_1_to_5"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""), name="review_hidden_with_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ on {self.product_id} by {self.author_name}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_editable(self) -> bool:
        """Its author may still change it: shown, and within the window it was written with."""
        return not self.is_hidden and timezone.now() <= self.editable_until


class ReviewPhoto(models.Model):
    """A buyer's photo of what they received: public while its review is shown."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=review_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of review {self.review_id}"


class ReviewReport(models.Model):
    """A shopper's report of a review; one per account and review."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off_topic", "Not about this product"
        PERSONAL = "personal", "Shares personal information"
        OTHER = "other", "Something else"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_reports")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when staff hide or keep the review: the report leaves the queue.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["review", "reporter"], name="one_report_per_review_and_account")]

    def __str__(self) -> str:
        return f"Report of review {self.review_id}: {self.get_reason_display()}"
