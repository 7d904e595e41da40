"""Stripe's test cards and what each does; a pure function of the number, unit-tested without a database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CardOutcome:
    paid: bool
    brand: str
    funding: str = "credit"
    code: str = ""
    decline_code: str = ""
    message: str = ""


def _declined(decline_code: str, message: str = "Your card was declined.", code: str = "card_declined") -> CardOutcome:
    return CardOutcome(paid=False, brand="visa", code=code, decline_code=decline_code, message=message)


# https://docs.stripe.com/testing#cards and #declined-payments
TEST_CARDS: dict[str, CardOutcome] = {
    "4242424242424242": CardOutcome(paid=True, brand="visa"),
    "4000056655665556": CardOutcome(paid=True, brand="visa", funding="debit"),
    "5555555555554444": CardOutcome(paid=True, brand="mastercard"),
    "2223003122003222": CardOutcome(paid=True, brand="mastercard"),
    "5200828282828210": CardOutcome(paid=True, brand="mastercard", funding="debit"),
    "378282246310005": CardOutcome(paid=True, brand="amex"),
    "6011111111111117": CardOutcome(paid=True, brand="discover"),
    "4000000000000002": _declined("generic_decline"),
    "4000000000009995": _declined("insufficient_funds", "Your card has insufficient funds."),
    "4000000000009987": _declined("lost_card"),
    "4000000000009979": _declined("stolen_card"),
    "4000000000000069": _declined("expired_card", "Your card has expired.", code="expired_card"),
    "4000000000000127": _declined("incorrect_cvc", "Your card's security code is incorrect.", code="incorrect_cvc"),
    "4000000000000119": _declined(
        "processing_error", "An error occurred while processing your card. Try again in a little bit.",
        code="processing_error",
    ),
    "4000002500003155": _declined(
        "authentication_required",
        "Your card was declined. This transaction requires authentication, which the local stand-in does not "
        "simulate: use 4242 4242 4242 4242.",
        code="authentication_required",
    ),
}  # fmt: skip

INVALID_NUMBER = CardOutcome(
    paid=False, brand="unknown", code="incorrect_number", message="Your card number is invalid."
)
REAL_CARD = _declined(
    "test_mode_live_card",
    "Your card was declined. Your request was in test mode, but used a non test (live) card. "
    "For a list of valid test cards, visit: https://stripe.com/docs/testing.",
)


def normalise_number(number: str) -> str:
    return "".join(character for character in number if not character.isspace() and character != "-")


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_outcome(number: str) -> CardOutcome:
    """What paying with this card number does: pays, is declined (and why), or is not a card number."""
    digits = normalise_number(number)
    if not luhn_valid(digits):
        return INVALID_NUMBER
    return TEST_CARDS.get(digits, REAL_CARD)
