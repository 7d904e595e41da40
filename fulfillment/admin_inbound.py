"""Staff admin for receiving sellers' inbound shipments (ASN): count each line, close the receipt.

Imported by fulfillment/admin.py. Nothing here writes a shipment itself: the receive page calls
`record_line_counts` and `request_close` (fulfillment.services.receiving), then queues
`close_receipt_task` on the `inbound` queue, which closes the receipt once (stock rises as RECEIVED
movements naming the receipt, which the stock ledger's admin lists).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from fulfillment.admin_picking import url_or_none
from fulfillment.models import InboundShipment, InboundShipmentLine, StockMovement
from fulfillment.services.receiving import (
    MAX_UNITS_PER_LINE,
    LineCount,
    ReceivingError,
    record_line_counts,
    request_close,
)
from fulfillment.tasks.receiving import close_receipt_task
from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline

S = InboundShipment.Status
COUNT = "vIntegerField"  # the admin's narrow number box
# The seller lives in the shop's admin; linked by URL name (fulfillment never imports the shop).
SELLER_URL_NAME = "admin:shop_seller_change"


def _can_receive(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("fulfillment.change_inboundshipment")


def received_movements_url(shipment: InboundShipment) -> str:
    """The stock ledger filtered to the RECEIVED movements of this receipt (their reference names it)."""
    query = {"reason__exact": StockMovement.Reason.RECEIVED, "q": f"inbound {shipment.number}"}
    return f"{reverse('admin:fulfillment_stockmovement_changelist')}?{urlencode(query)}"


def _close_after_commit(shipment: InboundShipment, request: HttpRequest) -> None:
    """Queue the close once the request's transaction is saved (queue `inbound`; the sweep resends a lost one)."""
    transaction.on_commit(lambda: close_receipt_task.delay(shipment.pk, request.user.pk), robust=True)


class LineCountForm(forms.Form):
    """What arrived of one line: units received (damaged ones included) and how many of those are damaged."""

    received = forms.IntegerField(
        min_value=0, max_value=MAX_UNITS_PER_LINE, label="Received", widget=forms.NumberInput(attrs={"class": COUNT})
    )
    damaged = forms.IntegerField(
        min_value=0, max_value=MAX_UNITS_PER_LINE, label="Damaged", widget=forms.NumberInput(attrs={"class": COUNT})
    )

    def __init__(self, *args, line: InboundShipmentLine, **kwargs) -> None:
        # Unless counted already, the count starts at what was announced: staff change what differs.
        received = line.quantity_received if line.quantity_received is not None else line.quantity_expected
        initial = {"received": received, "damaged": line.quantity_damaged}
        super().__init__(*args, initial=initial, prefix=f"line-{line.pk}", **kwargs)
        self.line = line

    def clean(self) -> dict:
        cleaned = super().clean()
        received, damaged = cleaned.get("received"), cleaned.get("damaged")
        if received is not None and damaged is not None and damaged > received:
            raise forms.ValidationError("Damaged units are part of the received ones: no more than those.")
        return cleaned

    def count(self) -> LineCount:
        return LineCount(
            line_id=self.line.pk, received=self.cleaned_data["received"], damaged=self.cleaned_data["damaged"]
        )


class InboundShipmentLineInline(ReadOnlyInline):
    model = InboundShipmentLine
    fields = (
        "sku",
        "quantity_expected",
        "quantity_received",
        "quantity_damaged",
        "quantity_short",
        "quantity_over",
        "counted_at",
    )
    readonly_fields = fields


