"""The shopper's "Cancel order" button (order page and orders list): a POST, confirmed on the page first."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from shop.checkout.links import opens_order, signed_for_guest
from shop.checkout.selectors import order_for_page
from shop.checkout.views import order_page
from shop.services.cancellation import cancel_by_shopper
from shop.services.payments import PaymentError
from shop.templatetags.catalog import money


@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Cancel the order if it is not picked yet; back on its page with what happened (409 when refused)."""
    token = request.POST.get("token") or None
    order = order_for_page(number=number)
    if order is None or not opens_order(request, order, token=token):
        if token is None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("No order of yours has this number.")
    try:
        result = cancel_by_shopper(order=order, by=request.user)
    except PaymentError as error:  # not cancellable (picking started...) or not refundable: nothing changed
        return order_page(request, order, token=token, cancel_error=error.message, status=409)
    if result.already:
        messages.info(request, f"Order {order.number} was already cancelled.")
    elif result.refund is not None:
        amount = money(result.refund.amount, result.refund.currency)
        messages.success(request, f"Order {order.number} is cancelled. {amount} is being refunded to your card.")
    else:
        messages.success(request, f"Order {order.number} is cancelled.")
    return redirect(signed_for_guest(order, order.get_absolute_url()))
