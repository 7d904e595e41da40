"""Staff admin for the warehouse floor: boxes, pick lists (PDF), packing, fulfillment order actions, work queues.

Every action calls the same services the tasks use (fulfillment.services.fulfillment_orders,
.picking, .packing). Imported at the bottom of fulfillment/admin.py, after the read-only
FulfillmentOrderAdmin is registered: that admin is re-registered here extended with the work
actions (FulfillmentOrderWorkMixin), so admin.py stays the one place that defines what it shows.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.forms import formset_factory
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from fulfillment.documents.pick_list import pick_list_pdf
from fulfillment.models import Box, FulfillmentOrder, PickList, Shipment, Warehouse
from fulfillment.selectors import work_queues
from fulfillment.services.fulfillment_orders import (
    FulfillmentOrderError,
    hold_fulfillment_order,
    move_fulfillment_order,
    release_fulfillment_order,
)
from fulfillment.services.packing import InvalidParcels, ParcelSpec, pack_shipment, suggest_parcels
from fulfillment.services.picking import NothingToPick, create_pick_list
from fulfillment.services.shipments import IllegalShipmentTransition
from fulfillment.services.stock import InsufficientStock
from marketplace.admin_mixins import ReadOnlyAdminMixin


def _can_work(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("fulfillment.change_fulfillmentorder")


def url_or_none(name: str, *args, query: dict | None = None) -> str | None:
    """A URL of an admin page another module may not have registered yet (the shipment changelist)."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{urlencode(query)}" if query else url


# --- boxes ----------------------------------------------------------------------------------------


@admin.register(Box)
class BoxAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "warehouse", "inner_size", "max_weight_grams", "tare_weight_grams", "is_active")
    list_filter = ("warehouse", "is_active")
    list_select_related = ("warehouse",)
    search_fields = ("code", "name", "warehouse__code")

    @admin.display(description="inner size (mm)", ordering="inner_length_mm")
    def inner_size(self, box: Box) -> str:
        return f"{box.inner_length_mm} x {box.inner_width_mm} x {box.inner_height_mm}"


# --- pick lists, packing, work queues -------------------------------------------------------------


