"""Postal codes: each known country's format accepted and normalised, anything else refused in plain words."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shop.checkout.forms import CheckoutForm, normalise_postal_code
from shop.services.shipping import ShippingOption


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("US", "62701", "62701"),
        ("US", " 62701-1234 ", "62701-1234"),
        ("US", "627011234", "62701-1234"),
        ("CA", "k1a0b1", "K1A 0B1"),
        ("CA", "K1A 0B1", "K1A 0B1"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("GB", "M1 1AE", "M1 1AE"),
        ("GB", "B33 8TH", "B33 8TH"),
        ("GB", "CR2 6XH", "CR2 6XH"),
        ("GB", "DN55 1PT", "DN55 1PT"),
        ("GB", "W1A 0AX", "W1A 0AX"),
        ("GB", "EC1A 1BB", "EC1A 1BB"),
        ("DE", "10115", "10115"),
        ("FR", "75008", "75008"),
        ("AU", "2000", "2000"),
        ("NL", "1012ab", "1012 AB"),
        ("JP", "1000001", "100-0001"),
        ("JP", "100-0001", "100-0001"),
        ("IN", "110 001", "110001"),
    ],
)
def test_a_valid_code_is_accepted_in_its_standard_form(country, typed, stored):
    assert normalise_postal_code(country=country, postal_code=typed) == stored


@pytest.mark.parametrize(
    ("country", "typed", "message"),
    [
        (
            "US",
            "1234",
            "“1234” is not a valid ZIP code for United States of America: use the form 12345 or 12345-6789.",
        ),
        (
            "US",
            "12345-67",
            "“12345-67” is not a valid ZIP code for United States of America: use the form 12345 or 12345-6789.",
        ),
        ("CA", "D1A 0B1", "“D1A 0B1” is not a valid postal code for Canada: use the form K1A 0B1."),
        ("CA", "123456", "“123456” is not a valid postal code for Canada: use the form K1A 0B1."),
        ("GB", "QA1 1AA", "“QA1 1AA” is not a valid postcode for United Kingdom: use the form SW1A 1AA or M1 1AE."),
        ("GB", "SW1A 1CA", "“SW1A 1CA” is not a valid postcode for United Kingdom: use the form SW1A 1AA or M1 1AE."),
        ("DE", "1011", "“1011” is not a valid Postleitzahl (postal code) for Germany: use the form 10115."),
        ("FR", "7500A", "“7500A” is not a valid code postal (postal code) for France: use the form 75008."),
        ("AU", "20000", "“20000” is not a valid postcode for Australia: use the form 2000."),
        ("NL", "0123 AB", "“0123 AB” is not a valid postcode for Netherlands: use the form 1012 AB."),
        ("NL", "1012 SA", "“1012 SA” is not a valid postcode for Netherlands: use the form 1012 AB."),
        ("JP", "100-001", "“100-001” is not a valid postal code for Japan: use the form 100-0001."),
        ("IN", "011001", "“011001” is not a valid PIN code for India: use the form 110001."),
    ],
)
def test_an_invalid_code_is_refused_with_the_expected_form(country, typed, message):
    with pytest.raises(ValidationError) as error:
        normalise_postal_code(country=country, postal_code=typed)

    assert error.value.messages == [message]


def test_a_country_with_a_known_format_needs_a_code():
    with pytest.raises(ValidationError) as error:
        normalise_postal_code(country="DE", postal_code="  ")

    assert error.value.messages == ["Enter the Postleitzahl (postal code)."]


def test_other_countries_take_any_code_or_none():
    assert normalise_postal_code(country="IE", postal_code="d02 x285") == "D02 X285"
    assert normalise_postal_code(country="HK", postal_code="") == ""


def _form(**overrides):
    data = {
        "email": "ada@example.com",
        "name": "Ada Shopper",
        "line1": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
        "shipping_method": "standard",
        **overrides,
    }
    options = [ShippingOption("standard", "Standard (3-5 business days)", Decimal("9.37"), "USD", 3, 5)]
    return CheckoutForm(data, shipping_options=options)


def test_the_checkout_form_stores_the_normalised_code():
    form = _form(country="GB", postal_code="sw1a 1aa", region="")

    assert form.is_valid(), form.errors
    assert form.shipping_address().postal_code == "SW1A 1AA"


def test_the_checkout_form_names_a_bad_code_on_its_field():
    form = _form(country="CA", postal_code="12345", region="ON")

    assert not form.is_valid()
    assert form.errors == {"postal_code": ["“12345” is not a valid postal code for Canada: use the form K1A 0B1."]}


@pytest.mark.django_db  # the quote reads the free-shipping threshold of the home country
def test_a_us_address_needs_a_state():
    form = _form(region="")

    assert not form.is_valid()
    assert form.errors == {"region": ["Enter the state."]}
