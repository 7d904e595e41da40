"""Forms of the shopper pages: the filters of product lists, read from the query string."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from shop.models import Seller
from shop.product_lists import SellerChoice
from shop.sorting import NEWEST, RELEVANCE, sort_choices

FORM_ID = "product-filters"


def _price_field(label: str) -> forms.DecimalField:
    """An optional, non-negative price in the catalog's precision."""
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


class ProductFilterForm(forms.Form):
    """Price range and seller filters of a product list (category and search pages)."""

    min_price = _price_field("Minimum price")
    max_price = _price_field("Maximum price")
    seller = forms.ChoiceField(label="Seller", required=False)
    # Shown apart from the filter panel (shop/_sort.html), in the same form through the `form` attribute.
    sort = forms.ChoiceField(label="Sort by", required=False, widget=forms.Select(attrs={"form": FORM_ID}))

    def __init__(self, data: QueryDict, *, sellers: Iterable[Seller | SellerChoice], searching: bool = False) -> None:
        super().__init__(data)
        self.fields["seller"].choices = [("", "All sellers"), *((seller.slug, seller.name) for seller in sellers)]
        self.fields["sort"].choices = sort_choices(searching=searching)
        self.default_sort = RELEVANCE if searching else NEWEST

    def sort_key(self) -> str:
        """The order asked for; the list's default when none, or an unknown one, is asked."""
        sort = self.data.get("sort", "")
        return sort if sort in dict(self.fields["sort"].choices) else self.default_sort

    def clean(self) -> dict[str, Any]:
        """Refuse a range whose minimum is above its maximum."""
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", forms.ValidationError("Enter a maximum price at or above the minimum price."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.filter_products`; none while the input is invalid."""
        if not self.is_valid():
            return {}
        return {
            "seller_slug": self.cleaned_data["seller"] or None,
            "min_price": self.cleaned_data["min_price"],
            "max_price": self.cleaned_data["max_price"],
        }

    @property
    def is_filtering(self) -> bool:
        """Whether the shopper asked for any filter (keeps the filter panel open)."""
        return any(self.data.get(name) for name in self.fields if name != "sort")
