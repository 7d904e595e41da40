"""Checkout and order pages: parse, call the checkout, order and payment services, render or redirect."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe
from django_countries import countries

from fulfillment.selectors import shipments_for_order
from fulfillment.services.stock import InsufficientStock
from shop import selectors as shop_selectors
from shop.checkout.back_to_post import BackToPost, back_to_post_from
from shop.checkout.forms import CheckoutForm
from shop.checkout.links import can_see_order, opens_order, order_path, remember_order, signed_for_guest
from shop.checkout.selectors import (
    last_unpaid_order,
    mark_cancellable,
    order_cards_for_shopper,
    order_for_page,
    payment_state,
)
from shop.checkout.shortages import describe_shortages, variant_name
from shop.cross_border import MISSING_CUSTOMS_DATA
from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Destination
from shop.models import Cart, Order
from shop.order_timeline import timeline
from shop.returns.selectors import returns_section
from shop.selectors import CartContents
from shop.services.cart import cart_for_request
from shop.services.checkout import (
    CannotShip,
    CheckoutResult,
    EarlierOrderPaid,
    MixedCurrencies,
    ShippingNotOffered,
    TotalChanged,
    cart_charge_quoter,
    check_out,
    held_for_unpaid_orders,
    total_to_pay,
)
from shop.services.import_charges import CannotQuoteCharges, OrderCharges
from shop.services.import_charges import refusal as charges_refusal
from shop.services.orders import EmptyCart
from shop.services.payments import PaymentNotStartable, UnknownCheckoutSession, fulfill_checkout, start_payment
from shop.services.shipping import ShippingOption, quote_cart
from shop.ship_to import remember_shopper_country
from shop.templatetags.catalog import money

ORDERS_PER_PAGE = 10
# With JavaScript, a new country or shipping method re-quotes in place (htmx): the methods, the "Pay"
# button with its total and the summary are swapped together; without, "Update shipping" reloads, and
# "Pay" with a total the page no longer shows is refused and the page shown again with the new total.
REQUOTE_IN_PLACE = {
    "hx-post": reverse_lazy("checkout"),
    "hx-trigger": "change",
    "hx-vals": '{"action": "update"}',
    "hx-target": "#checkout-shipping",
    "hx-select": "#checkout-shipping",
    "hx-select-oob": "#checkout-summary,#checkout-notice",
    "hx-swap": "outerHTML",
    "hx-sync": "closest form:replace",
    "hx-disabled-elt": ".checkout-pay-button",
}
# The postal code moves the carriers' zone. Its change fires when the shopper leaves the field, often by tapping
# "Pay": the button stays enabled so that tap still pays (a total that moved is refused and shown, as above).
REQUOTE_POSTAL_CODE = {name: value for name, value in REQUOTE_IN_PLACE.items() if name != "hx-disabled-elt"}
CHECKOUT_FIELDS = [*CheckoutForm.base_fields]
EMPTY_CART = "Your cart is empty: add something to it before checking out."
MIXED_CURRENCIES = "Your cart holds items priced in different currencies; check them out separately."
EARLIER_ORDER_PAID = "Your payment for order {number} went through meanwhile, so nothing more was ordered."
TOTAL_CHANGED = (
    "The total is now {total}, not the {shown} shown before: nothing was ordered or charged. "
    "Check the shipping method and the summary, then pay {total}."
)
TOTAL_NOT_SHOWN = "Check the shipping method and the total, then pay."


def see_other(url: str) -> HttpResponseRedirect:
    """A 303: after a POST the browser follows with a GET (the payment page, the order page)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def cancelled_path(order: Order, token: str = "") -> str:
    params = {"order": order.number, **({"token": token} if token else {})}
    return f"{reverse('checkout-cancelled')}?{urlencode(params)}"


# ---------------------------------------------------------------------------------- checkout


