"""Staff pages for commissions and payouts (read-only), and the action that pays creators.

Imported by creators/admin.py. Rows are never edited here: every write is a service call
(creators.services.payouts.pay_creator), after a confirmation page listing what each creator gets.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from creators.models import Commission, Creator, Payout
from creators.money import cents_in_words
from creators.services.payouts import PayoutNotPossible, pay_creator, payable_totals
from marketplace.admin_mixins import ReadOnlyAdminMixin


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def has_pay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("creators.add_payout")

    def _pay_creators(self, request: HttpRequest, creator_ids: list[int], *, action: str, queryset: QuerySet):
        """Confirmation page (amount per creator), then one pay_creator call per creator."""
        creators = list(Creator.objects.filter(pk__in=creator_ids).select_related("user").order_by("handle"))
        if request.POST.get("confirm") != "yes":
            totals = payable_totals(creator_ids=[creator.pk for creator in creators])
            rows = [
                {
                    "creator": creator,
                    "amounts": [
                        cents_in_words(cents, currency)
                        for (creator_id, currency), cents in sorted(totals.items())
                        if creator_id == creator.pk
                    ],
                    "can_be_paid": bool(creator.stripe_account_id and creator.payouts_enabled),
                }
                for creator in creators
            ]
            context = {
                **self.admin_site.each_context(request),
                "title": "Pay payable commissions",
                "opts": self.model._meta,
                "rows": rows,
                "action": action,
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "creators/earnings/admin_pay_confirm.html", context)
        for creator in creators:
            try:
                payouts = pay_creator(creator_id=creator.pk, by=request.user)
            except PayoutNotPossible as error:
                self.message_user(request, f"{creator}: {error.message}", messages.WARNING)
                continue
            if not payouts:
                self.message_user(request, f"{creator}: nothing payable.", messages.INFO)
            for payout in payouts:
                amount = cents_in_words(payout.amount_cents, payout.currency)
                if payout.status == Payout.Status.PAID:
                    self.message_user(request, f"{creator}: paid {amount} (payout {payout.pk}).", messages.SUCCESS)
                else:
                    self.message_user(
                        request,
                        f"{creator}: payout {payout.pk} of {amount} failed: {payout.failure_message}",
                        messages.ERROR,
                    )
        return None


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "creator",
        "kind",
        "status",
        "order_number",
        "amount",
        "taken_back",
        "payable_after",
        "payout",
        "created_at",
    )
    list_filter = ("status", "kind", "currency", "creator")
    search_fields = ("creator__handle", "order_line__order__number")
    list_select_related = ("creator", "order_line__order", "payout")
    actions = ("pay_payable_commissions",)
    fields = (
        "creator",
        "kind",
        "status",
        "order_number",
        "tag_id",
        "rate_percent",
        "base",
        "amount",
        "taken_back",
        "net",
        "payable_after",
        "payout",
        "note",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("order_number", "rate_percent", "base", "amount", "taken_back", "net")

    @admin.display(description="Order", ordering="order_line__order__number")
    def order_number(self, commission: Commission) -> str:
        return commission.order_line.order.number

    @admin.display(description="rate")
    def rate_percent(self, commission: Commission) -> str:
        return f"{commission.rate} %"

    @admin.display(description="sale it is on")
    def base(self, commission: Commission) -> str:
        return cents_in_words(commission.base_cents, commission.currency)

    @admin.display(description="commission", ordering="amount_cents")
    def amount(self, commission: Commission) -> str:
        return cents_in_words(commission.amount_cents, commission.currency)

    @admin.display(description="taken back (refunds)", ordering="amount_reversed_cents")
    def taken_back(self, commission: Commission) -> str:
        return cents_in_words(commission.amount_reversed_cents, commission.currency)

    @admin.display(description="net")
    def net(self, commission: Commission) -> str:
        return cents_in_words(commission.net_cents, commission.currency)

    @admin.action(description="Pay payable commissions of the selected rows' creators", permissions=["pay"])
    def pay_payable_commissions(self, request: HttpRequest, queryset: QuerySet[Commission]):
        creator_ids = sorted(set(queryset.values_list("creator_id", flat=True)))
        return self._pay_creators(request, creator_ids, action="pay_payable_commissions", queryset=queryset)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "creator",
        "amount",
        "status",
        "created_by",
        "created_at",
        "paid_at",
        "failure_message",
    )
    list_filter = ("status", "currency")
    search_fields = ("creator__handle", "idempotency_key")
    list_select_related = ("creator", "created_by")
    actions = ("pay_again",)
    fields = (
        "creator",
        "amount",
        "status",
        "idempotency_key",
        "stripe_transfer_ids",
        "failure_message",
        "created_by",
        "created_at",
        "paid_at",
    )
    readonly_fields = ("amount",)

    @admin.display(description="amount", ordering="amount_cents")
    def amount(self, payout: Payout) -> str:
        return cents_in_words(payout.amount_cents, payout.currency)

    @admin.action(description="Pay the selected payouts' creators what is payable now", permissions=["pay"])
    def pay_again(self, request: HttpRequest, queryset: QuerySet[Payout]):
        creator_ids = sorted(set(queryset.values_list("creator_id", flat=True)))
        return self._pay_creators(request, creator_ids, action="pay_again", queryset=queryset)
