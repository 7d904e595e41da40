"""Demo saved details for `seed_demo`: the demo shopper can "Buy now" from the feed in one tap.

A default address (New York) and a second one, and two of Stripe's test cards on their Customer at the
local stand-in: a Visa that pays, and a Visa that asks for 3D Secure (the bank's test page) on each
on-session payment. Idempotent: skipped once the shopper has a saved address.
"""

from marketplace.demo_orders import ADDRESSES
from shop.models import SavedAddress
from shop.payments.gateway import get_client
from shop.services.saved_details import customer_id_for, save_address

# Stripe's test PaymentMethods: attaching one gives the customer a new card like it.
DEMO_CARDS = ("pm_card_authenticationRequiredOnSetup", "pm_card_visa")  # the last attached is listed first


def seed_demo_buy_now(report, *, shopper) -> None:
    if SavedAddress.objects.filter(user=shopper).exists():
        return
    save_address(user=shopper, address=ADDRESSES["US"], make_default=True)
    save_address(user=shopper, address=ADDRESSES["US-W"])
    report.add("saved addresses", 2)
    customer_id = customer_id_for(shopper)
    client = get_client()
    for test_method in DEMO_CARDS:
        client.v1.payment_methods.attach(test_method, params={"customer": customer_id})
    report.add("saved cards", len(DEMO_CARDS))
