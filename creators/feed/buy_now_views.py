"""Buy now in the feed's product sheet: a confirm step (item, address, card, shipping, exact total) and one tap.

The sheet only parses and renders: pricing, placing and charging are shop.services.buy_now's (the API's too).
A card that needs authentication leaves for the bank's page (htmx `HX-Redirect`) and comes back through
`buy_now_return` to the same post at the same second.
"""

import logging
import uuid
from decimal import Decimal
from urllib.parse import urlencode

import stripe
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from creators.feed.buy_now_forms import BuyNowConfirmForm, BuyNowPayForm
from creators.feed.views import _sheet_tag
from fulfillment.services.stock import InsufficientStock
from marketplace.same_origin import same_origin_post
from shop.checkout.shortages import describe_shortages
from shop.selectors import default_address
from shop.services.buy_now import (
    NotBuyable,
    PaymentUnavailable,
    buy_now,
    quote_buy_now,
    settle_after_authentication,
)
from shop.services.cart import add_to_cart, cart_for_request
from shop.services.checkout import CannotShip, ShippingNotOffered, TotalChanged
from shop.services.import_charges import CannotQuoteCharges
from shop.services.saved_details import CardNotFound, as_shipping_address, saved_cards

logger = logging.getLogger(__name__)
NEEDS_DETAILS = "Buy now needs a default address and a saved card: pay once at checkout, or add them in Saved details."


def _problem(request: HttpRequest, message: str, *, details_link: bool = False) -> HttpResponse:
    return render(request, "creators/feed/_buy_now_problem.html", {"message": message, "details_link": details_link})


def _where(post: int | None, t: Decimal | None) -> dict:
    return {"post": post or "", "t": "" if t is None else str(t)}


@require_POST
@same_origin_post
def sheet_buy_confirm(request: HttpRequest, tag_id: int) -> HttpResponse:
    """The confirm step inside the sheet: what one tap will buy, ship where, charge to which card, and for how much."""
    tag = _sheet_tag(tag_id)
    form = BuyNowConfirmForm(request.POST)
    if not form.is_valid():
        return _problem(request, form.first_error() or "Choose an option.")
    variant = form.cleaned_data["variant"]
    if variant.product_id != tag.product_id:
        return _problem(request, "That option is not of this product.")
    if not request.user.is_authenticated:
        return _to_checkout(request, tag, form.cleaned_data)
    return _confirm_step(request, tag, form.cleaned_data)


def _to_checkout(request: HttpRequest, tag, data: dict) -> HttpResponse:
    """No saved details (or a guest): the item goes in the cart and the shopper to Stripe Checkout, whose way back
    lands on this post at this second."""
    try:
        with transaction.atomic():
            add_to_cart(
                cart=cart_for_request(request, create=True),
                variant=data["variant"],
                quantity=data["quantity"],
                attribution_tag_id=tag.pk,
                attribution_creator_id=tag.post.creator_id,
            )
    except ValidationError as refused:
        return _problem(request, refused.messages[0])
    url = reverse("checkout") + "?" + urlencode(_where(data.get("post") or tag.post_id, data.get("t")))
    if not request.htmx:
        return redirect(url)
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def _confirm_step(request: HttpRequest, tag, data: dict, *, notice: str = "", status: int = 200) -> HttpResponse:
    address = default_address(user=request.user)
    try:
        cards = saved_cards(user=request.user) if address else []
    except stripe.StripeError:
        return _problem(request, "Your saved cards cannot be read just now; please try again.")
    if address is None or not cards:
        return _to_checkout(request, tag, data)
    card = next((c for c in cards if c.id == data.get("payment_method")), cards[0])
    try:
        quote = quote_buy_now(variant=data["variant"], quantity=data["quantity"], address=as_shipping_address(address))
    except (NotBuyable, ShippingNotOffered, CannotShip, CannotQuoteCharges) as error:
        return _problem(request, getattr(error, "message", None) or str(error))
    context = {
        "tag": tag,
        "quote": quote,
        "address": address,
        "card": card,
        "key": uuid.uuid4().hex,  # one per confirm step: a double tap on "Pay" sends it twice, buys once
        "notice": notice,
        **_where(data.get("post"), data.get("t")),
    }
    return render(request, "creators/feed/_buy_now_confirm.html", context, status=status)


