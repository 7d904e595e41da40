"""Staff admin for the returns centres: returns to receive and to inspect, the receive scan, the inspection.

Imported by fulfillment/admin.py. Nothing here writes a return itself: the scan page calls
`receive_return` and the inspection page `inspect_return` (fulfillment.services.returns), the same
services the tasks and the simulation use; restocked units reach the shelf through the stock service
as RETURNED movements, which the stock ledger's admin lists.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from fulfillment.admin_picking import url_or_none
from fulfillment.models import InboundReturn, InboundReturnLine, StockMovement, Warehouse
from fulfillment.selectors import returns_work_queue
from fulfillment.services.returns import Disposition, ReturnError, inspect_return, receive_return
from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline

R = InboundReturn.Status
QUEUE_ROWS = 50  # rows shown per queue; the counts say how many wait in all
COUNT = "vIntegerField"  # the admin's narrow number box
# The review queue lives in the shop's admin; linked by URL name (fulfillment never imports the shop).
REVIEW_QUEUE_URL_NAME = "admin:shop_returnrequest_changelist"


def _can_work_returns(request: HttpRequest) -> bool:
    user = request.user
    return user.is_active and user.is_staff and user.has_perm("fulfillment.change_inboundreturn")


def returned_movements_url(inbound: InboundReturn) -> str:
    """The stock ledger filtered to the RETURNED movements of this return (their reference names it)."""
    query = {"reason__exact": StockMovement.Reason.RETURNED, "q": f"return {inbound.number}"}
    return f"{reverse('admin:fulfillment_stockmovement_changelist')}?{urlencode(query)}"


# --- forms ----------------------------------------------------------------------------------------


class ReceiveForm(forms.Form):
    """A parcel scanned at the centre's door."""

    code = forms.CharField(
        max_length=40,
        label="Scan or type",
        help_text="The tracking number on the label, the drop-off code (RT-…) or the return's number.",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "size": 32}),
    )
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True).order_by("kind", "code"),
        required=False,
        empty_label="(any centre)",
        help_text="Where you are: a parcel expected at another centre is refused.",
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if "\x00" in code:
            raise forms.ValidationError("Scan a return's tracking number, drop-off code or number.")
        return code


class DispositionForm(forms.Form):
    """What became of the units of one line: every announced unit in exactly one outcome."""

    restock = forms.IntegerField(min_value=0, label="Restock", widget=forms.NumberInput(attrs={"class": COUNT}))
    refurbish = forms.IntegerField(min_value=0, label="Refurbish", widget=forms.NumberInput(attrs={"class": COUNT}))
    write_off = forms.IntegerField(min_value=0, label="Write off", widget=forms.NumberInput(attrs={"class": COUNT}))
    missing = forms.IntegerField(min_value=0, label="Missing", widget=forms.NumberInput(attrs={"class": COUNT}))
    note = forms.CharField(max_length=200, required=False, label="Note")

    def __init__(self, *args, line: InboundReturnLine, **kwargs) -> None:
        # By default every unit goes back on the shelf.
        initial = {"restock": line.quantity, "refurbish": 0, "write_off": 0, "missing": 0}
        super().__init__(*args, initial=initial, prefix=f"line-{line.pk}", **kwargs)
        self.line = line

    def clean(self) -> dict:
        cleaned = super().clean()
        counts = [cleaned.get(name) for name in ("restock", "refurbish", "write_off", "missing")]
        if None not in counts and sum(counts) != self.line.quantity:
            raise forms.ValidationError(
                f"{sum(counts)} unit(s) given an outcome, but {self.line.quantity} were announced."
            )
        return cleaned

    def disposition(self) -> Disposition:
        data = self.cleaned_data
        return Disposition(
            line_id=self.line.pk,
            restock=data["restock"],
            refurbish=data["refurbish"],
            write_off=data["write_off"],
            missing=data["missing"],
            note=data["note"],
        )


