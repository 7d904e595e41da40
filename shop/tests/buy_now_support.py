"""Helpers shared by the buy-now tests (no tests here): a shopper with a saved address and a saved card."""

from shop.models import SavedAddress
from shop.payments.gateway import get_client
from shop.services.saved_details import customer_id_for, save_address
from shop.tests.test_payments_support import ADDRESS

VISA = "pm_card_visa"
DECLINING = "pm_card_visa_chargeDeclined"
NEEDS_AUTHENTICATION = "pm_card_authenticationRequiredOnSetup"


def save_card(user, test_method: str = VISA) -> str:
    """Attach one of Stripe's test cards to the shopper's Customer (made on first need); answers its id."""
    customer_id = customer_id_for(user)
    return get_client().v1.payment_methods.attach(test_method, params={"customer": customer_id}).id


def saved_address(user, address=ADDRESS) -> SavedAddress:
    return save_address(user=user, address=address)