@dataclass(frozen=True)
class Refusal:
    """Why "Pay" shows the checkout page again instead of the payment page; nothing was ordered or charged."""

    notice: str = ""
    stock_problems: list[str] = field(default_factory=list)
    shown_total: Decimal | None = None  # the total the page showed, when the order would cost another


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """One page: contact, address, shipping method and summary; "Pay" places the order and opens the payment page."""
    cart = cart_for_request(request)
    contents = shop_selectors.cart_contents(cart=cart)
    if not contents.lines or contents.currency is None:
        messages.info(request, EMPTY_CART if not contents.lines else MIXED_CURRENCIES)
        return redirect("cart")

    data = request.POST if request.method == "POST" else None
    # Back from the payment page (or later): the form starts from what the shopper typed last time.
    typed = _typed(data, request) if data is not None else _typed_last_time(cart, request)
    country = _country_of(data if data is not None else typed)
    if data is not None:
        remember_shopper_country(request, country)  # product pages then speak of this country
    postal_code = ((data if data is not None else typed).get("postal_code") or "").strip()
    options, unpriced = _shipping_options(country=country, postal_code=postal_code, contents=contents)
    refusal = Refusal(notice=unpriced)
    if data is not None and data.get("action") == "pay":
        form = CheckoutForm(data, user=request.user, shipping_options=options)
        if data.get("quoted_country") != country:
            # The country changed without "Update shipping": show its rates before anyone pays them.
            notice = f"Shipping rates updated for {countries.name(country)}. Check the method and total, then pay."
            refusal = Refusal(notice=notice)
            form = CheckoutForm(initial=typed, user=request.user, shipping_options=options)
        elif form.is_valid():
            shown_total = _shown_total(data)
            if shown_total is None:  # a page without its total (an old copy): show it before anyone pays
                refusal = Refusal(notice=TOTAL_NOT_SHOWN)
            else:
                answer = _check_out(
                    request, cart=cart, form=form, shown_total=shown_total, back_to=back_to_post_from(data)
                )
                if isinstance(answer, HttpResponse):
                    return answer
                refusal = answer
    else:
        form = CheckoutForm(initial=typed, user=request.user, shipping_options=options)

    form.fields["country"].widget.attrs.update(REQUOTE_IN_PLACE)
    form.fields["region"].widget.attrs.update(REQUOTE_IN_PLACE)  # a US state's sales tax
    form.fields["postal_code"].widget.attrs.update(REQUOTE_POSTAL_CODE)
    shipping = _chosen(options, form["shipping_method"].value())
    region = (data if data is not None else typed).get("region") or ""
    charges, charges_refused = _quote_charges(cart, country=country, region=region, shipping=shipping)
    summary = summary_context(contents, shipping, charges)
    notice = refusal.notice
    if charges_refused is not None and not refusal.notice and not form.errors:
        notice = charges_refused.message
    if refusal.shown_total is not None:
        total, shown = money(summary["total"], contents.currency), money(refusal.shown_total, contents.currency)
        notice = TOTAL_CHANGED.format(total=total, shown=shown)
    context = {
        "form": form,
        "country_name": countries.name(country),
        "quoted_country": country,
        "requote_in_place": REQUOTE_IN_PLACE,
        "stock_problems": refusal.stock_problems,
        "stock_warnings": [] if refusal.stock_problems else _short_lines(cart, contents),
        "notice": notice,
        "total_changed": refusal.shown_total is not None,
        "back_to": back_to_post_from(data if data is not None else request.GET),
        **summary,
    }
    conflict = refusal.stock_problems or refusal.shown_total is not None
    return render(request, "checkout/checkout.html", context, status=409 if conflict else 200)


def _check_out(
    request: HttpRequest, *, cart: Cart, form: CheckoutForm, shown_total: Decimal, back_to: BackToPost | None = None
) -> HttpResponse | Refusal:
    """Place the order for the total the page showed and send the shopper to pay it; or say why not."""
    try:
        result = check_out(
            cart=cart,
            email=form.cleaned_data["email"],
            address=form.shipping_address(),
            shipping_code=form.cleaned_data["shipping_method"],
            expected_total=shown_total,
            user=request.user if request.user.is_authenticated else None,
            back_to=back_to.params() if back_to else None,
        )
    except (EmptyCart, MixedCurrencies) as error:
        messages.info(request, EMPTY_CART if isinstance(error, EmptyCart) else MIXED_CURRENCIES)
        return redirect("cart")
    except EarlierOrderPaid as error:
        remember_order(request, error.order)
        messages.info(request, EARLIER_ORDER_PAID.format(number=error.order.number))
        return see_other(order_path(error.order))
    except (ShippingNotOffered, CannotShip, CannotQuoteCharges) as error:
        _shipping_errors(form, error)
        return Refusal()
    except TotalChanged as error:
        return Refusal(shown_total=error.expected)
    except InsufficientStock as error:
        return Refusal(stock_problems=describe_shortages(error))
    return _to_payment_page(request, result)


