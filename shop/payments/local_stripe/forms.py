"""The card form of the hosted test payment page (Stripe's test cards only; nothing is stored but the last 4)."""

from __future__ import annotations

import re

from django import forms
from django.utils import timezone

from .cards import luhn_valid, normalise_number

_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


class CardPaymentForm(forms.Form):
    email = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"})
    )
    card_number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "placeholder": "1234 1234 1234 1234"}
        ),
        error_messages={"required": "Your card number is incomplete."},
    )
    expiry = forms.CharField(
        label="Expiry (MM / YY)",
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "inputmode": "numeric", "placeholder": "MM / YY"}),
        error_messages={"required": "Your card's expiration date is incomplete."},
    )
    cvc = forms.CharField(
        label="CVC",
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "placeholder": "CVC"}),
        error_messages={"required": "Your card's security code is incomplete."},
    )
    name = forms.CharField(
        label="Name on card", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "cc-name"})
    )

    def __init__(self, *args, customer_email: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if customer_email:
            # The merchant gave the email: shown, not editable (as on Stripe's page).
            self.fields["email"].initial = customer_email
            self.fields["email"].disabled = True

    def clean_card_number(self) -> str:
        digits = normalise_number(self.cleaned_data["card_number"])
        if not luhn_valid(digits):
            raise forms.ValidationError("Your card number is invalid.", code="incorrect_number")
        return digits

    def clean_expiry(self) -> tuple[int, int]:
        match = _EXPIRY.match(self.cleaned_data["expiry"])
        if not match:
            raise forms.ValidationError("Your card's expiration date is incomplete.", code="invalid_expiry")
        month, year = int(match.group(1)), int(match.group(2))
        if len(match.group(2)) == 2:
            year += 2000
        if not 1 <= month <= 12:
            raise forms.ValidationError("Your card's expiration month is invalid.", code="invalid_expiry_month")
        today = timezone.now().date()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError("Your card's expiration date is in the past.", code="invalid_expiry_year")
        return month, year

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3,4}", cvc):
            raise forms.ValidationError("Your card's security code is incomplete.", code="incomplete_cvc")
        return cvc
