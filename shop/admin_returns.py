"""Staff admin for returns: the list, a read-only return with its lines, photos and timeline, and review.

A return waiting for review is approved, rejected with a message, or refunded without return, each
through its service (shop.services.returns) after a confirmation page, one return from its page or
several from the list. A refusal (the return was decided meanwhile, a message is missing) is shown
and changes nothing: each service decides in one transaction.
"""

from dataclasses import dataclass
from pathlib import PurePosixPath

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from marketplace.storage import serve_private
from marketplace.views import MEDIA_TYPES
from shop.admin_orders import refund_lines_in_words
from shop.models import OrderEvent, ReturnLine, ReturnPhoto, ReturnRequest
from shop.order_timeline import describe
from shop.services.returns import ReturnNotAllowed, approve_return, refund_without_return, reject_return

S = ReturnRequest.Status
THUMBNAIL_WIDTH = 96
REVIEW_QUEUE = "review"


def review_queue_url() -> str:
    """The returns waiting for staff, the oldest first."""
    return f"{reverse('admin:shop_returnrequest_changelist')}?{urlencode({'queue': REVIEW_QUEUE})}"


# --- what staff may decide ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    slug: str
    title: str  # "Approve return R1"
    submit: str
    done: str  # "Approved"
    explain: str
    message: str  # "required", "optional" or "" (no message)


DECISIONS = {
    decision.slug: decision
    for decision in (
        Decision(
            slug="approve",
            title="Approve",
            submit="Approve",
            done="Approved",
            explain="The shopper gets a prepaid label and a drop-off code by email; the refund follows the "
            "inspection at the returns centre.",
            message="",
        ),
        Decision(
            slug="reject",
            title="Reject",
            submit="Reject",
            done="Rejected",
            explain="The shopper keeps the items and is not refunded; the message below is emailed to them.",
            message="required",
        ),
        Decision(
            slug="refund-without-return",
            title="Refund without return",
            submit="Refund and let them keep it",
            done="Refunded without return",
            explain="Not worth shipping back: the units are refunded now (their tax, and shipping when the shop "
            "is at fault, in proportion) and the shopper keeps them.",
            message="optional",
        ),
    )
}


class DecisionForm(forms.Form):
    """The message to the shopper, when the decision takes one."""

    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=500,
        strip=True,
        help_text="Emailed to the shopper and kept on the order's timeline (up to 500 characters).",
    )

    def __init__(self, *args, decision: Decision, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not decision.message:
            del self.fields["message"]
        else:
            self.fields["message"].required = decision.message == "required"
            if decision.message == "required":
                self.fields["message"].label = "Why (to the shopper)"

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if "\x00" in message:
            raise forms.ValidationError("The message contains characters we cannot store.")
        return message


def decide(*, decision: Decision, return_id: int, message: str, by) -> ReturnRequest:
    """Call the service of one decision (raises ReturnNotAllowed, nothing changed, when refused)."""
    if decision.slug == "approve":
        return approve_return(return_id=return_id, by=by)
    if decision.slug == "reject":
        return reject_return(return_id=return_id, message=message, by=by)
    return refund_without_return(return_id=return_id, message=message, by=by)


# --- inlines ----------------------------------------------------------------------------------------


class ReturnLineInline(ReadOnlyInline):
    model = ReturnLine
    fields = ("sku", "product", "unit_price", "quantity", "quantity_accepted", "quantity_missing")
    readonly_fields = fields
    verbose_name_plural = "lines (accepted and missing are filled by the inspection)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReturnLine]:
        return super().get_queryset(request).select_related("order_line")

    @admin.display(description="SKU")
    def sku(self, line: ReturnLine) -> str:
        return line.order_line.sku

    @admin.display(description="product")
    def product(self, line: ReturnLine) -> str:
        label = f" ({line.order_line.variant_label})" if line.order_line.variant_label else ""
        return f"{line.order_line.product_title}{label}"

    @admin.display(description="unit price")
    def unit_price(self, line: ReturnLine) -> str:
        return f"{line.order_line.unit_price} {line.order_line.currency}"


class ReturnPhotoInline(ReadOnlyInline):
    model = ReturnPhoto
    fields = ("preview", "size", "created_at")
    readonly_fields = fields
    verbose_name_plural = "photos from the shopper (open one for its full size)"

    @admin.display(description="photo")
    def preview(self, photo: ReturnPhoto) -> str:
        url = photo_url(photo)
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" width="{}" alt="Photo {} of return {}" '
            'loading="lazy"></a>',
            url,
            url,
            THUMBNAIL_WIDTH,
            photo.pk,
            photo.return_request_id,
        )

    @admin.display(description="pixels")
    def size(self, photo: ReturnPhoto) -> str:
        return f"{photo.width} x {photo.height}" if photo.width else "-"


