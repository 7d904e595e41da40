"""Staff admin for warehouses, stock and the stock ledger.

Stock is never saved by the admin itself: every count goes through
`fulfillment.services.stock.set_stock_quantity` (a custom "set stock count" page and a changelist
action), so each change is locked, checked and written to the ledger like any other.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, QuerySet, Sum
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from fulfillment.models import Allocation, Backorder, FulfillmentOrder, Stock, StockMovement, Warehouse
from fulfillment.selectors_delivery import on_time_report
from fulfillment.services.stock import InsufficientStock, recount_available, set_stock_quantity
from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline

ADMIN_REFERENCE = "admin"
INLINE_STOCK_LIMIT = 200


def set_stock_url(*, warehouse_id: int | None = None, variant_id: int | None = None) -> str:
    """The "set stock count" admin page, prefilled with a warehouse and/or a variant."""
    query = {key: value for key, value in (("warehouse", warehouse_id), ("variant", variant_id)) if value}
    url = reverse("admin:fulfillment_stock_set")
    return f"{url}?{urlencode(query)}" if query else url


def _reference(note: str) -> str:
    return f"{ADMIN_REFERENCE}: {note}" if note else ADMIN_REFERENCE


def _can_set_stock(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_staff and request.user.has_perm("fulfillment.change_stock")


# --- read-only stock inlines (used here and by shop.admin's VariantAdmin) ---------------------------


class _ReadOnlyStockInline(ReadOnlyInline):
    model = Stock
    readonly_fields = ("quantity", "quantity_allocated", "free", "bin_location", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stock]:
        return (
            super()
            .get_queryset(request)
            .select_related("warehouse", "variant__product")
            .annotate(free=F("quantity") - F("quantity_allocated"))
        )

    @admin.display(description="free")
    def free(self, stock: Stock) -> int:
        return stock.quantity_free


class _FirstRowsFormSet(BaseInlineFormSet):
    """Shows only the first rows of a long inline (a warehouse can hold thousands of SKUs)."""

    def get_queryset(self) -> QuerySet:
        if not hasattr(self, "_first_rows"):
            self._first_rows = super().get_queryset()[:INLINE_STOCK_LIMIT]
        return self._first_rows


class WarehouseStockInline(_ReadOnlyStockInline):
    """Stock held in a warehouse, read-only; counts are set through the stock service."""

    formset = _FirstRowsFormSet
    fk_name = "warehouse"
    fields = ("variant_sku", "product", "quantity", "quantity_allocated", "free", "bin_location", "updated_at")
    readonly_fields = ("variant_sku", "product", *_ReadOnlyStockInline.readonly_fields)
    verbose_name_plural = f"stock (first {INLINE_STOCK_LIMIT} lines, read-only)"

    @admin.display(description="SKU")
    def variant_sku(self, stock: Stock) -> str:
        url = reverse("admin:shop_variant_change", args=[stock.variant_id])
        return format_html('<a href="{}">{}</a>', url, stock.variant.sku)

    @admin.display(description="product")
    def product(self, stock: Stock) -> str:
        return stock.variant.product.title


class VariantStockInline(_ReadOnlyStockInline):
    """A variant's stock in each warehouse, read-only; counts are set through the stock service."""

    fk_name = "variant"
    fields = ("warehouse", "quantity", "quantity_allocated", "free", "bin_location", "updated_at")
    readonly_fields = ("warehouse", *_ReadOnlyStockInline.readonly_fields)
    verbose_name_plural = "stock (read-only)"