class InspectionForm(forms.Form):
    mismatch_note = forms.CharField(
        max_length=300,
        required=False,
        label="Mismatch",
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="What did not match what was announced (another item, fewer units…). Missing units are "
        "noted on their own when this is empty.",
    )


# --- the admin ------------------------------------------------------------------------------------


class InboundReturnLineInline(ReadOnlyInline):
    model = InboundReturnLine
    fields = (
        "sku",
        "product",
        "quantity",
        "quantity_received",
        "restocked",
        "refurbished",
        "written_off",
        "missing",
        "note",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundReturnLine]:
        return super().get_queryset(request).select_related("order_line")

    @admin.display(description="SKU")
    def sku(self, line: InboundReturnLine) -> str:
        return line.order_line.sku

    @admin.display(description="product")
    def product(self, line: InboundReturnLine) -> str:
        label = f" ({line.order_line.variant_label})" if line.order_line.variant_label else ""
        return f"{line.order_line.product_title}{label}"


class QueueFilter(admin.SimpleListFilter):
    """The centre's two queues, as the returns centre page counts them."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("to_receive", "To receive"), ("to_inspect", "To inspect")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[InboundReturn]) -> QuerySet[InboundReturn]:
        if self.value() == "to_receive":
            return queryset.filter(status__in=(R.EXPECTED, R.IN_TRANSIT))
        if self.value() == "to_inspect":
            return queryset.filter(status=R.RECEIVED)
        return queryset


@admin.register(InboundReturn)
class InboundReturnAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Returns the network brings back; received and inspected through the pages below, never edited."""

    list_display = (
        "number",
        "order_number",
        "warehouse_code",
        "status",
        "tracking_number",
        "drop_off_code",
        "units",
        "created_at",
        "received_at",
        "next_step",
    )
    list_select_related = ("order", "warehouse", "shipment")
    list_filter = (QueueFilter, "status", "warehouse")
    search_fields = ("=number", "=drop_off_code", "=shipment__tracking_number", "order__number")
    show_full_result_count = False
    inlines = (InboundReturnLineInline,)
    change_list_template = "admin/fulfillment/inboundreturn/change_list.html"
    fieldsets = (
        (None, {"fields": ("number", "order", "warehouse", "status", "next_step")}),
        ("Coming back", {"fields": ("shipment_link", "drop_off_code", "created_at")}),
        ("Received", {"fields": ("received_at", "received_by")}),
        ("Inspected", {"fields": ("inspected_at", "inspected_by", "mismatch_note", "movements")}),
        (
            "Sent from",
            {
                "fields": (
                    "ship_name",
                    "ship_line1",
                    "ship_line2",
                    ("ship_city", "ship_region", "ship_postal_code"),
                    "ship_country",
                    "ship_phone",
                )
            },
        ),
    )
    readonly_fields = ("next_step", "shipment_link", "movements")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InboundReturn]:
        return (
            super()
            .get_queryset(request)
            .select_related("order", "warehouse", "shipment", "received_by", "inspected_by")
            .annotate(unit_count=Sum("lines__quantity"))
        )

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        extra = [
            path("centre/", view(self.returns_centre_view), name="fulfillment_returns_centre"),
            path("receive/", view(self.receive_view), name="fulfillment_inboundreturn_receive"),
            path("<int:pk>/inspect/", view(self.inspect_view), name="fulfillment_inboundreturn_inspect"),
        ]
        return extra + super().get_urls()

    @admin.display(description="order", ordering="order__number")
    def order_number(self, inbound: InboundReturn) -> str:
        return inbound.order.number

    @admin.display(description="centre", ordering="warehouse__code")
    def warehouse_code(self, inbound: InboundReturn) -> str:
        return inbound.warehouse.code

    @admin.display(description="tracking number")
    def tracking_number(self, inbound: InboundReturn) -> str:
        return inbound.shipment.tracking_number if inbound.shipment and inbound.shipment.tracking_number else "-"

    @admin.display(description="units", ordering="unit_count")
    def units(self, inbound: InboundReturn) -> int:
        return inbound.unit_count or 0

    @admin.display(description="next step")
    def next_step(self, inbound: InboundReturn) -> str:
        if inbound.status == R.RECEIVED:
            url = reverse("admin:fulfillment_inboundreturn_inspect", args=[inbound.pk])
            return format_html('<a href="{}">Inspect</a>', url)
        if inbound.status in (R.EXPECTED, R.IN_TRANSIT):
            return format_html('<a href="{}">Receive (scan)</a>', reverse("admin:fulfillment_inboundreturn_receive"))
        return "-"

    @admin.display(description="shipment")
    def shipment_link(self, inbound: InboundReturn) -> str:
        if inbound.shipment_id is None:
            return "No label yet."
        url = reverse("admin:fulfillment_shipment_change", args=[inbound.shipment_id])
        tracking = inbound.shipment.tracking_number or "no tracking number yet"
        return format_html(
            '<a href="{}">Shipment {}</a> ({}, {})', url, inbound.shipment_id, tracking, inbound.shipment.status
        )

    @admin.display(description="stock movements")
    def movements(self, inbound: InboundReturn) -> str:
        if inbound.status != R.INSPECTED:
            return "-"
        return format_html('<a href="{}">Units put back on the shelf (RETURNED)</a>', returned_movements_url(inbound))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "returns_centre_url": reverse("admin:fulfillment_returns_centre"),
            "receive_url": reverse("admin:fulfillment_inboundreturn_receive"),
        }
        return super().changelist_view(request, extra_context)

    # --- the work queue -----------------------------------------------------------------------------

    def returns_centre_view(self, request: HttpRequest) -> HttpResponse:
        """To receive (expected, on the way) and to inspect (received), the longest waiting first."""
        if not _can_work_returns(request):
            raise PermissionDenied
        centres = list(Warehouse.objects.filter(is_active=True, kind=Warehouse.Kind.RETURNS_CENTRE).order_by("code"))
        chosen = next((w for w in centres if str(w.pk) == request.GET.get("warehouse", "")), None)
        queues = returns_work_queue()
        tables = []
        for key, title in (("to_receive", "To receive"), ("to_inspect", "To inspect")):
            queryset = queues[key]
            if chosen is not None:
                queryset = queryset.filter(warehouse=chosen)
            query = {"queue": key, **({"warehouse__id__exact": chosen.pk} if chosen else {})}
            tables.append(
                {
                    "key": key,
                    "title": title,
                    "count": queryset.count(),
                    "rows": list(queryset.annotate(unit_count=Sum("lines__quantity"))[:QUEUE_ROWS]),
                    "all_url": f"{reverse('admin:fulfillment_inboundreturn_changelist')}?{urlencode(query)}",
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": "Returns centre",
            "opts": self.opts,
            "tables": tables,
            "centres": centres,
            "chosen": chosen,
            "queue_rows": QUEUE_ROWS,
            "receive_url": reverse("admin:fulfillment_inboundreturn_receive")
            + (f"?{urlencode({'warehouse': chosen.pk})}" if chosen else ""),
            "review_url": url_or_none(REVIEW_QUEUE_URL_NAME, query={"queue": "review"}),
            "movements_url": f"{reverse('admin:fulfillment_stockmovement_changelist')}?"
            + urlencode({"reason__exact": StockMovement.Reason.RETURNED}),
        }
        return TemplateResponse(request, "admin/fulfillment/inboundreturn/returns_centre.html", context)

    # --- receive ------------------------------------------------------------------------------------

    def receive_view(self, request: HttpRequest) -> HttpResponse:
        """One scan: the parcel is received (once); a repeat scan says so and changes nothing."""
        if not _can_work_returns(request):
            raise PermissionDenied
        initial = {"warehouse": request.GET["warehouse"]} if request.GET.get("warehouse", "").isdigit() else {}
        form = ReceiveForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            warehouse = form.cleaned_data["warehouse"]
            scanned_at = timezone.now()
            try:
                inbound = receive_return(
                    code=form.cleaned_data["code"], by=request.user, warehouse_id=warehouse.pk if warehouse else None
                )
            except ReturnError as error:
                form.add_error("code", error.message)
            else:
                # receive_return answers a repeat scan with the return as it was: received before this scan.
                fresh = inbound.received_at is not None and inbound.received_at >= scanned_at
                self._report_scan(request, inbound, fresh=fresh)
                again = reverse("admin:fulfillment_inboundreturn_receive")
                return HttpResponseRedirect(f"{again}?{urlencode({'warehouse': warehouse.pk})}" if warehouse else again)
        context = {
            **self.admin_site.each_context(request),
            "title": "Receive a return",
            "opts": self.opts,
            "form": form,
            "returns_centre_url": reverse("admin:fulfillment_returns_centre"),
        }
        return TemplateResponse(request, "admin/fulfillment/inboundreturn/receive.html", context)

    def _report_scan(self, request: HttpRequest, inbound: InboundReturn, *, fresh: bool) -> None:
        inspect_url = reverse("admin:fulfillment_inboundreturn_inspect", args=[inbound.pk])
        if fresh:
            self.message_user(
                request,
                format_html(
                    'Return {} received at {}: <a href="{}">inspect it</a>.',
                    inbound.number,
                    inbound.warehouse.code,
                    inspect_url,
                ),
                messages.SUCCESS,
            )
            return
        when = f" on {timezone.localtime(inbound.received_at):%Y-%m-%d %H:%M}" if inbound.received_at else ""
        inspected = " and inspected" if inbound.status == R.INSPECTED else ""
        already = f"Return {inbound.number} was already received{when}{inspected}: nothing changed."
        self.message_user(request, already, messages.WARNING)

    # --- inspect ------------------------------------------------------------------------------------

    def inspect_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """A disposition for every unit of a received return, all saved at once or none."""
        if not _can_work_returns(request):
            raise PermissionDenied
        inbound = get_object_or_404(InboundReturn.objects.select_related("order", "warehouse"), pk=pk)
        change_url = reverse("admin:fulfillment_inboundreturn_change", args=[inbound.pk])
        if inbound.status != R.RECEIVED:
            why = {
                R.INSPECTED: "it was inspected already",
                R.CANCELLED: "it was cancelled",
            }.get(inbound.status, "it has not been received: scan it in first")
            self.message_user(request, f"Return {inbound.number} cannot be inspected: {why}.", messages.WARNING)
            return HttpResponseRedirect(change_url)
        data = request.POST if request.method == "POST" else None
        lines = list(inbound.lines.select_related("order_line").order_by("pk"))
        line_forms = [DispositionForm(data, line=line) for line in lines]
        form = InspectionForm(data)
        errors: list[str] = []
        if data is not None and form.is_valid() and all(line_form.is_valid() for line_form in line_forms):
            try:
                inspect_return(
                    return_id=inbound.pk,
                    dispositions=[line_form.disposition() for line_form in line_forms],
                    mismatch_note=form.cleaned_data["mismatch_note"],
                    by=request.user,
                )
            except ReturnError as error:
                errors.append(error.message)
            else:
                self.message_user(request, _inspected_in_words(inbound, line_forms), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:fulfillment_returns_centre"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Inspect return {inbound.number}",
            "opts": self.opts,
            "inbound": inbound,
            "line_forms": line_forms,
            "form": form,
            "errors": errors,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/fulfillment/inboundreturn/inspect.html", context)


def _inspected_in_words(inbound: InboundReturn, line_forms: list[DispositionForm]) -> str:
    totals = {"restocked": 0, "refurbished": 0, "written off": 0, "missing": 0}
    for line_form in line_forms:
        decided = line_form.disposition()
        totals["restocked"] += decided.restock
        totals["refurbished"] += decided.refurbish
        totals["written off"] += decided.write_off
        totals["missing"] += decided.missing
    outcome = ", ".join(f"{count} {what}" for what, count in totals.items() if count)
    return f"Return {inbound.number} inspected at {inbound.warehouse.code}: {outcome}."