def photo_url(photo: ReturnPhoto) -> str:
    # Through the admin, not /media/: the photos are the shopper's, for staff (and the order's parties) only.
    return reverse("admin:shop_returnrequest_photo", args=[photo.return_request_id, photo.pk])


# --- the list and the page --------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The review queue: returns waiting for staff, listed the oldest first (see get_ordering)."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(REVIEW_QUEUE, "Waiting on review")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> QuerySet[ReturnRequest]:
        if self.value() == REVIEW_QUEUE:
            return queryset.filter(status=S.IN_REVIEW)
        return queryset


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Returns are written by their services only; staff read them here and decide those in review."""

    list_display = ("number", "order_number", "status", "reason", "value_display", "cost_bearer", "created_at")
    list_select_related = ("order",)
    list_filter = (QueueFilter, "status", "reason", "cost_bearer")
    search_fields = ("number", "order__number")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ("approve_action", "reject_action", "refund_without_return_action")
    change_form_template = "admin/shop/returnrequest/change_form.html"
    change_list_template = "admin/shop/returnrequest/change_list.html"
    inlines = (ReturnLineInline, ReturnPhotoInline)
    fieldsets = (
        (None, {"fields": ("number", "order_link", "status", "source", "reason", "comment", "created_at")}),
        (
            "Decision",
            {
                "fields": (
                    "review_reason",
                    "cost_bearer",
                    "refund_at",
                    "refund_shipping",
                    "decision_message",
                    "decided_by",
                    "approved_at",
                    "ship_by",
                )
            },
        ),
        ("Money", {"fields": ("value_display", "refund_in_words")}),
        ("Coming back", {"fields": ("warehouse", "shipped_at", "received_at", "closed_at")}),
        ("Timeline", {"fields": ("timeline",)}),
    )
    readonly_fields = ("order_link", "value_display", "refund_in_words", "timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReturnRequest]:
        return super().get_queryset(request).select_related("order", "refund", "decided_by", "warehouse")

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        # A queue is worked from the return that has waited longest.
        if request.GET.get(QueueFilter.parameter_name) == REVIEW_QUEUE:
            return ("created_at", "pk")
        return super().get_ordering(request) or ()

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff and request.user.has_perm("shop.change_returnrequest")

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        extra = [
            path("<int:pk>/decide/<slug:decision>/", view(self.decide_view), name="shop_returnrequest_decide"),
            path("<int:pk>/photo/<int:photo_id>/", view(self.photo_view), name="shop_returnrequest_photo"),
        ]
        return extra + super().get_urls()

    # --- columns and fields ---------------------------------------------------------------------------

    @admin.display(description="order", ordering="order__number")
    def order_number(self, ret: ReturnRequest) -> str:
        return ret.order.number

    @admin.display(description="order")
    def order_link(self, ret: ReturnRequest) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:shop_order_change", args=[ret.order_id]), ret.order)

    @admin.display(description="value", ordering="value")
    def value_display(self, ret: ReturnRequest) -> str:
        return f"{ret.value} {ret.currency}"

    @admin.display(description="refund")
    def refund_in_words(self, ret: ReturnRequest) -> SafeString | str:
        refund = ret.refund
        if refund is None:
            return "None yet." if ret.is_open else "None."
        return format_html(
            '<a href="{}">{} {}, {}</a><br>{}<br>{}',
            reverse("admin:shop_refund_change", args=[refund.pk]),
            refund.amount,
            refund.currency,
            refund.get_status_display().lower(),
            refund.reason,
            refund_lines_in_words(refund),
        )

    @admin.display(description="what happened")
    def timeline(self, ret: ReturnRequest) -> SafeString | str:
        # The order's timeline lines that name this return (each service writes one per step).
        events = (
            OrderEvent.objects.filter(order_id=ret.order_id, params__return=ret.number)
            .select_related("by")
            .order_by("created_at", "id")
        )
        rows = [
            (f"{event.created_at:%Y-%m-%d %H:%M}", event.get_kind_display(), describe(event), event.by or "")
            for event in events
        ]
        if not rows:
            return "-"
        return format_html(
            '<table class="return-timeline"><tbody>{}</tbody></table>',
            format_html_join("", "<tr><td>{}</td><th>{}</th><td>{}</td><td>{}</td></tr>", rows),
        )

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        links = []
        ret = self.get_object(request, object_id) if object_id else None
        if ret is not None and ret.status == S.IN_REVIEW and self.has_decide_permission(request):
            links = [
                (reverse("admin:shop_returnrequest_decide", args=[ret.pk, decision.slug]), decision.title)
                for decision in DECISIONS.values()
            ]
        extra_context = {**(extra_context or {}), "decision_links": links}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "review_queue_url": review_queue_url()}
        return super().changelist_view(request, extra_context)

    # --- one return: a confirmation page, then the service ------------------------------------------

    def decide_view(self, request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        """Confirm a decision on one return in review (with its message), then call its service."""
        if not self.has_decide_permission(request):
            raise PermissionDenied
        kind = DECISIONS.get(decision)
        if kind is None:
            raise Http404("No such decision.")
        ret = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:shop_returnrequest_change", args=[ret.pk])
        if ret.status != S.IN_REVIEW:
            self.message_user(
                request,
                f"Return {ret.number} is {ret.get_status_display().lower()}: there is nothing to decide.",
                messages.WARNING,
            )
            return HttpResponseRedirect(change_url)
        form = DecisionForm(request.POST if request.method == "POST" else None, decision=kind)
        if request.method == "POST" and form.is_valid():
            try:
                decide(decision=kind, return_id=ret.pk, message=form.cleaned_data.get("message", ""), by=request.user)
            except ReturnNotAllowed as error:
                if error.field == "message" and "message" in form.fields:
                    form.add_error("message", error.message)
                else:
                    self.message_user(request, f"Return {ret.number} not changed: {error.message}", messages.ERROR)
                    return HttpResponseRedirect(change_url)
            else:
                self.message_user(request, f"{kind.done}: return {ret.number}.", messages.SUCCESS)
                return HttpResponseRedirect(review_queue_url())
        context = {
            **self.admin_site.each_context(request),
            "title": f"{kind.title}: return {ret.number}",
            "opts": self.opts,
            "original": ret,
            "ret": ret,
            "lines": ret.lines.select_related("order_line"),
            "decision": kind,
            "form": form,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/shop/returnrequest/decide.html", context)

    def photo_view(self, request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
        """A shopper's photo, for staff only, as an image type that the browser never runs."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        photo = get_object_or_404(ReturnPhoto, pk=photo_id, return_request_id=pk)
        content_type = MEDIA_TYPES.get(PurePosixPath(photo.image.name).suffix.lower(), "")
        if not content_type.startswith("image/") or not photo.image.storage.exists(photo.image.name):
            raise Http404("No such photo.")
        return serve_private(
            request,
            photo.image,
            content_type=content_type,
            extra_headers={
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, max-age=3600",
            },
        )

    # --- several returns from the list ----------------------------------------------------------------

    def _decide_selected(self, request: HttpRequest, queryset: QuerySet[ReturnRequest], decision: Decision):
        form = DecisionForm(request.POST if "apply" in request.POST else None, decision=decision)
        if form.is_bound and form.is_valid():
            done, refused = [], []
            for pk, number, status in queryset.order_by("pk").values_list("pk", "number", "status"):
                if status != S.IN_REVIEW:  # decided already: a decision is taken once
                    refused.append(f"{number} (it is {S(status).label.lower()}, not waiting for review)")
                    continue
                try:
                    decide(
                        decision=decision,
                        return_id=pk,
                        message=form.cleaned_data.get("message", ""),
                        by=request.user,
                    )
                except ReturnNotAllowed as error:
                    refused.append(f"{number} ({error.message})")
                else:
                    done.append(number)
            if done:
                self.message_user(request, f"{decision.done}: {', '.join(done)}.", messages.SUCCESS)
            if refused:
                self.message_user(request, f"Not changed: {'; '.join(refused)}", messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": f"{decision.title}: {queryset.count()} return(s)",
            "opts": self.opts,
            "returns": queryset.select_related("order").order_by("pk"),
            "decision": decision,
            "form": form,
            "action": f"{decision.slug.replace('-', '_')}_action",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/shop/returnrequest/decide_selected.html", context)

    @admin.action(description="Approve the selected returns…", permissions=["decide"])
    def approve_action(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> HttpResponse | None:
        return self._decide_selected(request, queryset, DECISIONS["approve"])

    @admin.action(description="Reject the selected returns (with a message)…", permissions=["decide"])
    def reject_action(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> HttpResponse | None:
        return self._decide_selected(request, queryset, DECISIONS["reject"])

    @admin.action(description="Refund the selected returns without return…", permissions=["decide"])
    def refund_without_return_action(
        self, request: HttpRequest, queryset: QuerySet[ReturnRequest]
    ) -> HttpResponse | None:
        return self._decide_selected(request, queryset, DECISIONS["refund-without-return"])