REFUSALS = (CardNotFound, InsufficientStock, NotBuyable, ShippingNotOffered, CannotShip, CannotQuoteCharges)


def _refusal_message(error: Exception) -> str:
    if isinstance(error, CardNotFound):
        return "That card is no longer saved; open Buy now again."
    if isinstance(error, InsufficientStock):
        return " ".join(describe_shortages(error)) + " Nothing was charged."
    return getattr(error, "message", None) or str(error)


@require_POST
@same_origin_post
def sheet_buy(request: HttpRequest, tag_id: int) -> HttpResponse:
    """One tap: place the order and charge the saved card; paid, off to the bank's page, or why not."""
    tag = _sheet_tag(tag_id)
    if not request.user.is_authenticated:
        return _problem(request, "Log in to buy in one tap, or add to cart and check out.")
    form = BuyNowPayForm(request.POST)
    if not form.is_valid():
        return _problem(request, form.first_error() or "Something is missing; open Buy now again.")
    data = form.cleaned_data
    address = default_address(user=request.user)
    if data["variant"].product_id != tag.product_id or address is None:
        return _problem(request, NEEDS_DETAILS if address is None else "That option is not of this product.")
    back = settings.SITE_URL.rstrip("/") + reverse("feed-buy-now-return")
    back += "?" + urlencode(_where(data.get("post") or tag.post_id, data.get("t")))
    try:
        result = buy_now(
            user=request.user,
            variant=data["variant"],
            quantity=data["quantity"],
            address=as_shipping_address(address),
            payment_method_id=data["payment_method"],
            idempotency_key=data["idempotency_key"],
            expected_total=data["expected_total"],
            return_url=back,
            attribution_tag_id=tag.pk,
            attribution_creator_id=tag.post.creator_id,
        )
    except TotalChanged as error:
        notice = (
            f"The total changed to {error.total} {error.currency} since you opened this (it was {error.expected}). "
            "Nothing was charged: check it and pay again."
        )
        return _confirm_step(request, tag, data, notice=notice)
    except (*REFUSALS, PaymentUnavailable) as error:
        return _problem(request, _refusal_message(error), details_link=isinstance(error, CardNotFound))
    response = render(request, "creators/feed/_buy_now_result.html", {"result": result})
    if result.status == "requires_action":
        response["HX-Redirect"] = result.authentication_url  # htmx leaves for the bank's page
    return response


@require_safe
def buy_now_return(request: HttpRequest) -> HttpResponse:
    """Back from the bank's page: record the outcome, then the same post at the same second, with a word on it."""
    post, seconds = request.GET.get("post", ""), request.GET.get("t", "")
    intent_id = request.GET.get("payment_intent", "")
    result = None
    if request.user.is_authenticated and intent_id.startswith("pi_") and len(intent_id) < 255:
        try:
            result = settle_after_authentication(user=request.user, payment_intent_id=intent_id)
        except stripe.StripeError as error:
            logger.warning("Could not read PaymentIntent %s after authentication: %s", intent_id, error)
    if result is None:
        messages.info(request, "We are confirming your payment; your orders page will show it shortly.")
    elif result.status == "paid":
        messages.success(request, f"Paid: order {result.order.number} is on its way.")
    elif result.status == "declined":
        messages.error(request, f"{result.message} Nothing was charged.")
    else:
        messages.info(request, f"Order {result.order.number} is waiting for your bank to confirm the payment.")
    if not post.isdigit():
        return redirect(result.order.get_absolute_url() if result else "order-list")
    query = {"t": seconds} if _is_seconds(seconds) else {}
    if result is not None:
        query["order"] = result.order.number
    url = reverse("feed-post", args=[int(post)])
    return redirect(f"{url}?{urlencode(query)}" if query else url)


def _is_seconds(value: str) -> bool:
    try:
        return 0 <= float(value) <= 86400
    except ValueError:
        return False


__all__ = ["buy_now_return", "sheet_buy", "sheet_buy_confirm"]
