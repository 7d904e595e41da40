"""Staff admin for orders and payments: the order with its lines, payments, refunds and timeline.

Orders are not edited by hand: every change goes through a service (refund in full or by line,
cancel before fulfillment, release a hold), and Stripe is called by those services only.
Payments, refunds and Stripe events are read-only; an unprocessed event can be queued again.
"""

import stripe
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from shop.models import Order, OrderEvent, OrderLine, Payment, Refund, StripeEvent
from shop.order_timeline import describe
from shop.payments.tasks import process_stripe_event
from shop.services.payments import (
    PaymentError,
    cancel_order,
    refund_order,
    refundable_lines,
    release_hold,
)


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku",
        "product_title",
        "variant_label",
        "quantity",
        "quantity_refunded",
        "unit_price",
        "line_total",
        "tax_amount",
        "duty_amount",
    )
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = (
        "attempt",
        "status",
        "amount",
        "amount_paid",
        "amount_refunded",
        "currency",
        "checkout_session_id",
        "payment_intent_id",
        "expires_at",
        "created_at",
    )
    readonly_fields = fields
    ordering = ("attempt",)


def refund_lines_in_words(refund: Refund) -> SafeString | str:
    """What a line refund gave back, one line each: `2 \N{MULTIPLICATION SIGN} SKU-1 — Linen apron`."""
    if not refund.lines:
        return "None: an amount, not lines"
    order_lines = {line.pk: line for line in refund.order.lines.all()}
    words = []
    for item in refund.lines:
        line = order_lines.get(int(item["order_line_id"]))
        what = f"{line.sku} — {line.product_title}" if line else f"order line {item['order_line_id']}"
        words.append((f"{item['quantity']} \N{MULTIPLICATION SIGN} {what}",))
    return format_html_join(mark_safe("<br>"), "{}", words)


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created_at", "amount", "currency", "status", "reason", "lines_in_words", "by", "stripe_refund_id")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Refund]:
        return super().get_queryset(request).select_related("by").prefetch_related("order__lines")

    @admin.display(description="lines")
    def lines_in_words(self, refund: Refund) -> SafeString | str:
        return refund_lines_in_words(refund)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name = "event"
    verbose_name_plural = "timeline"
    fields = ("created_at", "kind", "what", "from_status_label", "to_status_label", "by")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderEvent]:
        return super().get_queryset(request).select_related("by")

    @admin.display(description="what happened")
    def what(self, event: OrderEvent) -> str:
        return describe(event)

    @admin.display(description="from")
    def from_status_label(self, event: OrderEvent) -> str:
        return _status_label(event.from_status)

    @admin.display(description="to")
    def to_status_label(self, event: OrderEvent) -> str:
        return _status_label(event.to_status)


def _status_label(status: str) -> str:
    return dict(Order.Status.choices).get(status, status) if status else "-"


