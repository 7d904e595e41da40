"""Staff admin for customs: the queue of shipments held at import customs, their release, and each shipment's
customs documents (the declaration its label travels with) and clearance documents (what staff sent customs).

Imported by fulfillment/admin.py. The shipment admin gains two inlines and its customs pages by subclassing
`admin_shipping.ShipmentAdmin`; nothing here writes a shipment itself: a release goes through
`fulfillment.services.clearance.release_from_customs`, the tracking door the carriers use.
"""

import json
import mimetypes

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from fulfillment.admin_shipping import ShipmentAdmin
from fulfillment.models import ClearanceDocument, CustomsDocument, Shipment, TrackingEvent
from fulfillment.selectors import held_at_customs
from fulfillment.services.clearance import MAX_DOCUMENT_BYTES, InvalidClearanceDocument, release_from_customs
from fulfillment.services.tracking import TrackingError
from marketplace.admin_mixins import ReadOnlyInline
from marketplace.storage import serve_private

REASONS = dict(TrackingEvent.CustomsReason.choices)


def customs_document_url(document: CustomsDocument) -> str:
    return reverse("admin:fulfillment_customs_document_pdf", args=[document.pk])


def clearance_document_url(document: ClearanceDocument) -> str:
    return reverse("admin:fulfillment_clearance_document_file", args=[document.pk])


class CustomsDocumentInline(ReadOnlyInline):
    """The declaration each label travels with: its kind, its PDF and the electronic record sent ahead."""

    model = CustomsDocument
    fields = ("kind", "tracking_number", "created_at", "pdf_link", "electronic_record")
    readonly_fields = fields
    verbose_name_plural = "customs documents (declarations)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CustomsDocument]:
        return super().get_queryset(request).select_related("label")

    @admin.display(description="label")
    def tracking_number(self, document: CustomsDocument) -> str:
        voided = " (voided)" if document.label.voided_at else ""
        return f"{document.label.tracking_number}{voided}"

    @admin.display(description="PDF")
    def pdf_link(self, document: CustomsDocument) -> str:
        return format_html('<a href="{}">{} PDF</a>', customs_document_url(document), document.get_kind_display())

    @admin.display(description="electronic record (JSON)")
    def electronic_record(self, document: CustomsDocument) -> str:
        text = json.dumps(document.record, indent=2, ensure_ascii=False, sort_keys=False)
        return format_html('<pre class="customs-record" style="max-height:24em;overflow:auto">{}</pre>', text)


class ClearanceDocumentInline(ReadOnlyInline):
    """What staff sent customs to release the shipment."""

    model = ClearanceDocument
    fields = ("created_at", "by", "note", "document_link")
    readonly_fields = fields
    verbose_name_plural = "clearance documents (sent to customs by staff)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClearanceDocument]:
        return super().get_queryset(request).select_related("by")

    @admin.display(description="document")
    def document_link(self, document: ClearanceDocument) -> str:
        if not document.document:
            return "-"
        name = document.document.name.rsplit("/")[-1]
        return format_html('<a href="{}">{}</a>', clearance_document_url(document), name)


class ReleaseForm(forms.Form):
    """What customs asked for, as staff send it: a document and a note (at least one of them)."""

    document = forms.FileField(
        required=False,
        help_text=f"What customs asked for: PDF, PNG or JPEG, at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.",
    )
    note = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="What was sent or said to customs; kept with the shipment and shown on its tracking.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("document") and not (data.get("note") or "").strip():
            raise forms.ValidationError("Attach the document customs asked for, or say in the note what was sent.")
        return data


