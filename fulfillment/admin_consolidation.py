"""Staff admin for consolidation: lanes (edited here), consolidations and their masters, the board per hub.

Every change goes through fulfillment.services (closing early, tendering, pulling a held parcel out); the
admin's own forms edit lanes only.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from fulfillment.consolidation import InvalidLaneRule, parse_cutoffs, zone
from fulfillment.models import Consolidation, ConsolidationItem, Lane, MasterScan, Warehouse
from fulfillment.selectors_consolidation import consolidation_board
from fulfillment.services.consolidation import ConsolidationError, close_consolidation
from fulfillment.services.master_scans import pull_out_of_consolidation, record_master_scan, tender_consolidation
from marketplace.admin_mixins import ReadOnlyInline
from marketplace.storage import serve_private

C = Consolidation.Status


def _country_codes(text: str, *, required: bool) -> str:
    codes = text.replace(",", " ").upper().split()
    if (required and not codes) or any(not re.fullmatch(r"[A-Z]{2}", code) for code in codes):
        raise forms.ValidationError("ISO country codes of 2 letters separated by spaces, e.g. 'GB' or 'DE AT'.")
    return " ".join(codes)


class LaneForm(forms.ModelForm):
    class Meta:
        model = Lane
        fields = (
            "code",
            "name",
            "origin_hub",
            "origin_countries",
            "destination_countries",
            "service",
            "is_active",
            "departure_airport",
            "airline_name",
            "airline_prefix",
            "flight_hours",
            "import_gateway",
            "import_gateway_city",
            "last_mile_carrier",
            "last_mile_prefix",
            "cutoff_times",
            "hub_timezone",
            "max_parcels",
            "max_weight_grams",
        )

    def clean_cutoff_times(self) -> str:
        try:
            times = parse_cutoffs(self.cleaned_data["cutoff_times"])
        except InvalidLaneRule as error:
            raise forms.ValidationError(str(error)) from error
        return ", ".join(t.strftime("%H:%M") for t in times)

    def clean_hub_timezone(self) -> str:
        name = self.cleaned_data["hub_timezone"].strip()
        try:
            zone(name)
        except InvalidLaneRule as error:
            raise forms.ValidationError(str(error)) from error
        return name

    def clean_airline_prefix(self) -> str:
        prefix = self.cleaned_data["airline_prefix"].strip()
        if not re.fullmatch(r"\d{3}", prefix):
            raise forms.ValidationError("An airline prefix is 3 digits (IATA), e.g. 176.")
        return prefix

    def clean_destination_countries(self) -> str:
        return _country_codes(self.cleaned_data["destination_countries"], required=True)

    def clean_origin_countries(self) -> str:
        return _country_codes(self.cleaned_data["origin_countries"], required=False)

    def clean_last_mile_prefix(self) -> str:
        prefix = self.cleaned_data["last_mile_prefix"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", prefix):
            raise forms.ValidationError("Two letters, as the last-mile carrier's S10 numbers start.")
        return prefix


@admin.register(Lane)
class LaneAdmin(admin.ModelAdmin):
    form = LaneForm
    list_display = (
        "code",
        "name",
        "origin_hub",
        "destination_countries",
        "service",
        "cutoff_times",
        "hub_timezone",
        "max_parcels",
        "max_weight_grams",
        "is_active",
    )
    list_filter = ("is_active", "service", "origin_hub")
    list_select_related = ("origin_hub",)
    search_fields = ("code", "name", "destination_countries")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "name",
                    "origin_hub",
                    "origin_countries",
                    "destination_countries",
                    "service",
                    "is_active",
                )
            },
        ),
        (
            "Linehaul legs",
            {
                "fields": (
                    "departure_airport",
                    "airline_name",
                    "airline_prefix",
                    "flight_hours",
                    "import_gateway",
                    "import_gateway_city",
                    "last_mile_carrier",
                    "last_mile_prefix",
                )
            },
        ),
        ("Departures and capacity", {"fields": ("cutoff_times", "hub_timezone", "max_parcels", "max_weight_grams")}),
    )


class ItemInline(ReadOnlyInline):
    model = ConsolidationItem
    fields = (
        "tracking_number",
        "weight_grams",
        "declared_value",
        "currency",
        "hs_codes",
        "consignee_country",
        "held_at_customs",
        "pulled_out_at",
        "last_mile_tracking_number",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ConsolidationItem]:
        return super().get_queryset(request).select_related("shipment")

    @admin.display(description="tracking number")
    def tracking_number(self, item: ConsolidationItem) -> str:
        return item.shipment.tracking_number


class ScanInline(ReadOnlyInline):
    model = MasterScan
    fields = ("kind", "occurred_at", "location", "source", "held_tracking_numbers", "parcels", "recorded_at")
    readonly_fields = fields


@admin.register(Consolidation)
class ConsolidationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "lane", "status", "cutoff_at", "parcel_count", "weight_grams", "close_reason")
    list_filter = ("status", "lane__origin_hub", "lane")
    list_select_related = ("lane",)
    search_fields = ("awb", "items__shipment__tracking_number")
    date_hierarchy = "cutoff_at"
    readonly_fields = (
        "lane",
        "status",
        "cutoff_at",
        "parcel_count",
        "weight_grams",
        "close_reason",
        "awb",
        "manifest_links",
        "closed_at",
        "status_changed_at",
    )
    fields = readonly_fields
    inlines = (ItemInline, ScanInline)
    actions = ("close_now", "tender", "record_departed", "record_arrived", "record_cleared", "split")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # parcels open consolidations, at label time

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path("board/", view(self.board_view), name="fulfillment_consolidation_board"),
            path("<int:pk>/manifest.<str:fmt>", view(self.manifest_view), name="fulfillment_consolidation_manifest"),
            path("<int:pk>/close/", view(require_POST(self.close_view)), name="fulfillment_consolidation_close"),
            path(
                "item/<int:item_id>/pull-out/",
                view(require_POST(self.pull_out_view)),
                name="fulfillment_consolidation_pull_out",
            ),
        ]
        return extra + super().get_urls()

    @admin.display(description="manifest")
    def manifest_links(self, consolidation: Consolidation) -> str:
        if not consolidation.manifest_csv:
            return "made when it closes"
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">PDF</a>',
            reverse("admin:fulfillment_consolidation_manifest", args=[consolidation.pk, "csv"]),
            reverse("admin:fulfillment_consolidation_manifest", args=[consolidation.pk, "pdf"]),
        )

    @admin.action(description="Close now (before the cut-off)", permissions=["change"])
    def close_now(self, request: HttpRequest, queryset: QuerySet[Consolidation]) -> None:
        closed = 0
        for pk in queryset.filter(status=C.OPEN).values_list("pk", flat=True):
            try:
                close_consolidation(consolidation_id=pk)
                closed += 1
            except ConsolidationError as error:
                self.message_user(request, error.message, messages.WARNING)
        self.message_user(request, f"{closed} consolidation(s) closed.", messages.SUCCESS)

    @admin.action(description="Tender to the airline", permissions=["change"])
    def tender(self, request: HttpRequest, queryset: QuerySet[Consolidation]) -> None:
        done = 0
        for pk in queryset.values_list("pk", flat=True):
            try:
                tender_consolidation(consolidation_id=pk)
                done += 1
            except ConsolidationError as error:
                self.message_user(request, error.message, messages.WARNING)
        self.message_user(request, f"{done} master(s) tendered.", messages.SUCCESS)

    def _record(self, request: HttpRequest, queryset: QuerySet[Consolidation], kind: str) -> None:
        """A master scan staff enter (the airline or broker told them by phone or email), fanned out as any other."""
        recorded = 0
        for consolidation in queryset.order_by("pk"):
            try:
                scan = record_master_scan(
                    consolidation_id=consolidation.pk,
                    kind=kind,
                    occurred_at=timezone.now(),
                    source=MasterScan.Source.STAFF,
                )
            except ConsolidationError as error:
                self.message_user(request, f"{consolidation}: {error.message}", messages.WARNING)
                continue
            recorded += 0 if scan.duplicate else 1
        label = MasterScan.Kind(kind).label.lower()
        self.message_user(request, f"{label.capitalize()}: recorded for {recorded} master(s).", messages.SUCCESS)

    @admin.action(description="Record: departed now", permissions=["change"])
    def record_departed(self, request: HttpRequest, queryset: QuerySet[Consolidation]) -> None:
        self._record(request, queryset, MasterScan.Kind.DEPARTED)

    @admin.action(description="Record: arrived at the import gateway now", permissions=["change"])
    def record_arrived(self, request: HttpRequest, queryset: QuerySet[Consolidation]) -> None:
        self._record(request, queryset, MasterScan.Kind.ARRIVED)

    @admin.action(description="Record: cleared import customs now", permissions=["change"])
    def record_cleared(self, request: HttpRequest, queryset: QuerySet[Consolidation]) -> None:
        self._record(request, queryset, MasterScan.Kind.CUSTOMS_CLEARED)

    @admin.action(description="Split for the last mile now", permissions=["change"])
    def split(self, request: HttpRequest, queryset: QuerySet[Consolidation]) -> None:
        self._record(request, queryset, MasterScan.Kind.SPLIT)

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """Per hub: consolidations open, closing soon, moving, and held at import customs."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        hub = request.GET.get("hub", "")
        hub_id = int(hub) if hub.isdigit() and len(hub) < 10 else None
        context = {
            **self.admin_site.each_context(request),
            "title": "Consolidation board",
            "opts": self.opts,
            "boards": consolidation_board(hub_id=hub_id),
            "hubs": Warehouse.objects.filter(kind=Warehouse.Kind.CONSOLIDATION_HUB).order_by("code"),
            "hub_id": hub_id,
            "can_change": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/fulfillment/consolidation/board.html", context)

    def manifest_view(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        consolidation = get_object_or_404(Consolidation, pk=pk)
        stored = {"csv": consolidation.manifest_csv, "pdf": consolidation.manifest_pdf}.get(fmt)
        if not stored:
            raise Http404("No such manifest.")
        if not stored.storage.exists(stored.name):
            raise Http404("The manifest is missing from storage.")
        content_type = "text/csv" if fmt == "csv" else "application/pdf"
        return serve_private(
            request, stored, content_type=content_type, filename=stored.name.rsplit("/")[-1], as_attachment=True
        )

    def close_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        get_object_or_404(Consolidation, pk=pk)
        try:
            consolidation = close_consolidation(consolidation_id=pk)
        except ConsolidationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, f"Closed: master air waybill {consolidation.awb}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:fulfillment_consolidation_board"))

    def pull_out_view(self, request: HttpRequest, item_id: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        get_object_or_404(ConsolidationItem, pk=item_id)
        try:
            item = pull_out_of_consolidation(item_id=item_id, by=request.user)
        except ConsolidationError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                f"Parcel {item.shipment.tracking_number} taken out of its consignment: release it from "
                "Held at customs.",
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:fulfillment_consolidation_board"))