# --- warehouses ---------------------------------------------------------------------------------


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = (
        "code", "name", "kind", "operator", "city", "country", "priority", "is_active", "stock_lines", "units",
    )  # fmt: skip
    list_display_links = ("code", "name")
    list_filter = ("kind", "operator", "is_active", "country")
    search_fields = ("code", "name", "city", "postal_code")
    readonly_fields = ("created_at", "stock_summary")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "priority", "is_active")}),
        # Ours: staff receive sellers' inbound shipments and count; a seller's own: that seller counts.
        ("Run by", {"fields": ("operator", "operator_seller_id")}),
        ("Address", {"fields": ("address_line1", "address_line2", "city", "region", "postal_code", "country")}),
        # The delivery promise shoppers see: orders before the cut-off start that business day.
        ("Delivery promise", {"fields": ("cutoff_time", "time_zone", "handling_days")}),
        ("Stock", {"fields": ("stock_summary", "created_at")}),
    )
    inlines = (WarehouseStockInline,)

    def get_urls(self):
        extra = [path("on-time/", self.admin_site.admin_view(self.on_time_view), name="fulfillment_on_time")]
        return extra + super().get_urls()

    def on_time_view(self, request: HttpRequest) -> HttpResponse:
        """Delivery promises kept, per carrier and per warehouse (staff who may see shipments)."""
        if not request.user.has_perm("fulfillment.view_shipment"):
            raise PermissionDenied
        report = on_time_report(today=timezone.localdate())
        context = {
            **self.admin_site.each_context(request),
            "title": "Delivery promises kept",
            "opts": self.opts,
            "tables": [
                ("Per carrier", report.carriers, "on-time-carriers"),
                ("Per warehouse", report.warehouses, "on-time-warehouses"),
            ],
        }
        return TemplateResponse(request, "admin/fulfillment/on_time/report.html", context)

    def save_model(self, request: HttpRequest, obj: Warehouse, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # Its units join or leave what listing pages show as available (stored per variant).
            recount_available(variant_ids=list(obj.stocks.values_list("variant_id", flat=True)))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Warehouse]:
        # A GROUP BY drops Meta.ordering: order explicitly.
        return (
            super()
            .get_queryset(request)
            .annotate(stock_line_count=Count("stocks"), unit_count=Sum("stocks__quantity"))
            .order_by("code")
        )

    @admin.display(description="stock lines", ordering="stock_line_count")
    def stock_lines(self, warehouse: Warehouse) -> int:
        return warehouse.stock_line_count

    @admin.display(description="units on hand", ordering="unit_count")
    def units(self, warehouse: Warehouse) -> int:
        return warehouse.unit_count or 0

    @admin.display(description="stock")
    def stock_summary(self, warehouse: Warehouse) -> str:
        if warehouse.pk is None:
            return "Save the warehouse first, then set stock counts."
        totals = warehouse.stocks.aggregate(
            lines=Count("pk"), units=Sum("quantity"), allocated=Sum("quantity_allocated")
        )
        list_url = (
            reverse("admin:fulfillment_stock_changelist") + "?" + urlencode({"warehouse__id__exact": warehouse.pk})
        )
        return format_html(
            '{} lines, {} units on hand, {} allocated. <a href="{}">See all stock lines</a> · '
            '<a href="{}">Set a stock count here</a>',
            totals["lines"],
            totals["units"] or 0,
            totals["allocated"] or 0,
            list_url,
            set_stock_url(warehouse_id=warehouse.pk),
        )


# --- stock ------------------------------------------------------------------------------------