class CustomsShipmentAdmin(ShipmentAdmin):
    """The shipment admin with its customs documents, and the held-at-customs queue and release page."""

    inlines = (*ShipmentAdmin.inlines, CustomsDocumentInline, ClearanceDocumentInline)

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path("held-at-customs/", view(self.held_queue_view), name="fulfillment_shipment_held_at_customs"),
            path("<int:shipment_id>/release/", view(self.release_view), name="fulfillment_shipment_release"),
            path(
                "customs-document/<int:document_id>/",
                view(self.customs_document_view),
                name="fulfillment_customs_document_pdf",
            ),
            path(
                "clearance-document/<int:document_id>/",
                view(self.clearance_document_view),
                name="fulfillment_clearance_document_file",
            ),
        ]
        return extra + super().get_urls()

    def _rows(self, shipments) -> list[dict]:
        rows = []
        for shipment in shipments:
            order = shipment.fulfillment_order.order
            documents = shipment.live_customs_documents
            rows.append(
                {
                    "shipment": shipment,
                    "order": order,
                    "destination": ", ".join(part for part in (order.ship_city, str(order.ship_country)) if part),
                    "reason": REASONS.get(shipment.hold_reason or "", "") or "not given",
                    "held_since": shipment.held_since,
                    "documents": [(doc.get_kind_display(), customs_document_url(doc)) for doc in documents],
                    "change_url": reverse("admin:fulfillment_shipment_change", args=[shipment.pk]),
                    "release_url": reverse("admin:fulfillment_shipment_release", args=[shipment.pk]),
                }
            )
        return rows

    def held_queue_view(self, request: HttpRequest) -> HttpResponse:
        """Shipments held at import customs: why, since when, their declaration; release each."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Held at customs",
            "opts": self.opts,
            "rows": self._rows(held_at_customs()),
            "can_release": self.has_change_permission(request),
        }
        return TemplateResponse(request, "admin/fulfillment/customs/held_queue.html", context)

    def release_view(self, request: HttpRequest, shipment_id: int) -> HttpResponse:
        """Attach what customs asked for and release one held shipment; a refusal is a form error."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        get_object_or_404(Shipment, pk=shipment_id)
        shipment = held_at_customs().filter(pk=shipment_id).first()
        if shipment is None:  # not (or no longer) held: shown, and a release is refused by the service
            shipment = Shipment.objects.select_related("fulfillment_order__order", "fulfillment_order__warehouse").get(
                pk=shipment_id
            )
            shipment.hold_reason, shipment.held_since, shipment.live_customs_documents = "", None, []
        form = ReleaseForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                release_from_customs(
                    shipment_id=shipment.pk,
                    note=form.cleaned_data["note"],
                    document=form.cleaned_data["document"],
                    by=request.user,
                )
            except TrackingError as error:
                form.add_error("document" if isinstance(error, InvalidClearanceDocument) else None, str(error))
            else:
                order = shipment.fulfillment_order.order
                self.message_user(
                    request,
                    f"Shipment {shipment.tracking_number} (order {order.number}) was released from customs.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:fulfillment_shipment_held_at_customs"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Release shipment {shipment.tracking_number or shipment.pk} from customs",
            "opts": self.opts,
            "row": self._rows([shipment])[0],
            "held": shipment.status == Shipment.Status.CUSTOMS_HOLD,
            "form": form,
        }
        return TemplateResponse(request, "admin/fulfillment/customs/release.html", context)

    def customs_document_view(self, request: HttpRequest, document_id: int) -> HttpResponse:
        """A declaration's PDF (CN22, CN23 or commercial invoice)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        document = get_object_or_404(CustomsDocument.objects.select_related("label"), pk=document_id)
        return _stored_file(request, document.pdf, f"{document.kind}-{document.label.tracking_number}.pdf")

    def clearance_document_view(self, request: HttpRequest, document_id: int) -> HttpResponse:
        """A document staff sent customs."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        document = get_object_or_404(ClearanceDocument, pk=document_id)
        if not document.document:
            raise Http404("This release has no document.")
        return _stored_file(request, document.document, document.document.name.rsplit("/")[-1])


def _stored_file(request: HttpRequest, field_file, filename: str) -> HttpResponseBase:
    if not field_file.storage.exists(field_file.name):
        raise Http404("The file is missing from storage.")
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return serve_private(request, field_file, content_type=content_type, filename=filename, as_attachment=True)


admin.site.unregister(Shipment)
admin.site.register(Shipment, CustomsShipmentAdmin)
