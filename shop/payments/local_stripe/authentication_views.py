"""The bank's authentication page (3D Secure) of a PaymentIntent in `requires_action`: pass or fail, then back."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import payment_intents, store
from .errors import LocalStripeError
from .formatting import format_amount
from .views import _not_found, _only_when_local


@require_http_methods(["GET", "POST"])
def authenticate_page(request: HttpRequest, intent_id: str) -> HttpResponse:
    """ "Complete" or "Fail" the authentication; off to the PaymentIntent's return_url (or a page saying so)."""
    _only_when_local()
    try:
        intent = store.load(intent_id, "payment_intent", label="payment_intent")
    except LocalStripeError:
        return _not_found(request, "This authentication page does not exist.")
    if request.method == "POST":
        approve = request.POST.get("action") == "complete"
        try:
            with transaction.atomic():
                intent = payment_intents.complete_authentication(intent_id=intent_id, approve=approve)
        except payment_intents.NotAwaitingAuthentication as done:
            intent = done.intent
        back = payment_intents.return_redirect_url(intent)
        if back:
            return HttpResponseRedirect(back)
    method = store.load(intent["payment_method"], "payment_method") if intent.get("payment_method") else None
    return render(
        request,
        "local_stripe/authenticate.html",
        {
            "intent": store.public(intent),
            "card": method["card"] if method else None,
            "amount": format_amount(intent["amount"], intent["currency"]),
            "waiting": intent["status"] == "requires_action",
        },
    )
