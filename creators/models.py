"""Creators, their video posts and product tags, attribution records, commissions and payouts."""

from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from creators.money import cents_in_words
from marketplace.storage import private_storage
from shop.selectors import products_on_sale

HANDLE_VALIDATOR = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9_.]{1,28}[a-z0-9])$",
    "3 to 30 lower-case letters, digits, dots or underscores, starting and ending with a letter or digit.",
)


def seconds_text(value) -> str:
    """A moment of a video in words: 2.50 -> "2.5 s"."""
    return f"{Decimal(str(value)).normalize():f} s"


def avatar_path(instance: "Creator", filename: str) -> str:
    return f"creators/{instance.user_id}/avatar/{filename}"


class Creator(models.Model):
    """A user's creator profile; only approved creators upload, tag and earn."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator")
    handle = models.CharField(max_length=30, unique=True, validators=[HANDLE_VALIDATOR])
    display_name = models.CharField(max_length=80)
    bio = models.TextField(max_length=500, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    # format -> width -> storage name, filled by a media task (like product images).
    avatar_renditions = models.JSONField(default=dict, blank=True)
    country = CountryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Stripe Connect (Express) account that receives payouts.
    stripe_account_id = models.CharField(max_length=64, blank=True)
    payouts_enabled = models.BooleanField(default=False)
    # Kept by creators.services.social with each Follow written or deleted: lists show it without counting.
    follower_count = models.PositiveIntegerField(default=0, editable=False)  # kept by the follow service
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["handle"]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


STUDIO_PREFIX = "studio"


def video_path(instance: "VideoPost", filename: str) -> str:
    return f"videos/{instance.creator_id}/{filename}"


def studio_path(instance: "VideoPost", filename: str) -> str:
    """Where a post's private files go: the upload, and its playable files while only the studio sees them.

    The `/media/` view refuses this prefix, so on the local disk too they are reached only through the app's
    permission check (creators.studio.views.post_media).
    """
    return f"{STUDIO_PREFIX}/{instance.creator_id}/{filename}"


class VideoPostQuerySet(models.QuerySet):
    def published(self) -> "VideoPostQuerySet":
        """Posts anyone may see: published, playable, by an approved creator."""
        return self.filter(
            published_at__isnull=False,
            status=VideoPost.Status.READY,
            creator__status=Creator.Status.APPROVED,
        ).exclude(video="")  # its public copy is made by the media worker just after publishing


class VideoPost(models.Model):
    """A creator's short video; `status` tracks the media pipeline, `published_at` visibility."""

    class Status(models.TextChoices):
        UPLOADING = "uploading", "Uploading"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="posts")
    caption = models.TextField(max_length=2200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADING, db_index=True)
    failure_reason = models.CharField(max_length=300, blank=True)
    source = models.FileField(
        upload_to=studio_path, storage=private_storage, blank=True, help_text="The file as uploaded (private)."
    )
    # What processing makes, private: the creator and staff see it through the app's permission check.
    private_video = models.FileField(
        upload_to=studio_path, storage=private_storage, blank=True, help_text="H.264/AAC MP4 every browser plays."
    )
    private_poster = models.FileField(upload_to=studio_path, storage=private_storage, blank=True)
    private_poster_renditions = models.JSONField(default=dict, blank=True)
    # Public copies of those, at a fresh folder each time, only while the post is published (post_media.py).
    video = models.FileField(upload_to=video_path, blank=True, help_text="Public copy while published.")
    poster = models.ImageField(upload_to=video_path, blank=True, help_text="Public copy while published.")
    poster_renditions = models.JSONField(default=dict, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    # The open multipart upload of a video sent straight to object storage (empty once completed or aborted).
    upload_id = models.CharField(max_length=1024, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    duration_seconds = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Kept by creators.services.social with each Like written or deleted.
    like_count = models.PositiveIntegerField(default=0, editable=False)  # kept by the like service
    # Moved (+1) in the transaction of every change to what the post's body shows beyond its own row and its
    # creator's (its tags; the tagged products' titles, prices, images, ratings, whether on sale): the feed's
    # cached bodies are keyed on it with `updated_at` (creators.services.body_versions).
    body_version = models.PositiveBigIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VideoPostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["-published_at", "-id"], name="videopost_feed_order")]

    def __str__(self) -> str:
        handle = f"@{self.creator.handle}" if self.creator_id else "a creator"
        return f"Post {self.pk} by {handle}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def studio_video_url(self) -> str:
        """The video as its creator and staff see it: the public copy once published, else through the app."""
        return _studio_url(self, self.video, self.private_video)

    @property
    def studio_poster_url(self) -> str:
        return _studio_url(self, self.poster, self.private_poster)


def _studio_url(post: VideoPost, public, private) -> str:
    if public:
        return public.url
    if private:
        return reverse("studio:post-media", args=[post.pk, PurePosixPath(private.name).name])
    return ""


class ProductTagQuerySet(models.QuerySet):
    def visible(self) -> "ProductTagQuerySet":
        """Tags shown to shoppers: on a product on sale (an archived product's tag waits for a relink)."""
        return self.filter(product__in=products_on_sale())