def _shipping_errors(form: CheckoutForm, error: ShippingNotOffered | CannotShip | CannotQuoteCharges) -> None:
    """The method is not offered, items cannot go, or the tax and duty tables cannot quote the address:
    errors on the fields the shopper can change."""
    if isinstance(error, CannotQuoteCharges):
        form.add_error(error.field, error.message)  # the country (or the state) the tables cannot quote
        return
    if isinstance(error, ShippingNotOffered):
        form.add_error("shipping_method", str(error))
        return
    # Missing customs data is about the country; a restricted item may go by another method.
    for problem in error.problems:
        form.add_error("country" if problem.code == MISSING_CUSTOMS_DATA else "shipping_method", problem.message)


def _to_payment_page(request: HttpRequest, result: CheckoutResult) -> HttpResponse:
    """The order placed: to its payment page, or to the page offering to pay again if it could not open."""
    remember_order(request, result.order)
    if result.payment_error is not None:
        return _payment_not_started(request, result.order, result.payment_error)
    return see_other(result.payment.checkout_url)


def _country_of(data: QueryDict | dict | None) -> str:
    code = (data.get("country") or "").upper() if data is not None else ""
    return code if code and countries.name(code) else settings.SHOP_HOME_COUNTRY


def _chosen(options: list[ShippingOption], code: str | None) -> ShippingOption | None:
    return next((option for option in options if option.code == code), options[0] if options else None)


def _shipping_options(*, country: str, postal_code: str, contents: CartContents) -> tuple[list[ShippingOption], str]:
    """The methods to the address priced in the cart's currency; none, and why, when it has no exchange rate."""
    try:
        return quote_cart(contents, country=country, postal_code=postal_code), ""
    except MissingExchangeRate as error:
        destination = Destination(country, "")
        return [], charges_refusal(error, destination=destination, currency=contents.currency).message


def _quote_charges(
    cart: Cart, *, country: str, region: str, shipping: ShippingOption | None
) -> tuple[OrderCharges | None, CannotQuoteCharges | None]:
    """The tax and duty the summary shows for the chosen method, or why the country cannot be quoted."""
    if shipping is None:
        return None, None
    try:
        return cart_charge_quoter(cart=cart, country=country, region=region).for_shipping(shipping.amount), None
    except CannotQuoteCharges as error:
        return None, error
    except (EmptyCart, MixedCurrencies):
        return None, None


def summary_context(
    contents: CartContents, shipping: ShippingOption | None, charges: OrderCharges | None = None
) -> dict:
    return {
        "contents": contents,
        "currency": contents.currency,
        "shipping": shipping,
        "shipping_total": shipping.amount if shipping else Decimal("0.00"),
        "charges": charges,
        "tax_total": charges.tax_total if charges else Decimal("0.00"),
        "duty_total": charges.duty_total if charges else Decimal("0.00"),
        "total": total_to_pay(subtotal=contents.subtotal, shipping=shipping, charges=charges),
    }


def _short_lines(cart, contents: CartContents) -> list[str]:
    """Lines asking for more than is free right now (counting what the shopper's own unpaid order holds)."""
    held = held_for_unpaid_orders(cart=cart)
    warnings = []
    for line in contents.lines:
        available = line.available + held.get(line.variant_id, 0)
        if line.quantity <= available:
            continue
        name = variant_name(line.variant)
        warnings.append(
            f"{name} is sold out."
            if available <= 0
            else f"Only {available} of {name} is left; you asked for {line.quantity}."
        )
    return warnings


def _typed(data: QueryDict | None, request: HttpRequest) -> dict:
    """What the shopper typed, shown again after "Update shipping" (without complaining about it yet)."""
    if data is None:
        return {}
    initial = {name: data.get(name) for name in CHECKOUT_FIELDS if data.get(name) is not None}
    if request.user.is_authenticated and request.user.email:
        initial.pop("email", None)
    return initial


def _typed_last_time(cart: Cart, request: HttpRequest) -> dict:
    """What the shopper typed for the cart's last unpaid order (they left the payment page), to fill the form."""
    order = last_unpaid_order(cart=cart)
    if order is None:
        return {}
    typed = {
        "email": order.email,
        "country": str(order.ship_country),
        "name": order.ship_name,
        "line1": order.ship_line1,
        "line2": order.ship_line2,
        "city": order.ship_city,
        "region": order.ship_region,
        "postal_code": order.ship_postal_code,
        "phone": order.ship_phone,
        "shipping_method": order.shipping_method,
    }
    if request.user.is_authenticated and request.user.email:
        typed.pop("email")
    return typed


def _shown_total(data: QueryDict) -> Decimal | None:
    """The total the page showed (and the "Pay" button said) when the shopper pressed it."""
    try:
        total = Decimal(data.get("expected_total", ""))
    except InvalidOperation:
        return None
    return total if total.is_finite() else None


