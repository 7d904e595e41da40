"""The cart page and its forms: plain POST then redirect, or htmx swaps of the same partial templates."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe
from django_countries import countries

from marketplace.same_origin import same_origin_post
from shop import selectors
from shop.cart.forms import AddToCartForm, LineQuantityForm
from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Destination
from shop.models import CartLine, Variant
from shop.selectors import CartContents
from shop.services.cart import add_to_visitors_cart, cart_for_request, remove_line, set_line_quantity
from shop.services.checkout import cart_charge_quoter
from shop.services.import_charges import CannotQuoteCharges, refusal
from shop.services.shipping import quote_cart
from shop.ship_to import shopper_country


def _first_message(error: ValidationError) -> str:
    return error.messages[0]


def _product_url(variant: Variant) -> str:
    return f"{variant.product.get_absolute_url()}?{urlencode({'variant': variant.pk})}"


@require_POST
@same_origin_post
def add(request: HttpRequest) -> HttpResponse:
    """Add units of a variant; then the cart page (the product page on an error), or an htmx confirmation."""
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        # A bad quantity of a known variant goes back to its page; an unknown variant has none.
        return _not_added(request, form.first_error(), back_to=form.cleaned_data.get("variant"))
    variant, quantity = form.cleaned_data["variant"], form.cleaned_data["quantity"]
    try:
        line = add_to_visitors_cart(request=request, variant=variant, quantity=quantity)
    except ValidationError as refused:
        # Too many goes back to the variant's page; a variant not for sale may have no page any more.
        back_to = variant if "quantity" in getattr(refused, "error_dict", {}) else None
        return _not_added(request, _first_message(refused), back_to=back_to)
    if request.htmx:
        return render(request, "cart/_added.html", {"variant": variant, "quantity": quantity, "line": line})
    messages.success(request, f"Added {quantity} \N{MULTIPLICATION SIGN} {variant} to your cart.")
    return redirect("cart")


def _not_added(request: HttpRequest, error: str, *, back_to: Variant | None) -> HttpResponse:
    if request.htmx:  # 200: htmx swaps only successful answers
        return render(request, "cart/_added.html", {"error": error})
    messages.error(request, error)
    return redirect(_product_url(back_to) if back_to else "cart")


@require_safe
def cart_page(request: HttpRequest) -> HttpResponse:
    """The visitor's cart: lines with quantity and remove forms, the subtotal and the way to checkout."""
    return _render_cart(request)


def _line_or_404(request: HttpRequest, line_id: int) -> CartLine:
    """A line of the visitor's own cart; any other line is not found."""
    line = selectors.cart_line(cart=cart_for_request(request), line_id=line_id)
    if line is None:
        raise Http404("No such line in your cart.")
    return line


@require_POST
def update_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """Change a line's quantity; a refused quantity is shown next to the line and changes nothing."""
    line = _line_or_404(request, line_id)
    form = LineQuantityForm(request.POST)
    if not form.is_valid():
        return _render_cart(request, refused=(line.pk, form.errors["quantity"][0], request.POST.get("quantity", "")))
    try:
        set_line_quantity(line=line, quantity=form.cleaned_data["quantity"])
    except ValidationError as refused:
        return _render_cart(request, refused=(line.pk, _first_message(refused), request.POST["quantity"]))
    return _changed(request, f"{line.variant}: quantity changed to {line.quantity}.")


@require_POST
def remove(request: HttpRequest, line_id: int) -> HttpResponse:
    line = _line_or_404(request, line_id)
    remove_line(line=line)
    return _changed(request, f"Removed {line.variant} from your cart.")


def _changed(request: HttpRequest, message: str) -> HttpResponse:
    """After a change: the updated cart body for htmx, else back to the cart page with the message."""
    if request.htmx:
        return _render_cart(request, status_message=message)
    messages.success(request, message)
    return redirect("cart")


def _render_cart(
    request: HttpRequest, *, refused: tuple[int, str, str] | None = None, status_message: str = ""
) -> HttpResponse:
    """The cart page, or its body (with the header count and status out of band) for htmx.

    `refused` is (line id, error, value the shopper typed): shown on that line, which kept its quantity.
    """
    cart = cart_for_request(request)
    contents = selectors.cart_contents(cart=cart, with_images=True)
    if refused is not None:
        line_id, error, value = refused
        for line in contents.lines:
            if line.pk == line_id:
                line.quantity_error, line.quantity_input = error, value
    template = "cart/_cart_update.html" if request.htmx else "cart/cart.html"
    # `header_cart` from the context processor would count again; the contents already know.
    context = {
        "cart": contents,
        "header_cart": contents,
        "status_message": status_message,
        "estimate": _estimate(cart, contents, country=shopper_country(request)),
    }
    return render(request, template, context)


def _estimate(cart, contents: CartContents, *, country: str) -> dict | None:
    """When the cart would arrive by the cheapest method (`delivery`), and abroad: shipping, tax and import duties
    for the shopper's country, as checkout will charge them (or why the country cannot be quoted). At home no
    charges (the state's tax needs the address)."""
    if not contents.lines or contents.currency is None:
        return None
    at_home = country == settings.SHOP_HOME_COUNTRY
    try:
        options = quote_cart(contents, country=country)
        if not options:
            return None
        if at_home:
            return {"country_name": countries.name(country), "at_home": True, "delivery": options[0]}
        charges = cart_charge_quoter(cart=cart, country=country, region="").for_shipping(options[0].amount)
    except MissingExchangeRate as error:
        # At home checkout says it, with the address; abroad the shopper is told now.
        message = (
            "" if at_home else refusal(error, destination=Destination(country, ""), currency=contents.currency).message
        )
        return {"country_name": countries.name(country), "refused": message} if message else None
    except CannotQuoteCharges as error:
        return {"country_name": countries.name(country), "refused": error.message}
    return {
        "country_name": countries.name(country),
        "shipping": options[0],
        "delivery": options[0],
        "charges": charges,
        "total": contents.subtotal + options[0].amount + charges.at_sale,
    }