class RefundLinesForm(forms.Form):
    """One quantity field per order line (0 to what can still be refunded), and a reason."""

    reason = forms.CharField(max_length=200, help_text="Kept on the refund and the order's timeline.")

    def __init__(self, *args, lines, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for item in lines:
            line = item.line
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=f"{line.sku} — {line.product_title} ({line.unit_price} {line.currency} each)",
                min_value=0,
                max_value=item.refundable,
                initial=0,
                required=False,
                disabled=item.refundable == 0,
                help_text=f"{item.refundable} of {line.quantity} can still be refunded.",
            )

    def chosen(self) -> list[tuple[int, int]]:
        return [
            (item.line.pk, quantity)
            for item in self.lines
            if (quantity := self.cleaned_data.get(f"line_{item.line.pk}") or 0) > 0
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.chosen():
            raise forms.ValidationError("Choose at least one unit to refund.")
        return cleaned


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "email", "account", "status", "total_display", "paid_display", "created_at")
    list_select_related = ("user",)
    list_filter = ("status", "created_at")
    search_fields = ("number", "email")
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ("refund_in_full", "cancel_before_fulfillment", "release_from_hold")
    inlines = (OrderLineInline, PaymentInline, RefundInline, OrderEventInline)
    fieldsets = (
        (
            None,
            {"fields": ("number", "status", "hold_reason", "email", "user", "created_at", "paid_at", "staff_tools")},
        ),
        (
            "Money",
            {
                "fields": (
                    "currency",
                    ("subtotal", "shipping_total", "tax_total", "duty_total", "total"),
                    ("incoterm", "import_charges_due_at_door"),
                    "landed_cost_rules",
                    ("amount_paid", "amount_refunded"),
                )
            },
        ),
        (
            "Shipping",
            {
                "fields": (
                    ("shipping_method_name", "shipping_days_max"),
                    "ship_name",
                    "ship_line1",
                    "ship_line2",
                    ("ship_city", "ship_region", "ship_postal_code"),
                    "ship_country",
                    "ship_phone",
                )
            },
        ),
        ("Checkout", {"fields": ("reserved_until", "cart", "updated_at")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [field.name for field in Order._meta.fields] + ["staff_tools"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None) -> HttpResponse:
        # Nothing on the page is edited by hand: the actions and the refund page change orders.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "show_delete": False,
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/refund-lines/",
                self.admin_site.admin_view(self.refund_lines_view),
                name="shop_order_refund_lines",
            )
        ]
        return extra + super().get_urls()

    @admin.display(description="account")
    def account(self, order: Order) -> str:
        return order.user.get_username() if order.user else "guest"

    @admin.display(description="total", ordering="total")
    def total_display(self, order: Order) -> str:
        return f"{order.total} {order.currency}"

    @admin.display(description="paid", ordering="amount_paid")
    def paid_display(self, order: Order) -> str:
        if not order.amount_paid:
            return "-"
        refunded = f" (refunded {order.amount_refunded})" if order.amount_refunded else ""
        return f"{order.amount_paid} {order.currency}{refunded}"

    @admin.display(description="refunds")
    def staff_tools(self, order: Order) -> str:
        if order.pk is None or order.amount_paid <= order.amount_refunded:
            return "Nothing to refund."
        url = reverse("admin:shop_order_refund_lines", args=[order.pk])
        return format_html('<a href="{}">Refund some lines of this order</a>', url)

    # --- actions --------------------------------------------------------------------------------------

    def _each(self, request: HttpRequest, queryset: QuerySet[Order], change, done: str) -> None:
        changed, refused = [], []
        for order in queryset.order_by("pk"):
            try:
                change(order)
            except PaymentError as error:
                refused.append(f"{order.number} ({error.message})")
            except stripe.StripeError as error:
                refused.append(f"{order.number} (Stripe could not be reached, the refund is retried: {error})")
            else:
                changed.append(order.number)
        if changed:
            self.message_user(request, f"{done}: {', '.join(changed)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not done: {'; '.join(refused)}", messages.ERROR)

    @admin.action(description="Refund in full (what is left of the payment)", permissions=["change"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(
            request,
            queryset,
            lambda order: refund_order(order=order, by=request.user, reason="Refunded in full by staff"),
            "Refunded",
        )

    @admin.action(description="Cancel (before fulfillment; a paid order is refunded)", permissions=["change"])
    def cancel_before_fulfillment(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(
            request,
            queryset,
            lambda order: cancel_order(order=order, by=request.user, reason="Cancelled by staff"),
            "Cancelled",
        )

    @admin.action(description="Release from hold (accept the payment)", permissions=["change"])
    def release_from_hold(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._each(request, queryset, lambda order: release_hold(order=order, by=request.user), "Released")

    # --- refund some lines ----------------------------------------------------------------------------

    def refund_lines_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Choose how many units of each line to refund; refund_order does the rest."""
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404("No such order.")
        if not self.has_change_permission(request, order):
            raise PermissionDenied
        form = RefundLinesForm(request.POST or None, lines=refundable_lines(order=order))
        change_url = reverse("admin:shop_order_change", args=[order.pk])
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_order(
                    order=order, lines=form.chosen(), by=request.user, reason=form.cleaned_data["reason"]
                )
            except PaymentError as error:
                form.add_error(None, error.message)
            except stripe.StripeError:
                self.message_user(
                    request,
                    "Stripe could not be reached: the refund is saved as pending and will be sent again.",
                    messages.WARNING,
                )
                return HttpResponseRedirect(change_url)
            else:
                self.message_user(
                    request,
                    f"Refund of {refund.amount} {refund.currency} on order {order.number}: "
                    f"{refund.get_status_display().lower()}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund lines of order {order.number}",
            "opts": self.opts,
            "original": order,
            "order": order,
            "form": form,
            "change_url": change_url,
            "refundable_total": order.amount_paid - order.amount_refunded,
        }
        return TemplateResponse(request, "admin/shop/order/refund_lines.html", context)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "attempt", "status", "amount", "amount_paid", "amount_refunded", "currency", "created_at")
    list_select_related = ("order",)
    list_filter = ("status", "created_at")
    search_fields = ("order__number", "checkout_session_id", "payment_intent_id")


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order", "amount", "currency", "status", "reason", "by", "created_at")
    list_select_related = ("order", "by")
    list_filter = ("status", "created_at")
    search_fields = ("order__number", "stripe_refund_id", "idempotency_key")
    fields = (
        "order",
        "payment",
        ("amount", "currency"),
        "status",
        "reason",
        "lines_in_words",
        "by",
        "stripe_refund_id",
        "idempotency_key",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("lines_in_words",)

    @admin.display(description="lines")
    def lines_in_words(self, refund: Refund) -> SafeString | str:
        return refund_lines_in_words(refund)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("event_id", "type", "received_at", "processed_at", "attempts", "short_error")
    list_filter = ("type", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "type")
    actions = ("reprocess",)

    @admin.display(description="last error")
    def short_error(self, event: StripeEvent) -> str:
        return event.last_error[:80]

    def has_reprocess_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("shop.change_stripeevent")

    @admin.action(description="Process again (events not yet processed)", permissions=["reprocess"])
    def reprocess(self, request: HttpRequest, queryset: QuerySet[StripeEvent]) -> None:
        ids = list(queryset.filter(processed_at__isnull=True).values_list("pk", flat=True))
        queued = 0
        for event_pk in ids:
            try:
                process_stripe_event.delay(event_pk)
            except Exception as error:  # noqa: BLE001  (a failure is recorded on the event; show it)
                self.message_user(request, f"Event {event_pk}: {error}", messages.ERROR)
            else:
                queued += 1
        skipped = queryset.count() - len(ids)
        self.message_user(
            request,
            f"Queued {queued} event(s) again" + (f"; {skipped} already processed, left alone." if skipped else "."),
            messages.SUCCESS,
        )