class ProductTag(models.Model):
    """A product shown at a moment of a video: from start_seconds to end_seconds (or the end)."""

    post = models.ForeignKey(VideoPost, on_delete=models.CASCADE, related_name="tags")
    product = models.ForeignKey("shop.Product", on_delete=models.PROTECT, related_name="creator_tags")
    start_seconds = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    end_seconds = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    # On-screen position of the chip in percent of the frame; empty = the default corner.
    position_x = models.PositiveSmallIntegerField(null=True, blank=True)
    position_y = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductTagQuerySet.as_manager()

    class Meta:
        ordering = ["post", "start_seconds", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start_seconds__gte=0), name="tag_start_not_negative"),
            models.CheckConstraint(
                condition=Q(end_seconds__isnull=True) | Q(end_seconds__gt=models.F("start_seconds")),
                name="tag_end_after_start",
            ),
            models.CheckConstraint(
                condition=(Q(position_x__isnull=True) | Q(position_x__lte=100))
                & (Q(position_y__isnull=True) | Q(position_y__lte=100)),
                name="tag_position_in_frame",
            ),
        ]

    def __str__(self) -> str:
        title = self.product.title if self.product_id else "A product"
        return f"{title} at {seconds_text(self.start_seconds)}"


class PostImpression(models.Model):
    """Append-only: a post was shown to a visitor (written in batches, off the request path)."""

    post = models.ForeignKey(VideoPost, on_delete=models.CASCADE, related_name="impressions")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    session_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["creator", "created_at"])]

    def __str__(self) -> str:
        return f"Impression of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"


class TagClick(models.Model):
    """Append-only: a shopper tapped a product tag. Attribution looks up the last one per product."""

    tag = models.ForeignKey(ProductTag, null=True, on_delete=models.SET_NULL, related_name="clicks")
    post = models.ForeignKey(VideoPost, null=True, on_delete=models.SET_NULL, related_name="tag_clicks")
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="tag_clicks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "product", "created_at"]),
            models.Index(fields=["session_key", "product", "created_at"]),
            models.Index(fields=["creator", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Click on tag {self.tag_id} (product {self.product_id}) at {self.created_at:%Y-%m-%d %H:%M}"


class Payout(models.Model):
    """A creator's payable commissions paid in one Stripe Transfer per source charge."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"

    creator = models.ForeignKey(Creator, on_delete=models.PROTECT, related_name="payouts")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    stripe_transfer_ids = models.JSONField(default=list, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payout_amount_positive")]

    def __str__(self) -> str:
        return f"Payout {self.pk} to {self.creator_id}: {cents_in_words(self.amount_cents, self.currency)}"


class Commission(models.Model):
    """What a creator earns on one attributed order line (kind=earning), or a later correction.

    Amounts are integer minor units. Before payout a refund lowers `amount_reversed_cents`; a
    paid row is never edited: a refund after payout writes a negative `adjustment` row instead,
    netted in the next payout.
    """

    class Kind(models.TextChoices):
        EARNING = "earning", "Earning"
        ADJUSTMENT = "adjustment", "Adjustment after payout"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (return window open)"
        PAYABLE = "payable", "Payable"
        PAID = "paid", "Paid"
        REVERSED = "reversed", "Reversed"

    creator = models.ForeignKey(Creator, on_delete=models.PROTECT, related_name="commissions")
    order_line = models.ForeignKey("shop.OrderLine", on_delete=models.PROTECT, related_name="commissions")
    tag_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The tag the sale came from.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EARNING)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    rate = models.DecimalField(max_digits=5, decimal_places=2, help_text="Percent, copied from the order line.")
    base_cents = models.BigIntegerField(help_text="Line total after discounts, without tax and shipping.")
    amount_cents = models.BigIntegerField()
    amount_reversed_cents = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    payable_after = models.DateTimeField(null=True, blank=True, db_index=True)
    payout = models.ForeignKey(Payout, null=True, blank=True, on_delete=models.PROTECT, related_name="commissions")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One earning per order line; adjustments may be many.
            models.UniqueConstraint(
                fields=["order_line"], condition=Q(kind="earning"), name="one_earning_per_order_line"
            ),
            models.CheckConstraint(
                condition=Q(kind="adjustment") | (Q(amount_cents__gte=0) & Q(amount_reversed_cents__gte=0)),
                name="earning_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_reversed_cents__lte=models.F("amount_cents")) | Q(kind="adjustment"),
                name="earning_reversal_within_amount",
            ),
        ]

    def __str__(self) -> str:
        amount = cents_in_words(self.amount_cents, self.currency)
        return f"{self.get_kind_display()} of {amount} for order line {self.order_line_id}"

    @property
    def net_cents(self) -> int:
        return self.amount_cents - self.amount_reversed_cents


class Follow(models.Model):
    """A shopper follows a creator: their posts fill the feed's Following tab."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "creator"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows @{self.creator.handle}"


class Like(models.Model):
    """A shopper likes a post."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes")
    post = models.ForeignKey(VideoPost, on_delete=models.CASCADE, related_name="likes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="like_once")]

    def __str__(self) -> str:
        return f"{self.user_id} likes post {self.post_id}"