def _pay(request: HttpRequest, order: Order, token: str = "") -> HttpResponse:
    """Open a payment attempt for the order and send the shopper to it (no database transaction held here)."""
    try:
        payment = start_payment(order=order)
    except PaymentNotStartable as error:
        return _payment_not_started(request, order, error, token)
    return see_other(payment.checkout_url)


def _payment_not_started(
    request: HttpRequest, order: Order, error: PaymentNotStartable, token: str = ""
) -> HttpResponse:
    messages.error(request, f"{error.message} You have not been charged.")
    return see_other(cancelled_path(order, token))


# ---------------------------------------------------------------------------------- back from the payment page


@require_safe
def checkout_success(request: HttpRequest) -> HttpResponse:
    """Back from the payment page: settle the payment now (the webhook may come later) and show the order."""
    session_id = request.GET.get("session_id", "").strip()
    if not session_id:
        raise Http404("No payment session given.")
    try:
        order = fulfill_checkout(session_id=session_id)
    except (UnknownCheckoutSession, stripe.InvalidRequestError) as error:
        raise Http404("No payment of ours has this session.") from error
    except stripe.StripeError:
        # Stripe did not answer: the webhook will settle it; the shopper is told what to expect.
        return render(request, "checkout/processing.html", {"order": None}, status=503)

    if order.status == Order.Status.PENDING_PAYMENT:
        return render(request, "checkout/processing.html", {"order": order, "order_path": order_path(order)})
    if order.status == Order.Status.PAID:
        messages.success(
            request, f"Thank you! Your payment was received. A confirmation is on its way to {order.email}."
        )
    if order.user_id is not None and request.user.pk != order.user_id:
        return redirect_to_login(order.get_absolute_url())
    back_to = back_to_post_from(request.GET)
    if back_to is not None:  # left a video to pay: back to it, at the same second, with a link to the order
        messages.info(request, format_html('Order <a href="{}">{}</a>', order_path(order), order.number))
        return redirect(back_to.post_url(order=order.number))
    return redirect(order_path(order))


@require_http_methods(["GET", "POST"])
def checkout_cancelled(request: HttpRequest) -> HttpResponse:
    """The shopper left the payment page without paying: offer to pay again, or to go back to the cart."""
    params = request.POST if request.method == "POST" else request.GET
    number, token = params.get("order", "").strip(), params.get("token", "")
    order = Order.objects.filter(number=number).first() if number else None
    if order is None or not can_see_order(request, order, token=token):
        raise Http404("No order of yours has this number.")

    if order.status == Order.Status.PAID:
        messages.info(request, f"Order {order.number} is paid.")
        return redirect(order_path(order))
    state = payment_state(order)
    if request.method == "POST":
        if state != "payable":
            return see_other(cancelled_path(order, token))
        return _pay(request, order, token)
    return render(
        request,
        "checkout/cancelled.html",
        {"order": order, "token": token, "order_path": order_path(order), "state": state},
    )


# ---------------------------------------------------------------------------------- orders


@require_safe
@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """The shopper's orders, newest first, ten a page."""
    page = Paginator(order_cards_for_shopper(user=request.user), ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    orders = mark_cancellable(list(page.object_list))
    return render(request, "orders/order_list.html", {"page": page, "orders": orders})


@require_safe
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One order: status, lines, totals, address and timeline; its owner's, or a guest's through the signed link."""
    token = request.GET.get("token")  # None without a signed link
    order = order_for_page(number=number)
    if order is None or not opens_order(request, order, token=token):
        if token is None and not request.user.is_authenticated:  # maybe theirs: an email link followed logged out
            return redirect_to_login(request.get_full_path())
        raise Http404("No order of yours has this number.")
    return order_page(request, order, token=token)


def order_page(
    request: HttpRequest, order: Order, *, token: str | None, cancel_error: str = "", status: int = 200
) -> HttpResponse:
    """The order page for an order the request may open (also shown again with a refused cancellation)."""
    mark_cancellable([order])
    return render(
        request,
        "orders/order_detail.html",
        {
            "cancel_error": cancel_error,
            "order": order,
            "token": token or "",
            "payment_state": payment_state(order),
            "timeline": timeline(order),
            "shipments": shipments_for_order(order_id=order.pk),
            "returns": returns_section(order=order),
            "return_new_path": signed_for_guest(order, reverse("order-return-new", kwargs={"number": order.number})),
        },
        status=status,
    )
