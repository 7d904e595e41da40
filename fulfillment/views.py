"""Public tracking pages: anyone with a tracking number sees the carrier's timeline, and nothing personal."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from fulfillment.selectors import shipment_for_tracking

MAX_NUMBER_LENGTH = 40


@require_safe
def track_form(request: HttpRequest) -> HttpResponse:
    """A box to type a tracking number; a submitted number goes to its page."""
    number = "".join(request.GET.get("number", "").split()).upper()
    if number and len(number) <= MAX_NUMBER_LENGTH:
        return redirect("fulfillment:track", tracking_number=number)
    error = "A tracking number has at most 40 characters." if number else ""
    return render(request, "fulfillment/track_form.html", {"number": number, "error": error})


@require_safe
def track(request: HttpRequest, tracking_number: str) -> HttpResponse:
    """Carrier, service, status and timeline (time, place, what happened) of one shipment."""
    shipment = shipment_for_tracking(tracking_number=tracking_number.strip().upper())
    if shipment is None:
        return render(request, "fulfillment/track_not_found.html", {"number": tracking_number}, status=404)
    return render(request, "fulfillment/track.html", {"shipment": shipment})