class ToReceiveFilter(admin.SimpleListFilter):
    """Shipments announced or being counted: the receiving dock's queue."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("to_receive", "To receive")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[InboundShipment]) -> QuerySet[InboundShipment]:
        if self.value() == "to_receive":
            return queryset.filter(status__in=(S.ANNOUNCED, S.RECEIVING)).order_by("expected_on", "pk")
        return queryset


@admin.register(InboundShipment)
class InboundShipmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sellers' announced shipments; counted and closed through the receive page, never edited."""

    list_display = (
        "number",
        "seller",
        "warehouse_code",
        "status",
        "expected_on",
        "units",
        "carrier",
        "tracking_number",
        "created_at",
        "next_step",
    )
    list_select_related = ("warehouse",)
    list_filter = (ToReceiveFilter, "status", "warehouse", "expected_on")
    search_fields = ("=number", "=tracking_number", "lines__sku")
    show_full_result_count = False
    inlines = (InboundShipmentLineInline,)
    actions = ("close_receipts",)
    fieldsets = (
        (None, {"fields": ("number", "seller", "warehouse", "status", "next_step")}),
        ("Announced", {"fields": ("expected_on", "carrier", "tracking_number", "note", "created_by", "created_at")}),
        ("Received", {"fields": ("close_requested_at", "closed_at", "closed_by", "movements")}),
    )
    readonly_fields = ("seller", "next_step", "movements")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundShipment]:
        return super().get_queryset(request).annotate(unit_count=Sum("lines__quantity_expected"))

    def get_urls(self):
        receive = self.admin_site.admin_view(self.receive_view)
        return [path("<int:pk>/receive/", receive, name="fulfillment_inboundshipment_receive"), *super().get_urls()]

    @admin.display(description="seller", ordering="seller_id")
    def seller(self, shipment: InboundShipment) -> str:
        url = url_or_none(SELLER_URL_NAME, shipment.seller_id)
        return format_html('<a href="{}">Seller {}</a>', url, shipment.seller_id) if url else str(shipment.seller_id)

    @admin.display(description="warehouse", ordering="warehouse__code")
    def warehouse_code(self, shipment: InboundShipment) -> str:
        return shipment.warehouse.code

    @admin.display(description="units announced", ordering="unit_count")
    def units(self, shipment: InboundShipment) -> int:
        return shipment.unit_count or 0

    @admin.display(description="next step")
    def next_step(self, shipment: InboundShipment) -> str:
        if shipment.is_open and shipment.close_requested_at:
            return "Closing…"
        if shipment.is_open:
            url = reverse("admin:fulfillment_inboundshipment_receive", args=[shipment.pk])
            return format_html('<a href="{}">Count and close</a>', url)
        return "-"

    @admin.display(description="stock movements")
    def movements(self, shipment: InboundShipment) -> str:
        if shipment.status != S.CLOSED:
            return "-"
        return format_html('<a href="{}">Units put on the shelf (RECEIVED)</a>', received_movements_url(shipment))

    @admin.action(description="Close the selected receipts (every line counted)")
    def close_receipts(self, request: HttpRequest, queryset: QuerySet[InboundShipment]) -> None:
        if not _can_receive(request):
            raise PermissionDenied
        queued, refused = [], []
        for shipment in queryset.order_by("pk"):
            try:
                request_close(shipment_id=shipment.pk, by=request.user)
            except ReceivingError as error:
                refused.append(error.message)
                continue
            if shipment.status != S.CLOSED:
                _close_after_commit(shipment, request)
                queued.append(shipment.number)
        if queued:
            self.message_user(request, f"Closing {', '.join(queued)}: stock rises as each closes.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    # --- the receive page ---------------------------------------------------------------------------

    def receive_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Count every line (received, damaged); save the counts, or save them and close the receipt."""
        if not _can_receive(request):
            raise PermissionDenied
        shipment = get_object_or_404(InboundShipment.objects.select_related("warehouse"), pk=pk)
        change_url = reverse("admin:fulfillment_inboundshipment_change", args=[shipment.pk])
        if not shipment.is_open or shipment.close_requested_at is not None:
            why = (
                "is being closed: its counts are final"
                if shipment.is_open
                else f"is {shipment.get_status_display().lower()}: nothing to count"
            )
            self.message_user(request, f"Shipment {shipment.number} {why}.", messages.WARNING)
            return HttpResponseRedirect(change_url)
        data = request.POST if request.method == "POST" else None
        line_forms = [LineCountForm(data, line=line) for line in shipment.lines.order_by("pk")]
        errors: list[str] = []
        if data is not None and all(line_form.is_valid() for line_form in line_forms):
            close = "close" in data
            try:
                with transaction.atomic():
                    record_line_counts(shipment_id=shipment.pk, counts=[f.count() for f in line_forms], by=request.user)
                    if close:
                        request_close(shipment_id=shipment.pk, by=request.user)
                        _close_after_commit(shipment, request)
            except ReceivingError as error:
                errors.append(error.message)
            else:
                done = "counted; closing the receipt now" if close else "counted (not closed yet)"
                self.message_user(request, f"Shipment {shipment.number} {done}.", messages.SUCCESS)
                return HttpResponseRedirect(change_url if close else request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Receive {shipment.number}",
            "opts": self.opts,
            "shipment": shipment,
            "line_forms": line_forms,
            "errors": errors,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/fulfillment/inboundshipment/receive.html", context)
