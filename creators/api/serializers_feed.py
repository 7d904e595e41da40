"""Shapes of the public feed API: posts with their creator, media URLs and timed product tags (read-only)."""

import json

from django.core.files.storage import default_storage
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from creators import selectors
from creators.models import Creator, ProductTag, VideoPost
from marketplace.fragments import cached_items, fragment_key


def _absolute(context: dict, url: str) -> str:
    request = context.get("request")
    if request is None or "://" in url:
        return url
    if "origin" not in context:  # once per response: a page has many URLs
        context["origin"] = request.build_absolute_uri("/").rstrip("/")
    return context["origin"] + url


def _file_url(context: dict, field) -> str | None:
    return _absolute(context, default_storage.url(field.name)) if field else None


class CreatorSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The creator's profile page.")

    class Meta:
        model = Creator
        fields = ["handle", "display_name", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, creator: Creator) -> str:
        return _absolute(self.context, reverse("feed-creator", args=[creator.handle]))


class TaggedProductSerializer(serializers.Serializer):
    """A tagged product with the price of its default (first active) variant."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    price = serializers.DecimalField(
        source="default_variant.price", max_digits=12, decimal_places=2, allow_null=True, read_only=True,
        help_text="Price of the default option; null when no option is on sale.",
    )  # fmt: skip
    currency = serializers.CharField(source="default_variant.currency", allow_null=True, read_only=True)
    variant_id = serializers.IntegerField(source="default_variant.pk", allow_null=True, read_only=True)
    image = serializers.SerializerMethodField(help_text="URL of the first photo, or null.")
    url = serializers.SerializerMethodField(help_text="The product page.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_image(self, product) -> str | None:
        return _file_url(self.context, product.image.image) if product.image else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, product) -> str:
        return _absolute(self.context, product.get_absolute_url())


class FeedTagSerializer(serializers.ModelSerializer):
    product = TaggedProductSerializer(read_only=True)

    class Meta:
        model = ProductTag
        fields = ["id", "start_seconds", "end_seconds", "position_x", "position_y", "product"]
        read_only_fields = fields


class FeedPostSerializer(serializers.ModelSerializer):
    creator = CreatorSummarySerializer(read_only=True)
    video_url = serializers.SerializerMethodField(
        help_text="H.264/AAC MP4; byte ranges are served. Null while the video is still being processed."
    )
    poster_url = serializers.SerializerMethodField(help_text="Poster frame, or null.")
    url = serializers.SerializerMethodField(help_text="The post's shareable page.")
    tags = FeedTagSerializer(source="visible_tags", many=True, read_only=True, help_text="Visible tags by start time.")

    class Meta:
        model = VideoPost
        fields = [
            "id", "creator", "caption", "video_url", "poster_url", "duration_seconds", "width", "height",
            "published_at", "url", "like_count", "tags",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_video_url(self, post: VideoPost) -> str | None:
        return _file_url(self.context, post.video)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_poster_url(self, post: VideoPost) -> str | None:
        return _file_url(self.context, post.poster)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, post: VideoPost) -> str:
        return _absolute(self.context, reverse("feed-post", args=[post.pk]))


# A like count no post has, rendered where each answer puts the post's current count.
_LIKE_COUNT_MARK = -918_273_645_546_372_819
_LIKE_COUNT_FIELD = b'"like_count":'


def feed_page_json(page: selectors.FeedPage, *, context: dict) -> bytes:
    """`JSONRenderer().render(FeedPageSerializer(page).data)`, byte for byte, its items' JSON shared through the cache.

    An item is keyed as the feed page keys a post's body (`PagePost.body_parts`) and on the origin of its absolute
    URLs; only the missing are loaded (4 queries), serialized and rendered. Each item is kept as its rendered JSON
    around its `like_count`, which moves with every like without touching the post's versions: it is the page
    query's, put in per answer. Joining rendered items saves encoding ten posts' JSON on every request.
    """
    request = context.get("request")
    origin = request.build_absolute_uri("/") if request is not None else ""
    posts = page.posts
    keys = {post.pk: fragment_key("api-feed-post-json", (origin, post.pk, *post.body_parts)) for post in posts}

    def build(missing: list[int]) -> dict[int, tuple[bytes, bytes] | None]:
        loaded = selectors.posts_for_bodies(post_ids=missing)
        serializer = FeedPostSerializer(context=context)  # its fields built once for the lot
        renderer = JSONRenderer()
        built: dict[int, tuple[bytes, bytes] | None] = {}
        for pk in missing:
            if pk not in loaded:  # deleted since the page was read: no item (its key is never asked for again)
                built[pk] = None
                continue
            item = {**serializer.to_representation(loaded[pk]), "like_count": _LIKE_COUNT_MARK}
            before, _, after = renderer.render(item).partition(_LIKE_COUNT_FIELD + str(_LIKE_COUNT_MARK).encode())
            built[pk] = (before + _LIKE_COUNT_FIELD, after)
        return built

    items = cached_items(keys, build)
    results = b",".join(
        b"%s%d%s" % (items[post.pk][0], post.like_count, items[post.pk][1])
        for post in posts
        if items[post.pk] is not None
    )
    return b'{"results":[%s],"next_cursor":%s}' % (results, json.dumps(page.next_cursor).encode())


class FeedPageSerializer(serializers.Serializer):
    results = FeedPostSerializer(many=True, source="posts")
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Pass as `cursor` for the next page; null at the end."
    )


class CreatorProfileSerializer(serializers.Serializer):
    handle = serializers.CharField(source="creator.handle")
    display_name = serializers.CharField(source="creator.display_name")
    bio = serializers.CharField(source="creator.bio")
    follower_count = serializers.IntegerField(source="creator.follower_count", help_text="Shoppers who follow them.")
    posts = FeedPostSerializer(many=True, help_text="Published posts, newest first.")
    products = TaggedProductSerializer(many=True, help_text="Distinct products the creator tags (the showcase).")
