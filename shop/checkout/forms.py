"""The checkout form: contact email, shipping address (with postal-code checks) and shipping method."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from shop.services.orders import ShippingAddress
from shop.services.shipping import ShippingOption


def _compact(value: str) -> str:
    return re.sub(r"[\s-]+", "", value)


def _split(at: int, separator: str = " ") -> Callable[[str], str]:
    """Normaliser: strip spaces and dashes, then put `separator` before the last `at` characters."""

    def normalise(value: str) -> str:
        compact = _compact(value)
        return f"{compact[:-at]}{separator}{compact[-at:]}"

    return normalise


def _us_zip(value: str) -> str:
    compact = _compact(value)
    return f"{compact[:5]}-{compact[5:]}" if len(compact) == 9 else compact


@dataclass(frozen=True)
class PostalCodeFormat:
    """A country's postal-code pattern over the compacted code (no spaces or dashes), and its display form."""

    name: str  # what the country calls it
    pattern: str
    examples: str
    normalise: Callable[[str], str] = _compact


_UK_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"  # A9, A99, AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRV-Y])"  # A9A, AA9A
)
_UK_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"

POSTAL_CODE_FORMATS: dict[str, PostalCodeFormat] = {
    "US": PostalCodeFormat("ZIP code", r"\d{5}(?:\d{4})?", "12345 or 12345-6789", _us_zip),
    "CA": PostalCodeFormat(
        "postal code", r"[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\d[ABCEGHJ-NPRSTV-Z]\d", "K1A 0B1", _split(3)
    ),
    "GB": PostalCodeFormat("postcode", rf"(?:GIR0AA|{_UK_OUTWARD}{_UK_INWARD})", "SW1A 1AA or M1 1AE", _split(3)),
    "DE": PostalCodeFormat("Postleitzahl (postal code)", r"\d{5}", "10115"),
    "FR": PostalCodeFormat("code postal (postal code)", r"\d{5}", "75008"),
    "AU": PostalCodeFormat("postcode", r"\d{4}", "2000"),
    "NL": PostalCodeFormat("postcode", r"[1-9]\d{3}(?!SA|SD|SS)[A-Z]{2}", "1012 AB", _split(2)),
    "JP": PostalCodeFormat("postal code", r"\d{7}", "100-0001", _split(4, "-")),
    "IN": PostalCodeFormat("PIN code", r"[1-9]\d{5}", "110001"),
}
# Countries whose addresses need a state, province or territory.
REGION_REQUIRED = {"US": "state", "CA": "province or territory", "AU": "state or territory"}


def normalise_postal_code(*, country: str, postal_code: str) -> str:
    """The postal code in its country's standard form; ValidationError if it does not fit the country's format.

    Countries without a known format accept any code (or none).
    """
    value = (postal_code or "").strip().upper()
    known = POSTAL_CODE_FORMATS.get(country)
    if known is None:
        return value
    if not value:
        raise ValidationError(f"Enter the {known.name}.", code="required")
    if not re.fullmatch(known.pattern, _compact(value)):
        raise ValidationError(
            f"“{postal_code.strip()}” is not a valid {known.name} for {countries.name(country)}: "
            f"use the form {known.examples}.",
            code="invalid_postal_code",
        )
    return known.normalise(value)


def check_region(*, country: str, region: str) -> None:
    """Raise ValidationError when the country's addresses need a region and none is given."""
    if country in REGION_REQUIRED and not region.strip():
        raise ValidationError(f"Enter the {REGION_REQUIRED[country]}.", code="required")


class CheckoutForm(forms.Form):
    """Contact, shipping address and shipping method; the shipping choices are those quoted for the country."""

    email = forms.EmailField(
        label="Email",
        help_text="For your receipt and order updates.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = LazyTypedChoiceField(
        label="Country",
        choices=countries,
        widget=forms.Select(attrs={"autocomplete": "country"}),
    )
    name = forms.CharField(label="Full name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    line1 = forms.CharField(
        label="Address line 1",
        max_length=200,
        help_text="Street address or P.O. box.",
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = forms.CharField(
        label="Address line 2 (optional)",
        max_length=200,
        required=False,
        help_text="Apartment, suite, unit, building or floor.",
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = forms.CharField(
        label="City or town", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    region = forms.CharField(
        label="State, province or region",
        max_length=100,
        required=False,
        help_text="Required for the United States, Canada and Australia.",
        widget=forms.TextInput(attrs={"autocomplete": "address-level1"}),
    )
    postal_code = forms.CharField(
        label="Postal code",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "autocapitalize": "characters"}),
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=40,
        required=False,
        help_text="Only for the carrier, if they need to reach you about the delivery.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    shipping_method = forms.ChoiceField(label="Shipping method", widget=forms.RadioSelect)

    def __init__(self, *args, user=None, shipping_options: list[ShippingOption] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        self.shipping_options = list(shipping_options)
        self.fields["shipping_method"].choices = [(option.code, option.name) for option in self.shipping_options]
        self.fields["country"].initial = settings.SHOP_HOME_COUNTRY
        if self.shipping_options:
            self.fields["shipping_method"].initial = self.shipping_options[0].code
        if self.user is not None and self.user.email:
            # The account's address: shown, not editable here (what is posted is ignored).
            email = self.fields["email"]
            email.initial = self.user.email
            email.required = False
            email.widget.attrs["readonly"] = True
            email.help_text = "Your account's email; receipts and order updates go here."

    def clean_email(self) -> str:
        if self.user is not None and self.user.email:
            return self.user.email
        return self.cleaned_data["email"]

    def clean(self) -> dict:
        data = super().clean()
        country = data.get("country")
        if country:
            try:
                data["postal_code"] = normalise_postal_code(country=country, postal_code=data.get("postal_code", ""))
            except ValidationError as error:
                self.add_error("postal_code", error)
            try:
                check_region(country=country, region=data.get("region", ""))
            except ValidationError as error:
                self.add_error("region", error)
        return data

    def shipping_address(self) -> ShippingAddress:
        data = self.cleaned_data
        return ShippingAddress(
            name=data["name"].strip(),
            line1=data["line1"].strip(),
            line2=data["line2"].strip(),
            city=data["city"].strip(),
            region=data["region"].strip(),
            postal_code=data["postal_code"],
            country=data["country"],
            phone=data["phone"].strip(),
        )
