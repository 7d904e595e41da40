"""The shopper's return pages: ask for a return, download its label. Parse, call the returns service, render.

Who may open them is the order page's rule (shop.checkout.links.opens_order): the account that placed
the order, or a guest through the signed link, whose token travels in the form's action and the redirects.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from fulfillment.selectors import return_label
from marketplace.storage import serve_private
from shop.checkout.links import opens_order, order_path, signed_for_guest
from shop.checkout.views import see_other
from shop.models import Order, ReturnRequest
from shop.returns.forms import ReturnRequestForm
from shop.services.returns import ReturnNotAllowed, request_return, returnable_lines

APPROVED = (
    "Return {number} is approved. Your free label is below: print it and stick it on the parcel, "
    "or show the QR code at a drop-off point."
)
IN_REVIEW = "Return {number} is asked for. We look at it within two business days and email you our answer."


def _order(request: HttpRequest, number: str) -> Order | None:
    """The order if this request may open it, as the order page decides; else None."""
    token = request.GET.get("token")  # None without a signed link
    order = Order.objects.filter(number=number).first()
    return order if order is not None and opens_order(request, order, token=token) else None


def return_section_path(order: Order, ret: ReturnRequest) -> str:
    return f"{order_path(order)}#return-{ret.number}"


@require_http_methods(["GET", "POST"])
def return_new(request: HttpRequest, number: str) -> HttpResponse:
    """Pick lines and quantities, a reason, photos and a comment; the returns service decides and writes."""
    order = _order(request, number)
    if order is None:
        if "token" not in request.GET and not request.user.is_authenticated:  # maybe theirs, logged out
            return redirect_to_login(request.get_full_path())
        raise Http404("No order of yours has this number.")
    rows = returnable_lines(order=order)
    posted = request.method == "POST"
    form = ReturnRequestForm(request.POST if posted else None, request.FILES if posted else None, rows=rows)
    if posted and form.is_valid():
        try:
            ret = request_return(
                order=order,
                lines=form.lines(),
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
                photos=form.cleaned_data["photos"],
                by=request.user,
            )
        except ReturnNotAllowed as error:  # nothing was written
            form.refuse(error)
        else:
            words = APPROVED if ret.status == ReturnRequest.Status.APPROVED else IN_REVIEW
            messages.success(request, words.format(number=ret.number))
            return see_other(return_section_path(order, ret))
    context = {
        "order": order,
        "form": form,
        "not_returnable": [row for row in rows if not row.returnable],
        "action": signed_for_guest(order, reverse("order-return-new", kwargs={"number": order.number})),
        "order_path": order_path(order),
    }
    return render(request, "orders/return_new.html", context, status=400 if form.errors else 200)


@require_safe
@never_cache
def return_label_pdf(request: HttpRequest, number: str, return_number: str) -> HttpResponseBase:
    """The return's prepaid label as stored when it was bought; only the order's shopper gets it."""
    order = _order(request, number)
    ret = ReturnRequest.objects.filter(order=order, number=return_number).first() if order is not None else None
    label = return_label(return_id=ret.pk) if ret is not None else None
    if label is None or not label.pdf:
        raise Http404("No label of yours has this number.")
    return serve_private(
        request,
        label.pdf,
        content_type="application/pdf",
        as_attachment=True,
        filename=f"return-label-{ret.number}.pdf",
    )
