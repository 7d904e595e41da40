"""Reviews through the API: a product's shown reviews (anyone), and a buyer posting one of a delivered purchase.

Posting goes through the service the review page uses (shop.services.reviews.post_review): its refusals are
400s with their `code` and field, nothing written; a purchase that is not the caller's answers 404.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api_errors import DomainError, error_response
from shop import selectors
from shop.models import Review
from shop.reviews.selectors import product_reviews_queryset
from shop.services.reviews import ReviewRefused, post_review

MAX_ID = 2**63 - 1
REFUSED = (
    "Refused, nothing written; `fields` names the input at fault. `code`: `invalid` (types, sizes), "
    "`not_delivered`, `already_reviewed`, `invalid_rating`, `empty_text`, `text_too_long`, `too_many_photos`, "
    "`image_invalid` (and the other image checks), `photos_and_video`, `unreadable`, `container`, `codec`, `too_long`, "
    "`too_large`, `video_format` (not MP4/H.264; the other video checks), `too_many_reviews` (the account's daily "
    "limit)."
)


class ReviewPhotoSerializer(serializers.Serializer):
    url = serializers.CharField(source="image.url")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class ReviewSerializer(serializers.ModelSerializer):
    photos = ReviewPhotoSerializer(many=True, read_only=True)
    video = serializers.SerializerMethodField(help_text="The review's MP4 (H.264) clip, or null.")
    product = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The product's slug.")

    class Meta:
        model = Review
        fields = (
            "id",
            "product",
            "rating",
            "text",
            "author_name",
            "variant_label",
            "created_at",
            "updated_at",
            "photos",
            "video",
            "video_seconds",
            "seller_answer",
            "answered_at",
        )
        read_only_fields = fields

    def get_video(self, review: Review) -> str | None:
        return review.video.url if review.video else None


class ReviewCreateSerializer(serializers.Serializer):
    order_line_id = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A delivered line of one of your orders (the order's `lines`)."
    )
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="Stars, 1 to 5.")
    text = serializers.CharField(max_length=10_000, help_text="What you think of it.")
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=20,
        help_text="Multipart only: up to 5 pictures (JPEG, PNG, WebP or GIF) of what you received.",
    )
    video = serializers.FileField(
        required=False,
        default=None,
        help_text="Multipart only, instead of photos: a short MP4 (H.264) clip (REVIEW_VIDEO_MAX_SECONDS, "
        "default 60 s; REVIEW_VIDEO_MAX_BYTES, default 50 MB), checked by its content.",
    )


@extend_schema(
    tags=["catalog"],
    summary="List a product's reviews",
    responses={200: ReviewSerializer(many=True), 404: error_response("No product on sale has this slug.")},
)
class ProductReviewListView(generics.ListAPIView):
    """The product's shown reviews, newest first, 24 a page, with photos and the seller's answer."""

    serializer_class = ReviewSerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Review]:
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        product = selectors.storefront_products().filter(slug=self.kwargs["slug"]).values("pk", "slug").first()
        if product is None:
            raise exceptions.NotFound("No product on sale has this slug.")
        return product_reviews_queryset(product_id=product["pk"]).select_related("product")


class ReviewCreateView(APIView):
    """Review a delivered purchase of yours: one review per order line."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=["orders"],
        summary="Review a delivered purchase",
        description=(
            "JSON, or multipart to send photos or a video. The product's and seller's ratings count it at once."
        ),
        request={"application/json": ReviewCreateSerializer, "multipart/form-data": ReviewCreateSerializer},
        responses={
            201: ReviewSerializer,
            400: error_response(REFUSED),
            403: error_response("Not logged in (session or token)."),
            404: error_response("No order line of yours has this id."),
        },
    )
    def post(self, request: Request) -> Response:
        params = ReviewCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            review = post_review(
                user=request.user,
                order_line_id=data["order_line_id"],
                rating=data["rating"],
                text=data["text"],
                photos=data["photos"],
                video=data["video"],
            )
        except ReviewRefused as error:
            if error.code == "not_yours":
                raise exceptions.NotFound("No order line of yours has this id.") from error
            fields = {error.field: [error.message]} if error.field else {}
            raise DomainError(error.code, error.message, fields=fields) from error
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)
