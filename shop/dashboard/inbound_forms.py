"""Forms of the seller's inbound shipments: the announcement and its lines (SKU and units)."""

import datetime as dt

from django import forms
from django.utils import timezone

from fulfillment.models import Warehouse
from fulfillment.services.receiving import MAX_LINES, MAX_UNITS_PER_LINE, ReceivingError
from shop.services.inbound import SkuQuantity

BLANK_LINES = 6  # rows shown on a new announcement; more come with "Add lines"


class InboundShipmentForm(forms.Form):
    warehouse = forms.ChoiceField(label="Send to", help_text="One of our fulfillment centres.")
    expected_on = forms.DateField(
        label="Expected on", widget=forms.DateInput(attrs={"type": "date"}), help_text="When it should arrive."
    )
    carrier = forms.CharField(max_length=60, required=False, help_text="Who carries it, e.g. UPS Freight.")
    tracking_number = forms.CharField(max_length=60, required=False)
    note = forms.CharField(
        max_length=300,
        required=False,
        label="Note to the warehouse",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Cartons, pallets, anything the receiving team should know.",
    )

    def __init__(self, *args, warehouses: list[Warehouse], **kwargs) -> None:
        kwargs.setdefault("initial", {"expected_on": timezone.localdate() + dt.timedelta(days=3)})
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].choices = [(w.code, f"{w.code} · {w.name}, {w.city}") for w in warehouses]


class InboundLineForm(forms.Form):
    sku = forms.CharField(label="SKU", max_length=64, required=False)
    quantity = forms.IntegerField(
        label="Units", min_value=1, max_value=MAX_UNITS_PER_LINE, required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip

    def clean(self) -> dict:
        cleaned = super().clean()
        sku, quantity = (cleaned.get("sku") or "").strip(), cleaned.get("quantity")
        if sku and quantity is None and "quantity" not in self.errors:
            self.add_error("quantity", "How many units of this SKU?")
        if quantity is not None and not sku:
            self.add_error("sku", "Which SKU are these units?")
        cleaned["sku"] = sku
        return cleaned


InboundLineFormSet = forms.formset_factory(
    InboundLineForm, extra=BLANK_LINES, max_num=MAX_LINES, absolute_max=MAX_LINES, validate_max=True
)


def announced_lines(formset) -> list[SkuQuantity]:
    """The filled rows of a valid formset, in the order typed."""
    return [
        SkuQuantity(sku=form.cleaned_data["sku"], quantity=form.cleaned_data["quantity"])
        for form in formset
        if form.cleaned_data.get("sku")
    ]


def add_receiving_errors(form: InboundShipmentForm, error: ReceivingError) -> None:
    """The service's refusal on the form: per field where the form has it, on top otherwise."""
    if not error.fields:
        form.add_error(None, error.message)
    for name, messages in error.fields.items():
        form.add_error(name if name in form.fields else None, messages)
