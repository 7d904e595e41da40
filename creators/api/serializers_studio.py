"""Serializers of the creator studio API: they validate input shapes and render posts and tags."""

from rest_framework import serializers

from creators.models import ProductTag, VideoPost
from creators.services.posts import hashtags
from shop.selectors import is_on_sale


def _absolute(request, url: str) -> str | None:
    if not url:
        return None
    return request.build_absolute_uri(url) if request is not None else url


class StudioTaggedProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    slug = serializers.SlugField(read_only=True)


class StudioTagSerializer(serializers.ModelSerializer):
    product = StudioTaggedProductSerializer(read_only=True)
    needs_relink = serializers.SerializerMethodField(help_text="The product is no longer sold: choose another one.")

    class Meta:
        model = ProductTag
        fields = ["id", "post", "product", "start_seconds", "end_seconds", "position_x", "position_y", "needs_relink"]

    def get_needs_relink(self, tag: ProductTag) -> bool:
        return not is_on_sale(tag.product)


class StudioPostSerializer(serializers.ModelSerializer):
    hashtags = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    is_published = serializers.BooleanField(read_only=True)
    tags = StudioTagSerializer(many=True, read_only=True)

    class Meta:
        model = VideoPost
        fields = [
            "id",
            "caption",
            "hashtags",
            "status",
            "failure_reason",
            "video_url",
            "poster_url",
            "poster_renditions",
            "original_filename",
            "size_bytes",
            "duration_seconds",
            "width",
            "height",
            "is_published",
            "published_at",
            "created_at",
            "tags",
        ]
        read_only_fields = fields

    def get_hashtags(self, post: VideoPost) -> list[str]:
        return hashtags(post.caption)

    def get_video_url(self, post: VideoPost) -> str | None:
        # A draft's files are private: this URL answers its creator (and staff) only.
        if post.status != VideoPost.Status.READY:
            return None
        return _absolute(self.context.get("request"), post.studio_video_url)

    def get_poster_url(self, post: VideoPost) -> str | None:
        return _absolute(self.context.get("request"), post.studio_poster_url)


class PostUploadSerializer(serializers.Serializer):
    video = serializers.FileField(help_text="MP4, MOV or WebM (H.264, HEVC, VP9 or AV1), checked by content.")
    caption = serializers.CharField(max_length=2200, required=False, allow_blank=True, default="")


class PostUpdateSerializer(serializers.Serializer):
    caption = serializers.CharField(max_length=2200, allow_blank=True)


class TagWriteSerializer(serializers.Serializer):
    product = serializers.IntegerField(help_text="Id of an active product with a commission rate above 0.")
    start_seconds = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0)
    end_seconds = serializers.DecimalField(max_digits=7, decimal_places=2, min_value=0, required=False, allow_null=True)
    position_x = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    position_y = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)


class TagUpdateSerializer(TagWriteSerializer):
    product = serializers.IntegerField(
        required=False, help_text="Relink the tag to another taggable product (e.g. when its product was archived)."
    )


class TaggableProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    seller = serializers.CharField(source="seller.name", read_only=True)
    affiliate_commission_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        label="Affiliate commission rate (%)",
        help_text="Share of the sale, 0 to 80 %, that a creator who sells this product earns.",
    )
