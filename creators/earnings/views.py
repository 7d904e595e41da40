"""The creator's earnings dashboard, the payout account connection, and the seller's creators page.

Thin views: selectors read (creators/selectors_earnings.py), services write (creators/services/payouts.py).
"""

import stripe
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from creators import selectors_earnings
from creators.selectors_earnings import CreatorEarnings
from creators.services import payouts
from creators.studio.views import creator_required
from marketplace.charts import Series, line_chart
from shop.dashboard.permissions import seller_required


def earnings_chart(earnings: CreatorEarnings):
    """The last 30 days as an SVG line chart (the page also shows the numbers in a table)."""
    days = earnings.days
    return line_chart(
        title="Your last 30 days",
        description=(
            f"Daily tag clicks ({sum(d.clicks for d in days)} in all), orders ({sum(d.orders for d in days)}) "
            "and commission earned, from "
            f"{days[0].day:%b %d} to {days[-1].day:%b %d}. The table below lists every day."
        ),
        labels=[f"{d.day:%b %d}" for d in days],
        series=[
            Series("Tag clicks", [d.clicks for d in days], "#2563eb"),
            Series("Orders", [d.orders for d in days], "#16a34a"),
            Series("Commission", [d.commission_cents / 100 for d in days], "#d97706"),
        ],
    )


@require_GET
@creator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    earnings = selectors_earnings.creator_earnings(creator=request.creator)
    return render(
        request,
        "creators/earnings/dashboard.html",
        {
            "creator": request.creator,
            "earnings": earnings,
            "chart": earnings_chart(earnings),
            "studio_page": "earnings",
            "return_window_days": settings.CREATOR_RETURN_WINDOW_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
@creator_required
def payout_account(request: HttpRequest) -> HttpResponse:
    """POST (the button): off to the onboarding page. GET is the link's refresh_url: a fresh link."""
    creator = request.creator
    if request.method == "GET" and not creator.stripe_account_id:
        return redirect("earnings:dashboard")
    try:
        url = payouts.start_payout_onboarding(
            creator=creator,
            refresh_url=request.build_absolute_uri(reverse("earnings:payout-account")),
            return_url=request.build_absolute_uri(reverse("earnings:payout-account-return")),
        )
    except stripe.StripeError:
        messages.error(request, "We could not reach our payment provider. Please try again in a moment.")
        return redirect("earnings:dashboard")
    return redirect(url)


@require_GET
@creator_required
def payout_account_return(request: HttpRequest) -> HttpResponse:
    """Back from onboarding: ask Stripe whether the account can be paid now."""
    try:
        enabled = payouts.refresh_payout_account(creator=request.creator)
    except stripe.StripeError:
        messages.error(request, "We could not check your payout account. Please reload this page in a moment.")
        return redirect("earnings:dashboard")
    if enabled:
        messages.success(request, "Your payout account is connected: payable commission will be paid to it.")
    else:
        messages.warning(request, "Your payout account still needs some details before it can receive payouts.")
    return redirect("earnings:dashboard")


@require_GET
@seller_required
def seller_creators(request: HttpRequest) -> HttpResponse:
    """Which creators sell the seller's products, and how much (this seller's products only)."""
    rows = selectors_earnings.seller_creator_sales(seller_id=request.seller.pk)
    return render(request, "creators/earnings/seller_creators.html", {"rows": rows, "dash_page": "creators"})
