"""The stand-in's pages: the hosted Checkout page (test cards) and the Connect onboarding page.

Each says TEST MODE; none has inline script or style (the site's CSP applies here too).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import checkout, connect, store
from .cards import card_outcome
from .errors import LocalStripeError
from .formatting import format_amount
from .forms import CardPaymentForm
from .http_client import ensure_not_live


def _only_when_local() -> None:
    """The stand-in's pages exist only while it plays Stripe: with real Stripe they answer 404."""
    if not settings.STRIPE_USE_LOCAL:
        raise Http404("The local Stripe stand-in is off.")
    ensure_not_live()


@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, session_id: str) -> HttpResponse:
    """Pay a Checkout Session with a test card; on success, off to its success_url."""
    _only_when_local()
    try:
        session = checkout.retrieve_session(session_id)
    except LocalStripeError:
        return _not_found(request, "This payment page does not exist.")
    if session["status"] == "complete" and request.method == "POST":
        # A second submit of a page that already paid: where the first one went.
        return HttpResponseRedirect(checkout.success_redirect_url(session))
    if session["status"] != "open":
        return _closed(request, session)
    form = CardPaymentForm(request.POST or None, customer_email=session["customer_email"])
    status = 200
    if request.method == "POST":
        paid_or_closed = _pay(request, session, form)
        if paid_or_closed is not None:
            return paid_or_closed
        status = 402 if form.non_field_errors() else 400  # declined, or the form needs correcting
    return render(request, "local_stripe/checkout.html", {**_summary(session), "form": form}, status=status)


def _pay(request: HttpRequest, session: dict, form: CardPaymentForm) -> HttpResponse | None:
    """The response once paid (or found closed meanwhile); None when the card was refused (errors on the form)."""
    if not form.is_valid():
        return None
    outcome = card_outcome(form.cleaned_data["card_number"])
    if not outcome.paid:
        form.add_error(None, outcome.message)
        return None
    month, year = form.cleaned_data["expiry"]
    card = checkout.PaidCard(
        brand=outcome.brand,
        last4=form.cleaned_data["card_number"][-4:],
        exp_month=month,
        exp_year=year,
        funding=outcome.funding,
        name=form.cleaned_data["name"],
        email=form.cleaned_data["email"],
        test_card=form.cleaned_data["card_number"],
    )
    try:
        session = checkout.pay_session(session_id=session["id"], card=card)
    except checkout.SessionNotOpen as error:
        if error.session["status"] != "complete":
            return _closed(request, error.session)
        session = error.session
    return HttpResponseRedirect(checkout.success_redirect_url(session))


def _summary(session: dict) -> dict:
    currency = session["currency"]
    lines = [
        {
            "description": item["description"],
            "quantity": item["quantity"],
            "unit_amount": format_amount(item["price"]["unit_amount"], currency),
            "amount": format_amount(item["amount_total"], currency),
        }
        for item in session["_line_items"]
    ]
    return {
        "session": store.public(session),
        "lines": lines,
        "total": format_amount(session["amount_total"], currency),
        "currency": currency.upper(),
        "cancel_url": session["cancel_url"],
    }


def _closed(request: HttpRequest, session: dict) -> HttpResponse:
    context = {**_summary(session), "success_url": None}
    if session["status"] == "complete":
        context["success_url"] = checkout.success_redirect_url(session)
    return render(request, "local_stripe/closed.html", context, status=410 if session["status"] == "expired" else 200)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "local_stripe/not_found.html", {"message": message}, status=404)


@require_http_methods(["GET", "POST"])
def onboarding_page(request: HttpRequest, link_id: str) -> HttpResponse:
    """Connect onboarding in one click: the account can charge and be paid, then back to return_url."""
    _only_when_local()
    try:
        link = connect.usable_link(link_id)
    except connect.LinkNotUsable as error:
        return HttpResponseRedirect(error.refresh_url)
    except LocalStripeError:
        return _not_found(request, "This onboarding link does not exist.")
    if request.method == "POST":
        try:
            return HttpResponseRedirect(connect.complete_onboarding(link_id=link_id))
        except connect.LinkNotUsable as error:
            return HttpResponseRedirect(error.refresh_url)
    account = store.load(link["_account"], "account")
    return render(
        request,
        "local_stripe/onboarding.html",
        {"account": account, "return_url": link["_return_url"], "link_type": link["_type"]},
    )
