"""The form that saves an address on the account page (the checkout form's address fields and checks)."""

from django import forms

from shop.checkout.forms import CheckoutForm


class SavedAddressForm(CheckoutForm):
    """Name, address, country and phone, checked as checkout checks them (postal code, region)."""

    make_default = forms.BooleanField(label="Use as my default address", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["email"]
        del self.fields["shipping_method"]
