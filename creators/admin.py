"""Staff pages for creators, their video posts and product tags.

Review actions call the profile services (which record who reviewed and when); media fields are
read-only because the processing task owns them.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from creators.models import Creator, ProductTag, VideoPost
from creators.services import profiles


def _review_action(service, verb: str, description: str):
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Creator]) -> None:
        done, refused = 0, []
        for creator in queryset.order_by("pk"):
            try:
                service(creator=creator, by=request.user)
            except ValidationError as error:
                refused.append(f"@{creator.handle}: {' '.join(error.messages)}")
            else:
                done += 1
        if done:
            modeladmin.message_user(request, f"{done} creator(s) {verb}.", messages.SUCCESS)
        for message in refused:
            modeladmin.message_user(request, message, messages.WARNING)

    action.__name__ = f"{verb}_creators"
    return admin.action(description=description)(action)


@admin.register(Creator)
class CreatorAdmin(admin.ModelAdmin):
    list_display = ("handle", "display_name", "user", "country", "status", "post_count", "reviewed_by", "created_at")
    list_filter = ("status", "country")
    search_fields = ("handle", "display_name", "user__username", "user__email")
    list_select_related = ("user", "reviewed_by")
    readonly_fields = (
        "status",
        "reviewed_by",
        "reviewed_at",
        "avatar_renditions",
        "stripe_account_id",
        "payouts_enabled",
        "created_at",
        "updated_at",
    )
    raw_id_fields = ("user",)
    actions = [
        _review_action(profiles.approve_creator, "approved", "Approve the selected creators"),
        _review_action(profiles.reject_creator, "rejected", "Reject the selected applications"),
        _review_action(profiles.suspend_creator, "suspended", "Suspend the selected creators"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Creator]:
        return super().get_queryset(request).annotate(post_total=Count("posts"))

    @admin.display(description="Posts", ordering="post_total")
    def post_count(self, creator: Creator) -> int:
        return creator.post_total


class ProductTagInline(admin.TabularInline):
    model = ProductTag
    extra = 0
    raw_id_fields = ("product",)
    fields = ("product", "start_seconds", "end_seconds", "position_x", "position_y")


@admin.register(VideoPost)
class VideoPostAdmin(admin.ModelAdmin):
    list_display = ("id", "creator", "short_caption", "status", "published_at", "tag_count", "created_at")
    list_filter = ("status", ("published_at", admin.EmptyFieldListFilter), "creator__status")
    search_fields = ("caption", "creator__handle", "original_filename")
    list_select_related = ("creator",)
    date_hierarchy = "created_at"
    raw_id_fields = ("creator",)
    readonly_fields = (
        "status",
        "failure_reason",
        "source",
        "video",
        "poster",
        "poster_renditions",
        "original_filename",
        "size_bytes",
        "duration_seconds",
        "width",
        "height",
        "created_at",
        "updated_at",
    )
    inlines = [ProductTagInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[VideoPost]:
        return super().get_queryset(request).annotate(tag_total=Count("tags"))

    @admin.display(description="Caption")
    def short_caption(self, post: VideoPost) -> str:
        return post.caption[:60]

    @admin.display(description="Tags", ordering="tag_total")
    def tag_count(self, post: VideoPost) -> int:
        return post.tag_total


@admin.register(ProductTag)
class ProductTagAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "post",
        "product",
        "product_status",
        "start_seconds",
        "end_seconds",
        "position_x",
        "position_y",
    )
    list_filter = ("product__status",)
    search_fields = ("product__title", "post__creator__handle")
    list_select_related = ("post", "product")
    raw_id_fields = ("post", "product")

    @admin.display(description="Product status", ordering="product__status")
    def product_status(self, tag: ProductTag) -> str:
        return tag.product.get_status_display()


# Commissions and payouts have their own module (built with the earnings); importing it registers them.
from creators import admin_money  # noqa: E402, F401
