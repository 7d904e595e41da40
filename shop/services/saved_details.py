"""A shopper's saved addresses (one default) and cards (at Stripe, on their Customer made on first need)."""

from dataclasses import dataclass

import stripe
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction

from marketplace.transactions import one_statement
from shop.models import SavedAddress, StripeCustomer
from shop.payments import saved_cards_gateway
from shop.services.orders import ShippingAddress

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


class CardNotFound(Exception):
    """No saved card of this shopper has that id (someone else's, removed, or made up)."""


@dataclass(frozen=True)
class SavedCard:
    """What the shopper sees of a card kept at Stripe."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    is_default: bool = False

    @property
    def label(self) -> str:
        return f"{self.brand.title()} •••• {self.last4}"

    @property
    def expiry(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year % 100:02d}"


# ---------------------------------------------------------------------------------- addresses


def save_address(*, user: AbstractBaseUser, address: ShippingAddress, make_default: bool = False) -> SavedAddress:
    """Keep an address; the first one, or one asked to be, becomes the default."""
    with transaction.atomic():
        has_default = SavedAddress.objects.select_for_update().filter(user=user, is_default=True).exists()
        if make_default and has_default:
            SavedAddress.objects.filter(user=user, is_default=True).update(is_default=False)
        return SavedAddress.objects.create(
            user=user,
            is_default=make_default or not has_default,
            **{field: getattr(address, field) for field in ADDRESS_FIELDS},
        )


def set_default_address(*, address: SavedAddress) -> SavedAddress:
    with transaction.atomic():
        SavedAddress.objects.filter(user_id=address.user_id, is_default=True).exclude(pk=address.pk).update(
            is_default=False
        )
        SavedAddress.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


def delete_address(*, address: SavedAddress) -> None:
    """Forget an address; when it was the default, the newest other one becomes the default."""
    with transaction.atomic():
        was_default = address.is_default
        address.delete()
        if was_default:
            newest = SavedAddress.objects.filter(user_id=address.user_id).order_by("-created_at", "-pk").first()
            if newest is not None:
                set_default_address(address=newest)


def as_shipping_address(address: SavedAddress) -> ShippingAddress:
    return ShippingAddress(**{field: str(getattr(address, field)) for field in ADDRESS_FIELDS})


# ---------------------------------------------------------------------------------- Stripe customer and cards


def customer_id_for(user: AbstractBaseUser) -> str:
    """The shopper's Stripe Customer id, made at Stripe the first time (one per shopper, even when racing)."""
    known = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True).first()
    if known:
        return known
    name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    customer = saved_cards_gateway.create_customer(email=user.email, name=name or user.get_username(), user_id=user.pk)
    # A concurrent request that saved it first made the same Customer (the idempotency key is the user's): a
    # clash changes nothing.
    try:
        with one_statement():
            StripeCustomer.objects.create(user=user, customer_id=customer["id"])
    except IntegrityError:
        pass
    return customer["id"]


def known_customer_id(user: AbstractBaseUser) -> str | None:
    """The shopper's Customer id if one was made (no call to Stripe)."""
    if not user.is_authenticated:
        return None
    return StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True).first()


def saved_cards(*, user: AbstractBaseUser) -> list[SavedCard]:
    """The shopper's cards at Stripe: the default first (else the newest), then newest first.

    None (and no call) before they have a Customer.
    """
    customer_id = known_customer_id(user)
    if customer_id is None:
        return []
    methods = saved_cards_gateway.list_cards(customer_id=customer_id)
    if not methods:
        return []
    default = saved_cards_gateway.default_card_id(customer_id=customer_id)
    if default not in {method["id"] for method in methods}:
        default = methods[0]["id"]  # none chosen (or it was removed): the newest one is used
    cards = [_card(method, is_default=method["id"] == default) for method in methods]
    return sorted(cards, key=lambda card: not card.is_default)  # stable: the others stay newest first


def set_default_card(*, user: AbstractBaseUser, payment_method_id: str) -> SavedCard:
    """Make one of the shopper's cards the one "Buy now" pays with; CardNotFound for anyone else's."""
    card = saved_card(user=user, payment_method_id=payment_method_id)
    saved_cards_gateway.set_default_card(customer_id=known_customer_id(user), payment_method_id=card.id)
    return card


def saved_card(*, user: AbstractBaseUser, payment_method_id: str) -> SavedCard:
    """One card of the shopper's; CardNotFound when it is not theirs (or not a card any more)."""
    customer_id = known_customer_id(user)
    if customer_id is None or not payment_method_id.startswith("pm_"):
        raise CardNotFound(payment_method_id)
    try:
        method = saved_cards_gateway.retrieve_payment_method(payment_method_id)
    except stripe.InvalidRequestError as error:
        raise CardNotFound(payment_method_id) from error
    if method.get("customer") != customer_id or method.get("type") != "card":
        raise CardNotFound(payment_method_id)
    return _card(method)


def remove_card(*, user: AbstractBaseUser, payment_method_id: str) -> SavedCard:
    """Detach one of the shopper's cards at Stripe; CardNotFound for anyone else's."""
    card = saved_card(user=user, payment_method_id=payment_method_id)
    saved_cards_gateway.detach_payment_method(payment_method_id)
    return card


def _card(method: dict, *, is_default: bool = False) -> SavedCard:
    card = method["card"]
    return SavedCard(
        id=method["id"],
        brand=card["brand"],
        last4=card["last4"],
        exp_month=int(card["exp_month"]),
        exp_year=int(card["exp_year"]),
        is_default=is_default,
    )