class SetStockForm(forms.Form):
    """A stock count for one warehouse and variant, as staff type it in."""

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.filter(is_active=True))
    variant = forms.ModelChoiceField(queryset=Stock.variant.field.related_model.objects.none())  # see __init__
    quantity = forms.IntegerField(min_value=0, help_text="Units on hand after the count.")
    bin_location = forms.CharField(
        max_length=Stock._meta.get_field("bin_location").max_length,
        required=False,
        help_text="Leave empty to keep the current bin.",
    )
    # Staff change on-hand counts only with a reason (sellers no longer count our warehouses): kept in the ledger.
    note = forms.CharField(
        max_length=80, label="Reason", help_text="Kept in the stock ledger, e.g. 'cycle count', 'found in B-12'."
    )

    def __init__(self, *args, admin_site: admin.AdminSite, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Thousands of variants: an autocomplete box (searches VariantAdmin), not a <select>.
        widget = AutocompleteSelect(Stock._meta.get_field("variant"), admin_site)
        variants = Stock.variant.field.related_model.objects.all()  # the catalogue's variants, by the relation
        self.fields["variant"] = forms.ModelChoiceField(queryset=variants, widget=widget)


class StockCountForm(forms.Form):
    """The same count applied to each selected stock row (changelist action)."""

    quantity = forms.IntegerField(min_value=0, help_text="Units on hand after the count, for each selected line.")
    note = forms.CharField(max_length=80, label="Reason", help_text="Kept in the stock ledger, e.g. 'cycle count'.")


@admin.register(Stock)
class StockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Stock rows change only through the stock service (the set-stock page and action below)."""

    list_display = (
        "warehouse_code",
        "variant_sku",
        "product_title",
        "quantity",
        "quantity_allocated",
        "free",
        "bin_location",
        "updated_at",
    )
    list_select_related = ("warehouse", "variant__product")
    list_filter = ("warehouse", "warehouse__kind")
    search_fields = ("variant__sku", "variant__gtin", "variant__product__title", "bin_location")
    readonly_fields = ("warehouse", "variant", "quantity", "quantity_allocated", "bin_location", "updated_at")
    actions = ("set_stock_count",)
    change_list_template = "admin/fulfillment/stock/change_list.html"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Stock]:
        return super().get_queryset(request).annotate(free_units=F("quantity") - F("quantity_allocated"))

    def get_urls(self):
        extra = [path("set/", self.admin_site.admin_view(self.set_stock_view), name="fulfillment_stock_set")]
        return extra + super().get_urls()

    def has_set_stock_permission(self, request: HttpRequest) -> bool:
        return _can_set_stock(request)

    @admin.display(description="warehouse", ordering="warehouse__code")
    def warehouse_code(self, stock: Stock) -> str:
        return stock.warehouse.code

    @admin.display(description="SKU", ordering="variant__sku")
    def variant_sku(self, stock: Stock) -> str:
        return stock.variant.sku

    @admin.display(description="product", ordering="variant__product__title")
    def product_title(self, stock: Stock) -> str:
        return stock.variant.product.title

    @admin.display(description="free", ordering="free_units")
    def free(self, stock: Stock) -> int:
        return stock.quantity_free

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_set_stock": self.has_set_stock_permission(request)}
        return super().changelist_view(request, extra_context)

    def set_stock_view(self, request: HttpRequest) -> HttpResponse:
        """Set the count of one variant in one warehouse (creates the stock line when missing)."""
        if not self.has_set_stock_permission(request):
            raise PermissionDenied
        initial = {key: request.GET[key] for key in ("warehouse", "variant") if request.GET.get(key, "").isdigit()}
        if "warehouse" in initial and "variant" in initial:
            current = Stock.objects.filter(warehouse_id=initial["warehouse"], variant_id=initial["variant"]).first()
            if current is not None:
                initial.update(quantity=current.quantity, bin_location=current.bin_location)
        form = SetStockForm(request.POST or None, initial=initial, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                stock = set_stock_quantity(
                    warehouse=data["warehouse"],
                    variant_id=data["variant"].pk,
                    quantity=data["quantity"],
                    by=request.user,
                    reference=_reference(data["note"]),
                    bin_location=data["bin_location"] or None,
                )
            except InsufficientStock:
                form.add_error("quantity", "This is below the units already allocated to orders here.")
            else:
                self.message_user(
                    request,
                    f"{data['variant'].sku} at {data['warehouse'].code} is now {stock.quantity} on hand "
                    f"({stock.quantity_allocated} allocated).",
                    messages.SUCCESS,
                )
                changelist = reverse("admin:fulfillment_stock_changelist")
                return HttpResponseRedirect(f"{changelist}?{urlencode({'q': data['variant'].sku})}")
        context = {
            **self.admin_site.each_context(request),
            "title": "Set a stock count",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/fulfillment/stock/set_stock.html", context)

    @admin.action(description="Set the stock count of the selected lines…", permissions=["set_stock"])
    def set_stock_count(self, request: HttpRequest, queryset: QuerySet[Stock]) -> HttpResponse | None:
        form = StockCountForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            quantity, reference = form.cleaned_data["quantity"], _reference(form.cleaned_data["note"])
            done, refused = [], []
            for stock in queryset.select_related("warehouse", "variant").order_by("pk"):
                try:
                    set_stock_quantity(
                        warehouse=stock.warehouse,
                        variant_id=stock.variant_id,
                        quantity=quantity,
                        by=request.user,
                        reference=reference,
                    )
                except InsufficientStock:
                    refused.append(f"{stock.variant.sku} at {stock.warehouse.code}")
                else:
                    done.append(stock)
            if done:
                self.message_user(request, f"Set {len(done)} stock line(s) to {quantity} on hand.", messages.SUCCESS)
            if refused:
                self.message_user(
                    request,
                    f"Not changed, more units are allocated to orders than {quantity}: {', '.join(refused)}.",
                    messages.ERROR,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Set the stock count",
            "opts": self.opts,
            "form": form,
            "stocks": queryset.select_related("warehouse", "variant__product"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/fulfillment/stock/set_stock_count_action.html", context)


# --- the ledger -----------------------------------------------------------------------------------


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The append-only stock ledger: staff read it, nobody edits it."""

    list_display = (
        "created_at",
        "warehouse_code",
        "variant_sku",
        "reason",
        "changes",
        "totals_after",
        "by",
        "reference",
    )
    list_select_related = ("stock__warehouse", "stock__variant", "by")
    list_filter = ("reason", "stock__warehouse")
    search_fields = ("stock__variant__sku", "reference", "by__username")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = (
        "stock",
        "reason",
        "quantity_change",
        "allocated_change",
        "quantity_after",
        "allocated_after",
        "by",
        "reference",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockMovement]:
        # The change (view) page shows the stock row's __str__ and the user: no extra queries.
        return super().get_queryset(request).select_related("stock__warehouse", "stock__variant", "by")

    @admin.display(description="warehouse", ordering="stock__warehouse__code")
    def warehouse_code(self, movement: StockMovement) -> str:
        return movement.stock.warehouse.code

    @admin.display(description="SKU", ordering="stock__variant__sku")
    def variant_sku(self, movement: StockMovement) -> str:
        return movement.stock.variant.sku

    @admin.display(description="change (on hand / allocated)", ordering="quantity_change")
    def changes(self, movement: StockMovement) -> str:
        return f"{movement.quantity_change:+d} / {movement.allocated_change:+d}"

    @admin.display(description="after (on hand / allocated)")
    def totals_after(self, movement: StockMovement) -> str:
        return f"{movement.quantity_after} / {movement.allocated_after}"


class AllocationInline(admin.TabularInline):
    model = Allocation
    fields = ("order_line", "stock", "quantity", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(FulfillmentOrder)
class FulfillmentOrderAdmin(admin.ModelAdmin):
    """Read-only until the fulfillment issue's work queues; allocation writes go through the services."""

    list_display = ("id", "order", "warehouse", "status", "hold_reason", "hold_note", "created_at")
    list_filter = ("status", "hold_reason", "warehouse")
    search_fields = ("order__number", "hold_note")
    list_select_related = ("order", "warehouse")
    readonly_fields = ("order", "warehouse", "status", "hold_reason", "hold_note", "created_at", "updated_at")
    inlines = [AllocationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Backorder)
class BackorderAdmin(admin.ModelAdmin):
    list_display = ("id", "order_line", "quantity", "created_at", "allocated_at")
    list_filter = ("allocated_at",)
    search_fields = ("order_line__order__number", "order_line__sku")
    list_select_related = ("order_line",)
    readonly_fields = ("order_line", "quantity", "created_at", "allocated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# Work on fulfillment orders (boxes, pick lists, packing, work queues), on shipments (labels, tracking), on
# returns (the returns centre: receive, inspect), customs (held shipments, declarations) and the shipping
# restrictions rule table.
from fulfillment import (  # noqa: E402, F401
    admin_consolidation,
    admin_customs,
    admin_inbound,
    admin_picking,
    admin_restrictions,
    admin_returns,
    admin_shipping,
)
