"""Staff admin for shipments (labels, hand-over) and the tracking events carriers reported.

Imported by fulfillment/admin.py. Nothing here writes a shipment itself: every action calls the
label or tracking service the Celery tasks use, so a status only moves along its machine.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from fulfillment.carriers import CarrierError
from fulfillment.models import Parcel, Shipment, ShippingLabel, TrackingEvent
from fulfillment.services.labels import LabelError, batch_labels_pdf, batch_labels_zpl, reprint, void_label
from fulfillment.services.tracking import TrackingError, hand_over_to_carrier
from fulfillment.tasks.labels import buy_label_task
from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline


class ParcelInline(ReadOnlyInline):
    model = Parcel
    fields = ("sequence", "box", "weight_grams", "length_mm", "width_mm", "height_mm", "tracking_number")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Parcel]:
        return super().get_queryset(request).select_related("box")


class ShippingLabelInline(ReadOnlyInline):
    model = ShippingLabel
    fields = (
        "tracking_number",
        "carrier",
        "service",
        "amount",
        "currency",
        "created_at",
        "voided_at",
        "printed_count",
        "print_links",
    )
    readonly_fields = fields

    @admin.display(description="print")
    def print_links(self, label: ShippingLabel) -> str:
        if label.voided_at is not None:
            return "voided"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">ZPL</a>',
            reverse("admin:fulfillment_shipment_label", args=[label.pk, "pdf"]),
            reverse("admin:fulfillment_shipment_label", args=[label.pk, "zpl"]),
        )


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ("occurred_at", "status", "location", "description", "leg", "source", "tracking_number")
    readonly_fields = fields
    ordering = ("occurred_at", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrackingEvent]:
        return super().get_queryset(request).select_related("leg")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "order_number",
        "warehouse_code",
        "status",
        "carrier",
        "service",
        "tracking_number",
        "updated_at",
    )
    # A return shipment has no fulfillment order: its order and centre are its inbound return's.
    list_select_related = (
        "fulfillment_order__order",
        "fulfillment_order__warehouse",
        "inbound_return__order",
        "inbound_return__warehouse",
    )
    list_filter = ("status", "direction", "fulfillment_order__warehouse", "carrier")
    search_fields = ("=tracking_number", "=parcels__tracking_number", "fulfillment_order__order__number")
    readonly_fields = (
        "fulfillment_order",
        "status",
        "carrier",
        "service",
        "tracking_number",
        "promised_days",
        "handed_over_at",
        "delivered_at",
        "next_simulated_at",
        "created_at",
        "updated_at",
    )
    inlines = (ParcelInline, ShippingLabelInline, TrackingEventInline)
    actions = ("buy_labels", "print_labels_pdf", "print_labels_zpl", "void_labels", "hand_over")
    show_full_result_count = False

    # Shipments are made by packing and moved by the services; the admin never edits one.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shipment]:
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_urls(self):
        label_view = self.admin_site.admin_view(self.label_file_view)
        extra = [path("label/<int:label_id>/<str:kind>/", label_view, name="fulfillment_shipment_label")]
        return extra + super().get_urls()

    @admin.display(description="order", ordering="fulfillment_order__order__number")
    def order_number(self, shipment: Shipment) -> str:
        if shipment.fulfillment_order_id is None:
            inbound = getattr(shipment, "inbound_return", None)
            return f"{inbound.order.number} (return {inbound.number})" if inbound else "-"
        return shipment.fulfillment_order.order.number

    @admin.display(description="warehouse", ordering="fulfillment_order__warehouse__code")
    def warehouse_code(self, shipment: Shipment) -> str:
        if shipment.fulfillment_order_id is None:
            inbound = getattr(shipment, "inbound_return", None)
            return f"to {inbound.warehouse.code}" if inbound else "-"
        return shipment.fulfillment_order.warehouse.code

    # --- printing -----------------------------------------------------------------------------

    def label_file_view(self, request: HttpRequest, label_id: int, kind: str) -> HttpResponse:
        """Reprint one label: its stored PDF or ZPL, counted as printed."""
        if not self.has_change_permission(request) or kind not in ("pdf", "zpl"):
            return HttpResponse(status=404)
        get_object_or_404(ShippingLabel, pk=label_id)
        printout = reprint(label_id=label_id)
        if kind == "pdf":
            return _file(printout.pdf, "application/pdf", f"label-{printout.label.tracking_number}.pdf")
        return _file(printout.zpl.encode(), "application/zpl", f"label-{printout.label.tracking_number}.zpl")

    @admin.action(description="Print labels of the selected shipments (one PDF)", permissions=["change"])
    def print_labels_pdf(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> HttpResponse | None:
        try:
            pdf = batch_labels_pdf(shipment_ids=sorted(queryset.values_list("pk", flat=True)))
        except LabelError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        return _file(pdf, "application/pdf", f"labels-{timezone.now():%Y%m%d-%H%M}.pdf")

    @admin.action(description="Print labels of the selected shipments (ZPL)", permissions=["change"])
    def print_labels_zpl(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> HttpResponse | None:
        try:
            zpl = batch_labels_zpl(shipment_ids=sorted(queryset.values_list("pk", flat=True)))
        except LabelError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        return _file(zpl.encode(), "application/zpl", f"labels-{timezone.now():%Y%m%d-%H%M}.zpl")

    # --- label purchase, void, hand-over ------------------------------------------------------------

    @admin.action(description="Buy labels for the selected packed shipments", permissions=["change"])
    def buy_labels(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:

        ids = sorted(queryset.filter(status=Shipment.Status.PACKED).values_list("pk", flat=True))
        for shipment_id in ids:
            buy_label_task.delay(shipment_id)
        skipped = queryset.count() - len(ids)
        self.message_user(request, f"Buying {len(ids)} label(s) on the labels queue.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} shipment(s) skipped: only packed shipments get a label.", messages.WARNING
            )

    @admin.action(description="Void the labels of the selected shipments (before hand-over)", permissions=["change"])
    def void_labels(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        done, refused = 0, []
        for shipment_id in sorted(queryset.values_list("pk", flat=True)):
            try:
                void_label(shipment_id=shipment_id, by=request.user)
            except LabelError as error:
                refused.append(error.message)
            except CarrierError as error:  # the carrier refused the void: the label stays live
                refused.append(f"Shipment {shipment_id}: the carrier refused to void the label ({error}).")
            else:
                done += 1
        if done:
            self.message_user(request, f"Voided {done} label(s); the shipments are packed again.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Hand over to the carrier (picked up)", permissions=["change"])
    def hand_over(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        done, refused = 0, []
        for shipment_id in sorted(queryset.values_list("pk", flat=True)):
            try:
                # The same door as a carrier's pick-up scan: hand_over_shipment, the timeline, the email.
                hand_over_to_carrier(shipment_id=shipment_id, by=request.user)
            except TrackingError as error:
                refused.append(str(error))
            else:
                done += 1
        if done:
            self.message_user(request, f"Handed {done} shipment(s) over to the carrier.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)


def _file(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@admin.register(TrackingEvent)
class TrackingEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What carriers (and the simulation) reported: read-only, stored once each."""

    list_display = ("occurred_at", "tracking_number", "status", "location", "source", "shipment_link", "received_at")
    list_select_related = ("shipment",)
    list_filter = ("status", "source")
    search_fields = ("=tracking_number",)
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    readonly_fields = (
        "shipment",
        "leg",
        "tracking_number",
        "status",
        "occurred_at",
        "location",
        "description",
        "source",
        "fingerprint",
        "received_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrackingEvent]:
        return super().get_queryset(request).select_related("shipment", "leg")

    @admin.display(description="shipment", ordering="shipment_id")
    def shipment_link(self, event: TrackingEvent) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:fulfillment_shipment_change", args=[event.shipment_id]),
            event.shipment,
        )
