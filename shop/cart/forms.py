"""What the cart's forms accept; the cart service checks availability and saleability."""

from django import forms

from shop.selectors import variants_to_add
from shop.services.cart import MAX_LINE_QUANTITY

QUANTITY_ERRORS = {
    "required": f"Enter a quantity from 1 to {MAX_LINE_QUANTITY}.",
    "invalid": f"Enter a whole number from 1 to {MAX_LINE_QUANTITY}.",
    "min_value": "The quantity must be at least 1.",
    "max_value": f"At most {MAX_LINE_QUANTITY} of one item per order.",
}


def _quantity_field() -> forms.IntegerField:
    return forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, error_messages=QUANTITY_ERRORS)


class AddToCartForm(forms.Form):
    variant = forms.ModelChoiceField(
        queryset=variants_to_add(),
        error_messages={"required": "Choose an option.", "invalid_choice": "That option does not exist."},
    )
    quantity = _quantity_field()

    def first_error(self) -> str:
        """The message to show: the variant's problem first, else the quantity's."""
        for name in ("variant", "quantity"):
            if name in self.errors:
                return self.errors[name][0]
        return ""


class LineQuantityForm(forms.Form):
    quantity = _quantity_field()
