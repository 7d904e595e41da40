"""The account page: the shopper's saved addresses and cards; add, choose the default, remove. Their own only."""

import logging

import stripe
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from shop.account.forms import SavedAddressForm
from shop.models import SavedAddress
from shop.selectors import saved_addresses
from shop.services import saved_details as details

logger = logging.getLogger(__name__)


def _page(request: HttpRequest, form: SavedAddressForm, *, status: int = 200) -> HttpResponse:
    cards, cards_unavailable = [], False
    try:
        cards = details.saved_cards(user=request.user)
    except stripe.StripeError as error:
        logger.warning("Saved cards of user %s could not be read: %s", request.user.pk, error)
        cards_unavailable = True
    context = {
        "addresses": saved_addresses(user=request.user),
        "cards": cards,
        "cards_unavailable": cards_unavailable,
        "form": form,
    }
    return render(request, "account/saved_details.html", context, status=status)


@require_safe
@login_required
def saved_details(request: HttpRequest) -> HttpResponse:
    """Addresses (the default first) and cards (brand, last 4, expiry) kept for buying in one tap."""
    return _page(request, SavedAddressForm(user=request.user))


@require_POST
@login_required
def add_address(request: HttpRequest) -> HttpResponse:
    form = SavedAddressForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    details.save_address(
        user=request.user, address=form.shipping_address(), make_default=form.cleaned_data["make_default"]
    )
    messages.success(request, "Address saved.")
    return redirect("account-saved-details")


@require_POST
@login_required
def make_default_address(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SavedAddress, pk=pk, user=request.user)
    details.set_default_address(address=address)
    messages.success(request, "Default address changed.")
    return redirect("account-saved-details")


@require_POST
@login_required
def delete_address(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SavedAddress, pk=pk, user=request.user)
    details.delete_address(address=address)
    messages.success(request, "Address removed.")
    return redirect("account-saved-details")


@require_POST
@login_required
def remove_card(request: HttpRequest, payment_method_id: str) -> HttpResponse:
    """Detach the card at Stripe; anyone else's card (or none) answers 404."""
    try:
        card = details.remove_card(user=request.user, payment_method_id=payment_method_id)
    except details.CardNotFound as error:
        raise Http404("No saved card of yours has this id.") from error
    except stripe.StripeError:
        messages.error(request, "The card could not be removed just now; please try again.")
        return redirect("account-saved-details")
    messages.success(request, f"{card.label} removed.")
    return redirect("account-saved-details")


@require_POST
@login_required
def make_default_card(request: HttpRequest, payment_method_id: str) -> HttpResponse:
    """The card "Buy now" pays with; anyone else's card (or none) answers 404."""
    try:
        card = details.set_default_card(user=request.user, payment_method_id=payment_method_id)
    except details.CardNotFound as error:
        raise Http404("No saved card of yours has this id.") from error
    except stripe.StripeError:
        messages.error(request, "The default card could not be changed just now; please try again.")
        return redirect("account-saved-details")
    messages.success(request, f"{card.label} is now your default card.")
    return redirect("account-saved-details")
