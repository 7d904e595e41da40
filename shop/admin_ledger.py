"""Staff admin for seller money: the journal (read-only), fee rules (dated rows), seller accounts and transfers,
and the daily reconciliation reports with each difference and its cause.

The journal is append-only: nothing here edits or deletes an entry. A fee rule that has taken effect
explains past sales, so it is read-only from its first day; a change is a new row.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from shop.currencies import from_minor_units
from shop.models import (
    FulfillmentFee,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ReconciliationReport,
    SellerPaymentAccount,
    SellerTransfer,
    TakeRate,
)
from shop.services.seller_transfers import pay_seller


def _minor(amount: int | None, currency: str) -> str:
    if amount is None:
        return "—"
    return f"{from_minor_units(amount, currency)} {currency}"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = ["account", "amount", "order_id", "order_line_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("account")

    @admin.display(description="amount (debit +, credit -)")
    def amount(self, line: JournalLine) -> str:
        return _minor(line.amount_minor, line.currency)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "key", "order_id", "external_id", "memo"]
    list_filter = ["kind"]
    search_fields = ["key", "external_id", "=order_id", "memo"]
    date_hierarchy = "occurred_at"
    inlines = [JournalLineInline]
    show_full_result_count = False


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "seller", "creator_id", "jurisdiction"]
    list_filter = ["kind"]
    search_fields = ["seller__name", "=creator_id", "jurisdiction"]
    list_select_related = ["seller"]
    fields = ["kind", "seller", "creator_id", "jurisdiction", "balances"]
    readonly_fields = fields

    @admin.display(description="balance (sum of the journal)")
    def balances(self, account: LedgerAccount) -> str:
        rows = JournalLine.objects.filter(account=account).values("currency").annotate(total=Sum("amount_minor"))
        return ", ".join(_minor(row["total"], row["currency"]) for row in rows.order_by("currency")) or "0"


class DatedRuleAdmin(admin.ModelAdmin):
    """A rule in effect is read-only (past sales were charged with it): add a new row from a later date."""

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.effective_from <= timezone.now():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.effective_from <= timezone.now():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(TakeRate)
class TakeRateAdmin(DatedRuleAdmin):
    list_display = ["category", "rate_percent", "effective_from", "source"]
    list_filter = ["category"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]


@admin.register(FulfillmentFee)
class FulfillmentFeeAdmin(DatedRuleAdmin):
    list_display = ["currency", "pick_pack_per_unit", "effective_from", "source"]
    list_filter = ["currency"]


@admin.register(SellerPaymentAccount)
class SellerPaymentAccountAdmin(ReadOnlyAdmin):
    list_display = ["seller", "stripe_account_id", "charges_enabled", "payouts_enabled", "requirements_due"]
    list_filter = ["payouts_enabled", "charges_enabled"]
    search_fields = ["seller__name", "stripe_account_id"]
    list_select_related = ["seller"]
    actions = ["pay_now"]

    @admin.action(description="Pay now what their released orders earned (as the beat task does)")
    def pay_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        for account in queryset.select_related("seller"):
            if not account.payouts_enabled:
                self.message_user(request, f"{account.seller}: not onboarded yet; nothing sent.", messages.WARNING)
                continue
            transfers = pay_seller(seller_id=account.seller_id)
            sent = ", ".join(_minor(transfer.amount_minor, transfer.currency) for transfer in transfers)
            self.message_user(request, f"{account.seller}: {sent or 'nothing due'}.")


@admin.register(SellerTransfer)
class SellerTransferAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "seller", "order", "amount", "reversed", "status", "stripe_transfer_id"]
    list_filter = ["status", "currency"]
    search_fields = ["seller__name", "order__number", "stripe_transfer_id", "charge_id"]
    list_select_related = ["seller", "order"]

    @admin.display(description="amount")
    def amount(self, row: SellerTransfer) -> str:
        return _minor(row.amount_minor, row.currency)

    @admin.display(description="reversed")
    def reversed(self, row: SellerTransfer) -> str:
        return _minor(row.amount_reversed_minor, row.currency)


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(ReadOnlyAdmin):
    list_display = ["day", "outcome", "stripe_transactions", "ledger_entries", "ran_at"]
    fields = ["day", "outcome", "ran_at", "totals_table", "differences_table"]
    readonly_fields = fields

    @admin.display(description="outcome")
    def outcome(self, report: ReconciliationReport) -> str:
        if report.balanced:
            return "Agrees to the cent"
        return format_html('<strong style="color:#b00">{} difference(s)</strong>', len(report.differences))

    @admin.display(description="totals per currency and kind")
    def totals_table(self, report: ReconciliationReport) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (t["currency"], t["category"], _minor(t["ledger"], t["currency"]), _minor(t["stripe"], t["currency"]))
                for t in report.totals
            ),
        )
        return format_html(
            "<table><tr><th>currency</th><th>kind</th><th>ledger</th><th>Stripe</th></tr>{}</table>", rows
        )

    @admin.display(description="differences, each with its cause")
    def differences_table(self, report: ReconciliationReport) -> str:
        if not report.differences:
            return "None"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (d["category"], d["external_id"], _minor(d["ledger"], d["currency"]),
                 _minor(d["stripe"], d["currency"]), d["explanation"])
                for d in report.differences
            ),
        )  # fmt: skip
        return format_html(
            "<table><tr><th>kind</th><th>Stripe id</th><th>ledger</th><th>Stripe</th><th>cause</th></tr>{}</table>",
            rows,
        )
