"""The shopper's country, remembered in the session: picked on a product page, or typed at checkout.

Product pages say for it whether (and how) an item can be shipped there; checkout starts from it.
"""

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from marketplace.same_origin import same_origin_post

SESSION_KEY = "ship_to_country"


def shopper_country(request: HttpRequest) -> str:
    """The country the shopper ships to: the one remembered in their session, else the shop's home country."""
    session = getattr(request, "session", None)
    code = session.get(SESSION_KEY, "") if session is not None else ""
    return code if code and countries.name(code) else settings.SHOP_HOME_COUNTRY


def remember_shopper_country(request: HttpRequest, country: str) -> None:
    """Keep the shopper's country for the next pages (nothing is written when it is already the one kept)."""
    code = (country or "").upper()
    if code and countries.name(code) and request.session.get(SESSION_KEY) != code:
        request.session[SESSION_KEY] = code


class ShipToForm(forms.Form):
    country = LazyTypedChoiceField(
        label="Ship to", choices=countries, widget=forms.Select(attrs={"autocomplete": "country"})
    )
    next = forms.CharField(required=False, max_length=2000)


@require_POST
@same_origin_post  # the form sits on product pages shared from the cache, which carry no CSRF token
def ship_to(request: HttpRequest) -> HttpResponse:
    """Remember the country picked in a product page's "Ship to" box and go back to that page."""
    form = ShipToForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    if form.is_valid():
        remember_shopper_country(request, form.cleaned_data["country"])
    response = HttpResponseRedirect(back)
    response.status_code = 303
    return response
