"""Staff admin for reviews: moderation. Staff hide a review with a reason (off the product page and out of
the ratings), show it again, or keep it; "Reported, waiting" is the queue of reviews shoppers reported.

Reviews are written by buyers and answered by sellers through `shop.services.reviews`; here they are read
and moderated only, each action through the same service, which recounts the ratings.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from shop.models import Review, ReviewReport
from shop.services.reviews import ReviewRefused, hide_review, keep_review, show_review

REPORTED = "reported"


class ModerationFilter(admin.SimpleListFilter):
    """The reported queue (open reports, most reported first), and the hidden reviews."""

    title = "moderation"
    parameter_name = "moderation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(REPORTED, "Reported, waiting"), ("hidden", "Hidden"), ("shown", "Shown")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Review]) -> QuerySet[Review]:
        if self.value() == REPORTED:
            return queryset.filter(open_reports__gt=0, hidden_at__isnull=True)
        if self.value() == "hidden":
            return queryset.filter(hidden_at__isnull=False)
        if self.value() == "shown":
            return queryset.filter(hidden_at__isnull=True)
        return queryset


class ReviewReportInline(ReadOnlyInline):
    model = ReviewReport
    fields = ("created_at", "reporter", "reason", "note", "resolved_at")
    readonly_fields = fields


class HideForm(forms.Form):
    reason = forms.CharField(
        label="Why is it hidden?",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept with the review and shown to its author on their reviews page.",
    )


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "product", "seller", "rating", "open_reports", "hidden_state", "created_at")
    list_select_related = ("product", "seller")
    list_filter = (ModerationFilter, "rating")
    search_fields = ("product__title", "author_name", "text", "order_line__order__number")
    show_full_result_count = False
    actions = ("hide_action", "show_action", "keep_action")
    inlines = (ReviewReportInline,)
    fields = (
        "product",
        "seller",
        "author",
        "author_name",
        "order_line",
        "rating",
        "text",
        "photo_previews",
        "video_preview",
        "created_at",
        "editable_until",
        "seller_answer",
        "answered_at",
        "hidden_at",
        "hidden_reason",
        "hidden_by",
        "open_reports",
    )
    readonly_fields = ("photo_previews", "video_preview")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Review]:
        return super().get_queryset(request).prefetch_related("photos")

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        # The queue is worked from the most reported, then the oldest.
        if request.GET.get(ModerationFilter.parameter_name) == REPORTED:
            return ("-open_reports", "created_at", "pk")
        return ("-created_at", "-pk")

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm("shop.change_review")

    @admin.display(description="shown")
    def hidden_state(self, review: Review) -> str:
        return f"Hidden: {review.hidden_reason}" if review.is_hidden else "Shown"

    @admin.display(description="photos")
    def photo_previews(self, review: Review) -> str:
        photos = list(review.photos.all())
        if not photos:
            return "-"
        return format_html_join(
            " ",
            '<a href="{}"><img src="{}" width="96" alt="Photo {}"></a>',
            ((p.image.url, p.image.url, p.pk) for p in photos),
        )

    @admin.display(description="video")
    def video_preview(self, review: Review) -> str:
        # Staff judge the clip as shoppers see it before keeping or hiding the review.
        if not review.video:
            return "-"
        return format_html('<video src="{}" controls preload="metadata" width="320"></video>', review.video.url)

    @admin.action(description="Hide the selected reviews (with a reason)…", permissions=["moderate"])
    def hide_action(self, request: HttpRequest, queryset: QuerySet[Review]) -> HttpResponse | None:
        form = HideForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            hidden = []
            for review in queryset.order_by("pk"):
                try:
                    hide_review(review=review, by=request.user, reason=form.cleaned_data["reason"])
                except ReviewRefused as error:  # only a missing reason, which the form has checked
                    self.message_user(request, f"Review {review.pk}: {error.message}", messages.ERROR)
                else:
                    hidden.append(str(review.pk))
            self.message_user(request, f"Hidden: review {', '.join(hidden)}. Ratings recounted.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"Hide {queryset.count()} review(s)",
            "opts": self.opts,
            "reviews": queryset.select_related("product").order_by("pk"),
            "form": form,
            "action": "hide_action",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/shop/review/hide_selected.html", context)

    @admin.action(description="Show the selected reviews again", permissions=["moderate"])
    def show_action(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset.filter(hidden_at__isnull=False).order_by("pk"):
            show_review(review=review, by=request.user)
        self.message_user(request, "Shown again; ratings recounted.", messages.SUCCESS)

    @admin.action(description="Keep the selected reviews (close their reports)", permissions=["moderate"])
    def keep_action(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset.filter(open_reports__gt=0).order_by("pk"):
            keep_review(review=review, by=request.user)
        self.message_user(request, "Kept; their reports are closed.", messages.SUCCESS)
