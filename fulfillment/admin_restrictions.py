"""Staff admin for the shipping restrictions rule table: which hazards may go where, by which kind of service.

A rule that changes is a new row (with its own source and start date), so what was decided on a day can
always be explained: once saved, a row's terms are read-only and only its end date can be set.
"""

from django.contrib import admin
from django.http import HttpRequest

from fulfillment.models import ShippingRestriction


@admin.register(ShippingRestriction)
class ShippingRestrictionAdmin(admin.ModelAdmin):
    list_display = (
        "hazard",
        "destination",
        "service_kind",
        "allowed",
        "note",
        "effective_from",
        "effective_to",
        "source",
    )
    list_filter = ("hazard", "service_kind", "allowed", "destination")
    search_fields = ("destination", "note", "source")
    date_hierarchy = "effective_from"
    fields = (
        "hazard",
        "destination",
        "service_kind",
        "allowed",
        "note",
        "source",
        "effective_from",
        "effective_to",
        "created_at",
    )
    readonly_fields = ("created_at",)
    TERMS = ("hazard", "destination", "service_kind", "allowed", "note", "source", "effective_from")

    def get_readonly_fields(self, request: HttpRequest, obj: ShippingRestriction | None = None) -> tuple[str, ...]:
        # Changing a rule's terms would rewrite history: end it (effective to) and add a new row instead.
        return (*self.TERMS, *self.readonly_fields) if obj is not None else self.readonly_fields
