"""The account page: saved addresses and cards (brand, last 4, expiry); add, make default, remove; own only."""

import pytest
from django.urls import reverse

from marketplace.tests.factories import UserFactory
from shop.models import SavedAddress
from shop.payments.gateway import get_client
from shop.services.orders import ShippingAddress
from shop.services.payments import start_payment
from shop.services.saved_details import known_customer_id, saved_cards
from shop.tests.buy_now_support import save_card, saved_address
from shop.tests.test_payments_support import (
    local_stripe_fixture,  # noqa: F401  (fixture "local_stripe")
    pay_on_page,
    place_test_order,
    stocked_variant,
)

pytestmark = pytest.mark.django_db
PAGE = "/account/"
NEW_ADDRESS = {
    "name": "Ada Shopper", "line1": "5 Elm St", "city": "Austin", "region": "TX", "postal_code": "73301",
    "country": "US", "phone": "",
}  # fmt: skip


@pytest.fixture
def shopper(client, user, local_stripe):
    client.force_login(user)
    client.user = user
    return client


def test_the_page_needs_a_log_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_lists_the_shoppers_cards_and_addresses_default_first(shopper):
    save_card(shopper.user)
    save_card(shopper.user, "pm_card_mastercard")
    saved_address(shopper.user)
    saved_address(shopper.user, ShippingAddress(name="Ada", line1="9 Oak Rd", city="Boston", region="MA",
                                                postal_code="02101", country="US"))  # fmt: skip

    page = shopper.get(PAGE).content.decode()

    assert "Visa •••• 4242" in page and "Mastercard •••• 4444" in page
    assert "expires 12/34" in page
    assert page.index("Default") < page.index("1 Main St") < page.index("9 Oak Rd")


def test_another_shoppers_cards_and_addresses_are_not_shown(shopper):
    other = UserFactory()
    save_card(other, "pm_card_mastercard")
    saved_address(other, ShippingAddress(name="Eve", line1="66 Secret Ln", city="Reno", region="NV",
                                         postal_code="89501", country="US"))  # fmt: skip

    page = shopper.get(PAGE).content.decode()

    assert "4444" not in page and "66 Secret Ln" not in page
    assert "No saved cards yet" in page


def test_a_shopper_without_a_customer_costs_no_call_to_stripe(shopper):
    page = shopper.get(PAGE)

    assert page.status_code == 200
    assert known_customer_id(shopper.user) is None


def test_removing_a_card_detaches_it_at_stripe(shopper):
    card = save_card(shopper.user)

    response = shopper.post(reverse("account-card-remove", args=[card]), follow=True)

    assert "Visa •••• 4242 removed." in response.content.decode()
    assert saved_cards(user=shopper.user) == []
    assert get_client().v1.payment_methods.retrieve(card).customer is None


def test_someone_elses_card_cannot_be_removed(shopper):
    save_card(shopper.user)
    theirs = save_card(UserFactory())

    response = shopper.post(reverse("account-card-remove", args=[theirs]))

    assert response.status_code == 404
    assert get_client().v1.payment_methods.retrieve(theirs).customer is not None


def test_the_newest_card_is_the_default_until_the_shopper_chooses_another(shopper):
    visa = save_card(shopper.user)
    mastercard = save_card(shopper.user, "pm_card_mastercard")
    assert [(card.id, card.is_default) for card in saved_cards(user=shopper.user)] == [
        (mastercard, True),
        (visa, False),
    ]

    response = shopper.post(reverse("account-card-default", args=[visa]), follow=True)

    page = response.content.decode()
    assert "Visa •••• 4242 is now your default card." in page
    assert page.index("Default") < page.index("Visa •••• 4242", page.index("Cards")) < page.index("Mastercard")
    assert [card.id for card in saved_cards(user=shopper.user)] == [visa, mastercard]
    shopper.post(reverse("account-card-remove", args=[visa]))
    assert [(card.id, card.is_default) for card in saved_cards(user=shopper.user)] == [(mastercard, True)]


def test_someone_elses_card_cannot_be_made_the_default(shopper):
    mine = save_card(shopper.user)
    theirs = save_card(UserFactory())

    response = shopper.post(reverse("account-card-default", args=[theirs]))

    assert response.status_code == 404
    assert saved_cards(user=shopper.user)[0].id == mine


def test_an_address_is_added_and_the_first_one_is_the_default(shopper):
    response = shopper.post(reverse("account-address-add"), NEW_ADDRESS)

    assert response.status_code == 302
    address = SavedAddress.objects.get(user=shopper.user)
    assert (address.line1, address.postal_code, address.is_default) == ("5 Elm St", "73301", True)


def test_a_bad_address_is_refused_with_the_fields_errors_and_nothing_saved(shopper):
    response = shopper.post(reverse("account-address-add"), {**NEW_ADDRESS, "postal_code": "ABC", "region": ""})

    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a valid ZIP code" in page and "Enter the state." in page
    assert not SavedAddress.objects.exists()


def test_making_another_address_the_default_leaves_one_default(shopper):
    first = saved_address(shopper.user)
    second = saved_address(shopper.user)

    shopper.post(reverse("account-address-default", args=[second.pk]))

    assert list(SavedAddress.objects.filter(is_default=True)) == [second]
    assert first.pk in SavedAddress.objects.values_list("pk", flat=True)


def test_removing_the_default_address_makes_the_newest_other_one_the_default(shopper):
    older = saved_address(shopper.user)
    newer = saved_address(shopper.user)
    default = saved_address(shopper.user)
    shopper.post(reverse("account-address-default", args=[default.pk]))

    shopper.post(reverse("account-address-delete", args=[default.pk]))

    assert list(SavedAddress.objects.filter(is_default=True)) == [newer]
    assert SavedAddress.objects.filter(pk=older.pk).exists()


def test_someone_elses_address_cannot_be_changed(shopper):
    theirs = saved_address(UserFactory())

    assert shopper.post(reverse("account-address-delete", args=[theirs.pk])).status_code == 404
    assert shopper.post(reverse("account-address-default", args=[theirs.pk])).status_code == 404
    assert SavedAddress.objects.filter(pk=theirs.pk).exists()


def test_the_page_costs_the_same_queries_with_one_address_or_many(shopper, django_assert_max_num_queries):
    saved_address(shopper.user)
    with django_assert_max_num_queries(12) as one:
        shopper.get(PAGE)
    for _ in range(8):
        saved_address(shopper.user)

    with django_assert_max_num_queries(len(one.captured_queries)):
        shopper.get(PAGE)


def test_paying_at_checkout_logged_in_saves_the_card_for_next_time(shopper, client):
    order = place_test_order((stocked_variant(), 1), email=shopper.user.email)
    order.user = shopper.user
    order.save(update_fields=["user"])
    payment = start_payment(order=order)

    pay_on_page(client, payment, number="5555 5555 5555 4444")

    [card] = saved_cards(user=shopper.user)
    assert (card.brand, card.last4, card.expiry) == ("mastercard", "4444", "12/34")


def test_a_guest_checkout_saves_no_card(client, local_stripe):
    payment = start_payment(order=place_test_order((stocked_variant(), 1)))

    pay_on_page(client, payment)

    assert get_client().v1.checkout.sessions.retrieve(payment.checkout_session_id).customer is None
