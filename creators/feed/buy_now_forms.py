"""What the sheet's "Buy now" posts: the item, and on paying the card, the tap's key and the total confirmed."""

from decimal import Decimal

from django import forms

from shop.cart.forms import AddToCartForm


class BuyNowConfirmForm(AddToCartForm):
    """Open the confirm step: the chosen variant and quantity, and where the video was (to come back to it)."""

    post = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    t = forms.DecimalField(required=False, min_value=0, max_value=86400, max_digits=8, decimal_places=3)

    def clean_t(self) -> Decimal | None:
        value = self.cleaned_data.get("t")
        return None if value is None else value.quantize(Decimal("0.1"))


class BuyNowPayForm(BuyNowConfirmForm):
    payment_method = forms.CharField(max_length=255)
    idempotency_key = forms.CharField(min_length=8, max_length=100)
    expected_total = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2)
