from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from marketplace import outbox
from marketplace.accounts import ThrottledAdminAuthenticationForm
from marketplace.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInline
from marketplace.models import HandledEvent, OutboxEvent, User

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class MarketplaceUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "is_active", "date_joined")
    readonly_fields = ("last_login", "date_joined")


class HandledInline(ReadOnlyInline):
    model = HandledEvent
    fields = ("handler", "handled_at")
    readonly_fields = fields


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The facts apps announced, and which handlers ran; a stuck one is dispatched again from here."""

    list_display = ("id", "name", "created_at", "dispatched_at", "completed_at", "attempts", "short_error")
    list_filter = ("name", ("completed_at", admin.EmptyFieldListFilter))
    search_fields = ("=id", "name")
    fields = ("name", "payload", "created_at", "dispatched_at", "completed_at", "attempts", "last_error")
    readonly_fields = fields
    inlines = [HandledInline]
    actions = ["dispatch_again"]
    date_hierarchy = "created_at"

    @admin.display(description="last error")
    def short_error(self, event: OutboxEvent) -> str:
        return event.last_error[:80]

    @admin.action(description="Dispatch the selected facts again (handlers that ran are skipped)")
    def dispatch_again(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        ids = list(queryset.filter(completed_at__isnull=True).values_list("pk", flat=True))
        queryset.filter(pk__in=ids).update(attempts=0)
        sent = sum(outbox.dispatch(event_id=event_id) for event_id in ids)
        self.message_user(request, f"Dispatched {sent} of {len(ids)} unfinished fact(s).", messages.SUCCESS)

    def has_change_permission(self, request: HttpRequest, obj: OutboxEvent | None = None) -> bool:
        return False