class ParcelForm(forms.Form):
    """One parcel at the packing bench: a box from the catalogue or measured sides, and the weight."""

    box = forms.ModelChoiceField(queryset=Box.objects.none(), required=False, empty_label="(measured by hand)")
    weight_grams = forms.IntegerField(min_value=1, required=False, help_text="What the scale says.")
    length_mm = forms.IntegerField(min_value=1, required=False)
    width_mm = forms.IntegerField(min_value=1, required=False)
    height_mm = forms.IntegerField(min_value=1, required=False)

    def __init__(self, *args, boxes: QuerySet[Box], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["box"].queryset = boxes

    def spec(self) -> ParcelSpec | None:
        """The parcel, or None for a row left empty."""
        data = self.cleaned_data
        if not any(data.get(key) for key in ("box", "weight_grams", "length_mm", "width_mm", "height_mm")):
            return None
        return ParcelSpec(
            box_id=data["box"].pk if data.get("box") else None,
            weight_grams=data.get("weight_grams") or 0,
            length_mm=data.get("length_mm"),
            width_mm=data.get("width_mm"),
            height_mm=data.get("height_mm"),
        )


ParcelFormSet = formset_factory(ParcelForm, extra=1)


@admin.register(PickList)
class PickListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pick lists are made by the "create a pick list" action; here they are read and printed."""

    list_display = ("id", "warehouse", "order_count", "created_by", "created_at", "pdf_link")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse", "created_by")
    readonly_fields = ("warehouse", "created_by", "created_at", "pdf_link", "shipments_to_pack")
    change_list_template = "admin/fulfillment/picklist/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PickList]:
        return (
            super().get_queryset(request).annotate(fulfillment_order_count=Count("fulfillment_orders")).order_by("-pk")
        )

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        extra = [
            path("<int:pk>/pdf/", view(self.pdf_view), name="fulfillment_picklist_pdf"),
            path("work-queues/", view(self.work_queues_view), name="fulfillment_work_queues"),
            path("pack/<int:shipment_id>/", view(self.pack_view), name="fulfillment_shipment_pack"),
        ]
        return extra + super().get_urls()

    @admin.display(description="orders", ordering="fulfillment_order_count")
    def order_count(self, pick_list: PickList) -> int:
        return pick_list.fulfillment_order_count

    @admin.display(description="PDF")
    def pdf_link(self, pick_list: PickList) -> str:
        if pick_list.pk is None:
            return "-"
        return format_html(
            '<a href="{}">Download PDF</a>', reverse("admin:fulfillment_picklist_pdf", args=[pick_list.pk])
        )

    @admin.display(description="shipments")
    def shipments_to_pack(self, pick_list: PickList) -> str:
        shipments = (
            Shipment.objects.filter(fulfillment_order__pick_list=pick_list)
            .select_related("fulfillment_order__order")
            .order_by("pk")
        )
        rows = []
        for shipment in shipments:
            pack = (
                format_html('<a href="{}">Pack</a>', reverse("admin:fulfillment_shipment_pack", args=[shipment.pk]))
                if shipment.status == Shipment.Status.PICKING
                else ""
            )
            rows.append((shipment.fulfillment_order.order.number, shipment.pk, shipment.get_status_display(), pack))
        if not rows:
            return "-"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>Order {} · shipment {} · {} {}</li>", rows))

    def pdf_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The printable pick list (staff only: admin_view sends others to the log-in page)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        pick_list = get_object_or_404(PickList, pk=pk)
        response = HttpResponse(pick_list_pdf(pick_list_id=pick_list.pk), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="pick-list-{pick_list.pk}.pdf"'
        return response

    def work_queues_view(self, request: HttpRequest) -> HttpResponse:
        """Per warehouse: what waits to be allocated, picked, packed, labelled, and what went wrong."""
        if not _can_work(request):
            raise PermissionDenied
        queues = work_queues()
        rows = []
        for queue in queues.warehouses:
            warehouse_filter = {"fulfillment_order__warehouse__id__exact": queue.warehouse_id}
            rows.append(
                {
                    "queue": queue,
                    "held_url": _fulfillment_orders_url(status="on_hold", warehouse_id=queue.warehouse_id),
                    "customs_url": _fulfillment_orders_url(
                        status="on_hold",
                        warehouse_id=queue.warehouse_id,
                        hold_reason=FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA,
                    ),
                    "pick_url": _fulfillment_orders_url(status="open", warehouse_id=queue.warehouse_id),
                    "pack_url": url_or_none(
                        "admin:fulfillment_shipment_changelist", query={"status__exact": "picking", **warehouse_filter}
                    ),
                    "label_url": url_or_none(
                        "admin:fulfillment_shipment_changelist", query={"status__exact": "packed", **warehouse_filter}
                    ),
                    "exception_url": url_or_none(
                        "admin:fulfillment_shipment_changelist",
                        query={"status__exact": "exception", **warehouse_filter},
                    ),
                    "pick_lists_url": url_or_none(
                        "admin:fulfillment_picklist_changelist", query={"warehouse__id__exact": queue.warehouse_id}
                    ),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Work queues",
            "opts": self.opts,
            "queues": queues,
            "rows": rows,
            "unallocated_url": url_or_none("admin:shop_order_changelist", query={"status__exact": "paid"}),
            "backorders_url": url_or_none(
                "admin:fulfillment_backorder_changelist", query={"allocated_at__isnull": "True"}
            ),
        }
        return TemplateResponse(request, "admin/fulfillment/work_queues.html", context)

    def pack_view(self, request: HttpRequest, shipment_id: int) -> HttpResponse:
        """Record a picked shipment's parcels; the form starts from the suggested boxes."""
        if not _can_work(request):
            raise PermissionDenied
        shipment = get_object_or_404(
            Shipment.objects.select_related("fulfillment_order__order", "fulfillment_order__warehouse"), pk=shipment_id
        )
        boxes = Box.objects.filter(warehouse_id=shipment.fulfillment_order.warehouse_id, is_active=True)
        suggestion = suggest_parcels(shipment_id=shipment.pk)
        initial = [
            {
                "box": parcel.box.id if parcel.box else None,
                "weight_grams": parcel.weight_grams or None,
            }
            for parcel in suggestion
        ]
        formset = ParcelFormSet(
            request.POST if request.method == "POST" else None,
            initial=initial,
            prefix="parcels",
            form_kwargs={"boxes": boxes},
        )
        if request.method == "POST" and formset.is_valid():
            specs = [spec for form in formset.forms if (spec := form.spec()) is not None]
            try:
                pack_shipment(shipment_id=shipment.pk, parcels=specs, by=request.user)
            except InvalidParcels as error:
                formset._non_form_errors = formset.error_class(list(dict.fromkeys(error.fields.values())))
            except IllegalShipmentTransition as error:
                formset._non_form_errors = formset.error_class([str(error)])
            else:
                self.message_user(
                    request,
                    f"Shipment {shipment.pk} of order {shipment.fulfillment_order.order.number} packed in "
                    f"{len(specs)} parcel(s).",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:fulfillment_work_queues"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Pack shipment {shipment.pk} (order {shipment.fulfillment_order.order.number})",
            "opts": self.opts,
            "shipment": shipment,
            "suggestion": suggestion,
            "formset": formset,
            "media": self.media + formset.media,
        }
        return TemplateResponse(request, "admin/fulfillment/pack_shipment.html", context)


def _fulfillment_orders_url(*, status: str, warehouse_id: int, hold_reason: str = "") -> str:
    url = reverse("admin:fulfillment_fulfillmentorder_changelist")
    query = {"status__exact": status, "warehouse__id__exact": warehouse_id}
    if hold_reason:
        query["hold_reason__exact"] = hold_reason
    return f"{url}?{urlencode(query)}"


# --- actions on fulfillment orders ----------------------------------------------------------------


class HoldForm(forms.Form):
    reason = forms.ChoiceField(choices=[c for c in FulfillmentOrder.HoldReason.choices if c[0]])
    note = forms.CharField(max_length=200, required=False)


class MoveForm(forms.Form):
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True, kind=Warehouse.Kind.FULFILLMENT_CENTRE),
        label="Move to warehouse",
    )
    reason = forms.CharField(max_length=160, help_text="Kept on the order, e.g. 'water damage in bin C-07'.")


