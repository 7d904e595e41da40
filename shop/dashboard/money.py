"""The seller's money in their dashboard: payout account (Stripe Connect onboarding), balance, transfers,
orders with their lines and status, monthly statements as CSV, and sales and fees over time.

Thin views: selectors read (scoped to `request.seller`), services write, Stripe errors become messages.
"""

import stripe
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from marketplace.charts import Series, line_chart
from shop.currencies import from_minor_units
from shop.dashboard.permissions import seller_required
from shop.models import SellerPaymentAccount
from shop.selectors_seller_money import (
    parse_month,
    sales_and_fees_by_month,
    seller_balances,
    seller_orders,
    seller_transfers,
    statement_csv,
    with_line_fulfillment,
)
from shop.services.seller_accounts import refresh_seller_account, start_seller_onboarding

PAGE_SIZE = 25


def _chart(figures):
    if not figures:
        return None
    currency = figures[-1].currency
    months = [f for f in figures if f.currency == currency][-12:]
    return line_chart(
        title=f"Sales and fees by month ({currency})",
        description=(
            f"Monthly sales and fees in {currency} from {months[0].month:%b %Y} to {months[-1].month:%b %Y}. "
            "The table below lists every month."
        ),
        labels=[f"{f.month:%b %Y}" for f in months],
        series=[
            Series("Sales", [float(from_minor_units(f.sales, currency)) for f in months], "#16a34a"),
            Series("Fees", [float(from_minor_units(f.fees, currency)) for f in months], "#d97706"),
        ],
    )


@seller_required
def money_overview(request: HttpRequest) -> HttpResponse:
    """Payout account, balance per currency, recent transfers, statements and the sales chart."""
    figures = sales_and_fees_by_month(seller=request.seller)
    context = {
        "dash_page": "money",
        "payment_account": SellerPaymentAccount.objects.filter(seller=request.seller).first(),
        "balances": seller_balances(seller=request.seller),
        "transfers": list(seller_transfers(seller=request.seller)[:10]),
        "figures": list(reversed(figures)),
        "chart": _chart(figures),
        "months": sorted({f.month for f in figures}, reverse=True),
    }
    return render(request, "dashboard/money.html", context)


@require_POST
@seller_required
def start_onboarding(request: HttpRequest) -> HttpResponse:
    """Send the seller to Stripe's onboarding page for their Express account (made on first use)."""
    try:
        url = start_seller_onboarding(
            seller=request.seller,
            refresh_url=request.build_absolute_uri(reverse("dashboard:money")),
            return_url=request.build_absolute_uri(reverse("dashboard:money-onboarding-return")),
        )
    except stripe.StripeError:
        messages.error(request, "Stripe could not be reached just now. Please try again in a moment.")
        return redirect("dashboard:money")
    return redirect(url)


@seller_required
def onboarding_return(request: HttpRequest) -> HttpResponse:
    """Back from Stripe: read the account's state now (the webhook may come later)."""
    try:
        account = refresh_seller_account(seller=request.seller)
    except stripe.StripeError:
        account = None
    if account is not None and account.payouts_enabled:
        messages.success(request, "Your payout account is ready: transfers will reach it.")
    else:
        messages.info(request, "Stripe still needs some details before you can be paid.")
    return redirect("dashboard:money")


@seller_required
def order_list(request: HttpRequest) -> HttpResponse:
    """The seller's paid orders with their own lines, how far each got, and the order's status, 25 a page."""
    page = Paginator(seller_orders(seller=request.seller), PAGE_SIZE).get_page(request.GET.get("page"))
    orders = with_line_fulfillment(page.object_list)
    return render(request, "dashboard/seller_orders.html", {"dash_page": "orders", "page": page, "orders": orders})


@seller_required
def statement(request: HttpRequest) -> HttpResponse:
    """A month's statement as CSV (`?month=2026-11`)."""
    month = parse_month(request.GET.get("month"))
    if month is None:
        return HttpResponseBadRequest("Give the month as YYYY-MM, e.g. ?month=2026-11.", content_type="text/plain")
    response = HttpResponse(statement_csv(seller=request.seller, month=month), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="statement-{request.seller.slug}-{month:%Y-%m}.csv"'
    return response
