"""Staff pages for creators, their video posts and product tags.

Review actions call the profile services (which record who reviewed and when); media fields are
read-only because the processing task owns them. Tags, on their own page or on their post's, are
checked and saved through the tag service, as in the studio: a taggable product, times inside the
processed video, a position in the frame, at most MAX_TAGS_PER_POST per post.
"""

from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html

from creators.models import Creator, ProductTag, VideoPost, seconds_text
from creators.services import post_media, profiles, tags
from marketplace.forms import add_service_errors
from shop.admin_writes import ServiceWritesAdmin, adopt

PLACEMENT_FIELDS = ("start_seconds", "end_seconds", "position_x", "position_y")


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


class ProductTagForm(forms.ModelForm):
    """A tag checked as the tag service checks it: a taggable product, a placement inside the video and frame."""

    class Meta:
        labels = {
            "start_seconds": "From (s)",
            "end_seconds": "Until (s)",
            "position_x": "Across (%)",
            "position_y": "Down (%)",
        }
        help_texts = {
            "end_seconds": "Empty: until the video ends.",
            "position_x": "Percent of the frame's width; empty: the default corner.",
            "position_y": "Percent of the frame's height; empty: the default corner.",
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is not None and not self.has_changed():
            return cleaned  # an untouched row of the post's page is not written
        # On the post's page the post is the page's (maybe unsaved) post; on a tag's change page it is read-only.
        post = cleaned.get("post") or (self.instance.post if self.instance.post_id else None)
        product = cleaned.get("product")
        adding = self.instance.pk is None
        # The checks of what _save_tag will call: add_tag for a new tag, relink_tag and/or update_tag for a change.
        if product is not None and (adding or "product" in self.changed_data):
            try:
                tags.check_taggable(product_id=product.pk)
            except ValidationError as error:
                add_service_errors(self, error)
        moved = adding or set(self.changed_data) & set(PLACEMENT_FIELDS)
        if post is not None and moved and not any(name in self.errors for name in PLACEMENT_FIELDS):
            try:
                tags.check_placement(post=post, **{name: cleaned.get(name) for name in PLACEMENT_FIELDS})
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


class ProductTagFormSet(BaseInlineFormSet):
    """A post's tag rows: together with the stored tags, at most MAX_TAGS_PER_POST."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return  # a post being added is not processed yet: each new row says so
        kept_new = [form for form in self.extra_forms if form.has_changed() and not _deleted(form)]
        removed = [form for form in self.initial_forms if _deleted(form)]
        tags.check_room_for_tags(post=self.instance, adding=len(kept_new) - len(removed))


def _deleted(form: forms.BaseForm) -> bool:
    return bool(getattr(form, "cleaned_data", {}).get("DELETE"))


def _save_tag(tag: ProductTag, *, changed: Iterable[str]) -> None:
    """Write an admin form's tag through the tag service: add it, or relink and move it."""
    placement = {name: getattr(tag, name) for name in PLACEMENT_FIELDS}
    if tag.pk is None:
        adopt(tag, tags.add_tag(post=tag.post, product_id=tag.product_id, **placement))
        return
    if "product" in changed:
        tags.relink_tag(tag=tag, product_id=tag.product_id)
    if set(changed) & set(PLACEMENT_FIELDS):
        tags.update_tag(tag=tag, **placement)


class ProductTagInline(admin.TabularInline):
    model = ProductTag
    form = ProductTagForm
    formset = ProductTagFormSet
    extra = 0
    raw_id_fields = ("product",)
    fields = ("product", "start_seconds", "end_seconds", "position_x", "position_y")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductTag]:
        return super().get_queryset(request).select_related("product")  # each row is named by its product


@admin.register(VideoPost)
class VideoPostAdmin(ServiceWritesAdmin):
    list_display = ("id", "creator", "short_caption", "status", "published_at", "tag_count", "created_at")
    list_filter = ("status", ("published_at", admin.EmptyFieldListFilter), "creator__status")
    search_fields = ("caption", "creator__handle", "original_filename")
    list_select_related = ("creator",)
    date_hierarchy = "created_at"
    raw_id_fields = ("creator",)
    readonly_fields = (
        "status",
        "failure_reason",
        "preview",
        "source",
        "private_video",
        "private_poster",
        "private_poster_renditions",
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

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not ProductTag:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # sorts the rows into new, changed and deleted (the change message lists them)
        for tag in formset.deleted_objects:
            tags.delete_tag(tag=tag)
        for tag, changed in formset.changed_objects:
            _save_tag(tag, changed=changed)
        for tag in formset.new_objects:
            _save_tag(tag, changed=())

    def save_model(self, request: HttpRequest, obj: VideoPost, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "published_at" in form.changed_data:
            # Staff published or hid it here: its public copies follow, as after the studio's buttons.
            post_media.visibility_changed(post=obj)

    @admin.display(description="Video")
    def preview(self, post: VideoPost) -> str:
        """The video as the creator sees it: a draft's through the permission-checked view, never public."""
        if not post.studio_video_url:
            return "-"
        return format_html(
            '<video src="{}" poster="{}" controls preload="metadata" width="270"></video>',
            post.studio_video_url,
            post.studio_poster_url,
        )

    @admin.display(description="Caption")
    def short_caption(self, post: VideoPost) -> str:
        return post.caption[:60]

    @admin.display(description="Tags", ordering="tag_total")
    def tag_count(self, post: VideoPost) -> int:
        return post.tag_total


class ProductTagAdminForm(ProductTagForm):
    """A tag on its own page: a new one also needs room on its post."""

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk is None and cleaned.get("post") is not None:
            try:
                tags.check_room_for_tags(post=cleaned["post"])
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


@admin.register(ProductTag)
class ProductTagAdmin(ServiceWritesAdmin):
    form = ProductTagAdminForm
    list_display = ("id", "post", "product", "product_status", "shown", "position")
    list_filter = ("product__status",)
    search_fields = ("product__title", "post__creator__handle")
    list_select_related = ("post__creator", "product")
    raw_id_fields = ("post", "product")

    def get_readonly_fields(self, request: HttpRequest, obj: ProductTag | None = None) -> tuple[str, ...]:
        # A tag stays on its post (its clicks record both); tag the other post instead.
        return ("post", *self.readonly_fields) if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ProductTag, form, change: bool) -> None:
        _save_tag(obj, changed=form.changed_data if change else ())

    @admin.display(description="Product status", ordering="product__status")
    def product_status(self, tag: ProductTag) -> str:
        return tag.product.get_status_display()

    @admin.display(description="Shown", ordering="start_seconds")
    def shown(self, tag: ProductTag) -> str:
        until = "the end" if tag.end_seconds is None else seconds_text(tag.end_seconds)
        return f"from {seconds_text(tag.start_seconds)} to {until}"

    @admin.display(description="Position")
    def position(self, tag: ProductTag) -> str:
        if tag.position_x is None and tag.position_y is None:
            return "default corner"
        across = "default" if tag.position_x is None else f"{tag.position_x} %"
        down = "default" if tag.position_y is None else f"{tag.position_y} %"
        return f"{across} across, {down} down"


# Commissions and payouts have their own module (built with the earnings); importing it registers them.
from creators import admin_money  # noqa: E402, F401
