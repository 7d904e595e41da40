"""Staff admin for the landed-cost tables: duty rates, tax rates, de-minimis thresholds, exchange rates.

A row that has taken effect explains past orders, so it is read-only from its first day. Staff close it
by setting `effective_to` (yesterday as its last day at the earliest, so no past day changes; once that
day has passed the row is closed for good) and add a new row, which "Start a new row from this one"
pre-fills. Rows not yet in effect can still be corrected or deleted. To check a rule, run
`manage.py quote_landed_cost` (see the README, "Duties and taxes: the tables").
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django_countries.filters import CountryFilter

from shop.models import DeMinimis, DutyRate, ExchangeRate, FreeShippingThreshold, TaxRate


class InEffectFilter(admin.SimpleListFilter):
    title = "in effect"
    parameter_name = "in_effect"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("today", "Today"), ("future", "Not yet"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = timezone.localdate()
        has_end = hasattr(queryset.model, "effective_to")
        if self.value() == "today":
            started = queryset.filter(effective_from__lte=today)
            return started.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today)) if has_end else started
        if self.value() == "future":
            return queryset.filter(effective_from__gt=today)
        if self.value() == "ended" and has_end:
            return queryset.filter(effective_to__lt=today)
        return queryset


class DatedRowForm(forms.ModelForm):
    """Closing a row that has taken effect: from today on at the earliest, so no past day changes."""

    def clean_effective_to(self) -> date | None:
        effective_to = self.cleaned_data.get("effective_to")
        yesterday = timezone.localdate() - timedelta(days=1)
        if (
            self.instance.pk
            and _started(self.instance)
            and effective_to != self.instance.effective_to
            and effective_to is not None
            and effective_to < yesterday
        ):
            raise forms.ValidationError(
                "A row in effect can only be closed from today on (yesterday as its last day at the earliest): "
                "past orders were quoted with it."
            )
        return effective_to


def _as_initial(value: object) -> str:
    # A checkbox reads any non-empty string, "False" included, as ticked.
    if isinstance(value, bool):
        return "on" if value else ""
    return "" if value is None else str(value)


def _started(row: Model) -> bool:
    return row.effective_from is not None and row.effective_from <= timezone.localdate()


def _closed_in_the_past(row: Model) -> bool:
    effective_to = getattr(row, "effective_to", None)
    return effective_to is not None and effective_to < timezone.localdate()


class DatedRowAdmin(admin.ModelAdmin):
    """Rows are history: read-only once in effect (but for closing them), never deleted then."""

    form = DatedRowForm
    date_hierarchy = "effective_from"
    list_per_page = 100
    copy_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        if obj is None or not _started(obj):
            return ("created_at", "copy_link") if obj else ("created_at",)
        editable = {"effective_to"} if hasattr(obj, "effective_to") and not _closed_in_the_past(obj) else set()
        names = [field.name for field in obj._meta.fields if field.name != "id" and field.name not in editable]
        return (*names, "copy_link")

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = [field.name for field in self.model._meta.fields if field.name not in ("id", "created_at")]
        return [*fields, "created_at", "copy_link"] if obj else fields

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is not None and _started(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict:
        # The bulk delete would bypass the per-row check above.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="new row")
    def copy_link(self, obj: Model) -> str:
        if obj is None or obj.pk is None:
            return "-"
        query = urlencode({name: _as_initial(getattr(obj, name)) for name in self.copy_fields})
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_add") + "?" + query
        return format_html('<a href="{}">Start a new row from this one</a> (set its first day)', url)


@admin.register(DutyRate)
class DutyRateAdmin(DatedRowAdmin):
    list_display = (
        "country",
        "prefix",
        "origin_country",
        "scope",
        "rate_percent",
        "fixed",
        "basis",
        "effective_from",
        "effective_to",
        "source",
    )
    list_filter = (("country", CountryFilter), InEffectFilter, "scope", "effective_from", "effective_to")
    search_fields = ("hs_prefix", "source", "note")
    search_help_text = "An HS code finds every row whose prefix it starts with (the rows that could apply to it)."
    copy_fields = (
        "country",
        "hs_prefix",
        "origin_country",
        "rate_percent",
        "fixed_amount",
        "fixed_currency",
        "fixed_per",
        "scope",
        "basis",
        "source",
    )

    @admin.display(description="HS prefix", ordering="hs_prefix")
    def prefix(self, row: DutyRate) -> str:
        return row.hs_prefix or "(default)"

    @admin.display(description="fixed")
    def fixed(self, row: DutyRate) -> str:
        return f"{row.fixed_amount} {row.fixed_currency} {row.get_fixed_per_display()}" if row.fixed_amount else "-"

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if term.isdigit():
            # The rows that could apply to this code (its prefixes, the default) and the longer ones under it.
            prefixes = [term[:length] for length in range(len(term) + 1)]
            return queryset.filter(Q(hs_prefix__in=prefixes) | Q(hs_prefix__startswith=term)), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(TaxRate)
class TaxRateAdmin(DatedRowAdmin):
    list_display = (
        "country",
        "region",
        "name",
        "rate_percent",
        "shipping_taxable",
        "duty_taxable",
        "effective_from",
        "effective_to",
        "source",
    )
    list_filter = (("country", CountryFilter), InEffectFilter, "name", "effective_from", "effective_to")
    search_fields = ("region", "source", "note")
    copy_fields = ("country", "region", "name", "rate_percent", "shipping_taxable", "duty_taxable", "source")


@admin.register(DeMinimis)
class DeMinimisAdmin(DatedRowAdmin):
    list_display = (
        "country",
        "kind",
        "threshold",
        "currency",
        "basis",
        "shipped_from",
        "channel",
        "collected_at_or_under",
        "collected_above",
        "effective_from",
        "effective_to",
    )
    list_filter = (("country", CountryFilter), InEffectFilter, "kind", "effective_from", "effective_to")
    search_fields = ("source", "note", "shipped_from")
    copy_fields = (
        "country",
        "kind",
        "threshold",
        "currency",
        "basis",
        "shipped_from",
        "channel",
        "collected_at_or_under",
        "collected_above",
        "source",
    )


@admin.register(ExchangeRate)
class ExchangeRateAdmin(DatedRowAdmin):
    form = forms.ModelForm
    list_display = ("base", "quote", "rate", "effective_from", "source")
    list_filter = ("base", "quote", "effective_from")
    search_fields = ("base", "quote", "source")
    copy_fields = ("base", "quote", "rate", "source")


@admin.register(FreeShippingThreshold)
class FreeShippingThresholdAdmin(DatedRowAdmin):
    list_display = ("currency", "amount", "effective_from", "effective_to", "source")
    list_filter = ("currency", InEffectFilter, "effective_from")
    search_fields = ("currency", "source", "note")
    copy_fields = ("currency", "amount", "source")