class FulfillmentOrderWorkMixin:
    """Work actions for the fulfillment order changelist; each calls a service, one order at a time."""

    actions = ("create_pick_list_action", "hold_action", "release_action", "move_action")
    change_list_template = "admin/fulfillment/fulfillmentorder/change_list.html"

    def has_work_permission(self, request: HttpRequest) -> bool:
        return _can_work(request)

    def _intermediate(self, request: HttpRequest, queryset, form, *, action: str, title: str, submit: str):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "fulfillment_orders": queryset.select_related("order", "warehouse").order_by("pk"),
            "action": action,
            "submit": submit,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/fulfillment/fulfillmentorder/action_form.html", context)

    def _report(self, request: HttpRequest, done: list[str], refused: list[str], verb: str) -> None:
        if done:
            self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not changed: {'; '.join(refused)}.", messages.ERROR)

    @admin.action(description="Create a pick list from the selected open orders", permissions=["work"])
    def create_pick_list_action(self, request: HttpRequest, queryset: QuerySet[FulfillmentOrder]) -> None:
        by_warehouse: dict[int, list[int]] = {}
        for pk, warehouse_id in queryset.order_by("pk").values_list("pk", "warehouse_id"):
            by_warehouse.setdefault(warehouse_id, []).append(pk)
        for warehouse_id, ids in sorted(by_warehouse.items()):
            try:
                pick_list = create_pick_list(
                    warehouse_id=warehouse_id, fulfillment_order_ids=ids, limit=len(ids), by=request.user
                )
            except NothingToPick as error:
                self.message_user(request, f"Warehouse {warehouse_id}: {error.message}", messages.WARNING)
                continue
            self.message_user(
                request,
                format_html(
                    'Pick list {} created with {} order(s): <a href="{}">download the PDF</a>.',
                    pick_list.pk,
                    pick_list.fulfillment_orders.count(),
                    reverse("admin:fulfillment_picklist_pdf", args=[pick_list.pk]),
                ),
                messages.SUCCESS,
            )

    @admin.action(description="Hold the selected orders…", permissions=["work"])
    def hold_action(self, request: HttpRequest, queryset: QuerySet[FulfillmentOrder]) -> HttpResponse | None:
        form = HoldForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, refused = [], []
            for fulfillment_order in queryset.order_by("pk"):
                try:
                    hold_fulfillment_order(
                        fulfillment_order_id=fulfillment_order.pk,
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                        by=request.user,
                    )
                except FulfillmentOrderError as error:
                    refused.append(error.message)
                else:
                    done.append(str(fulfillment_order.pk))
            self._report(request, done, refused, "Held")
            return None
        return self._intermediate(
            request, queryset, form, action="hold_action", title="Hold fulfillment orders", submit="Hold"
        )

    @admin.action(description="Release the selected held orders", permissions=["work"])
    def release_action(self, request: HttpRequest, queryset: QuerySet[FulfillmentOrder]) -> None:
        done, refused = [], []
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                release_fulfillment_order(fulfillment_order_id=pk, by=request.user)
            except FulfillmentOrderError as error:
                refused.append(error.message)
            else:
                done.append(str(pk))
        self._report(request, done, refused, "Released")

    @admin.action(description="Move the selected orders to another warehouse…", permissions=["work"])
    def move_action(self, request: HttpRequest, queryset: QuerySet[FulfillmentOrder]) -> HttpResponse | None:
        form = MoveForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            target = form.cleaned_data["warehouse"]
            done, refused = [], []
            for pk in queryset.order_by("pk").values_list("pk", flat=True):
                try:
                    move_fulfillment_order(
                        fulfillment_order_id=pk,
                        to_warehouse_id=target.pk,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                except InsufficientStock as error:
                    short = ", ".join(f"variant {s.variant_id}: {s.available} of {s.requested}" for s in error.lines)
                    refused.append(f"{pk}: {target.code} is short ({short})")
                except FulfillmentOrderError as error:
                    refused.append(f"{pk}: {error.message}")
                else:
                    done.append(str(pk))
            self._report(request, done, refused, f"Moved to {target.code}")
            return None
        return self._intermediate(
            request, queryset, form, action="move_action", title="Move fulfillment orders", submit="Move"
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "work_queues_url": reverse("admin:fulfillment_work_queues")}
        return super().changelist_view(request, extra_context)


def _extend_fulfillment_order_admin(site: admin.AdminSite) -> None:
    """Re-register the FulfillmentOrder admin that admin.py registered, with the work actions mixed in.

    Does nothing when admin.py already mixes FulfillmentOrderWorkMixin in, or has not registered
    the model yet (then it must import this module at its bottom, or use the mixin itself).
    """
    if not site.is_registered(FulfillmentOrder):
        return
    base = type(site.get_model_admin(FulfillmentOrder))
    if issubclass(base, FulfillmentOrderWorkMixin):
        return
    site.unregister(FulfillmentOrder)
    site.register(FulfillmentOrder, type(f"{base.__name__}WithWork", (FulfillmentOrderWorkMixin, base), {}))


_extend_fulfillment_order_admin(admin.site)
