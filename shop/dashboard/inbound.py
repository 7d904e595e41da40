"""The seller's inbound shipments: announce stock on its way to our warehouses, follow it, see what arrived.

Thin views: forms parse, `shop.services.inbound` / `fulfillment.services.receiving` write, fulfillment's
selectors read (scoped to the seller, so another seller's shipment answers 404).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fulfillment.selectors_inbound import receiving_warehouses, seller_inbound_shipment, seller_inbound_shipments
from fulfillment.services.receiving import ReceivingError, cancel_inbound_shipment
from shop.dashboard.inbound_forms import (
    InboundLineFormSet,
    InboundShipmentForm,
    add_receiving_errors,
    announced_lines,
)
from shop.dashboard.permissions import seller_required
from shop.services.inbound import announce_inbound

PAGE_SIZE = 25


@seller_required
def inbound_list(request: HttpRequest) -> HttpResponse:
    """The seller's inbound shipments, newest first, with what arrived and any discrepancy."""
    page = Paginator(seller_inbound_shipments(seller_id=request.seller.pk), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "dashboard/inbound_list.html", {"dash_page": "inbound", "page": page, "shipments": page.object_list}
    )


@seller_required
def inbound_create(request: HttpRequest) -> HttpResponse:
    warehouses = receiving_warehouses()
    data = request.POST if request.method == "POST" else None
    form = InboundShipmentForm(data, warehouses=warehouses)
    lines = InboundLineFormSet(data, prefix="lines")
    if data is not None and form.is_valid() and lines.is_valid():
        try:
            shipment = announce_inbound(
                seller=request.seller,
                warehouse_code=form.cleaned_data["warehouse"],
                lines=announced_lines(lines),
                expected_on=form.cleaned_data["expected_on"],
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ReceivingError as error:
            add_receiving_errors(form, error)
        else:
            messages.success(
                request,
                f"Shipment {shipment.number} was announced to {shipment.warehouse.code}: "
                "write its number on every carton.",
            )
            return redirect("dashboard:inbound-detail", pk=shipment.pk)
    context = {"dash_page": "inbound-create", "form": form, "lines": lines, "warehouses": warehouses}
    return render(request, "dashboard/inbound_form.html", context)


@seller_required
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = seller_inbound_shipment(seller_id=request.seller.pk, shipment_id=pk)
    if shipment is None:
        raise Http404("No inbound shipment of yours has this id.")
    return render(request, "dashboard/inbound_detail.html", {"dash_page": "inbound", "shipment": shipment})


@seller_required
@require_POST
def inbound_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    if seller_inbound_shipment(seller_id=request.seller.pk, shipment_id=pk) is None:
        raise Http404("No inbound shipment of yours has this id.")
    try:
        shipment = cancel_inbound_shipment(shipment_id=pk, seller_id=request.seller.pk)
    except ReceivingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Shipment {shipment.number} was cancelled.")
    return redirect("dashboard:inbound-detail", pk=pk)
