"""Can a variant be sold to a country, and if not, why: the question the product page and checkout share.

Two things stop it:
- customs data: a variant crossing a border (to a country where no fulfillment centre holds it) needs an
  HS code, origin, description and net weight (shop.customs);
- restricted items: the product's hazard flags against fulfillment's rule table, for the kind of service
  (air or ground) the shipping method uses.

Where a variant ships from: the countries of the active fulfillment centres holding it; held nowhere, the
seller's customs profile country, else the seller's country, else the shop's home country.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django_countries import countries

from fulfillment.models import ServiceKind
from fulfillment.restrictions import RestrictionRule, refusing_rules, restriction_rules, service_kind_for
from fulfillment.selectors import stock_countries
from shop.customs import describe_missing, missing_customs_fields
from shop.models import Seller, SellerCustomsProfile, Variant

MISSING_CUSTOMS_DATA = "missing_customs_data"
RESTRICTED_ITEM = "restricted_item"
# The shop's shipping methods as a shopper knows them (shop.services.shipping offers both everywhere).
SHIPPING_METHODS = {"standard": "Standard", "express": "Express"}
HOW_IT_TRAVELS = {ServiceKind.AIR: "it flies", ServiceKind.GROUND: "it goes by road"}


@dataclass(frozen=True)
class ShippingProblem:
    """Why one variant cannot go to the destination (by the method asked about), in the shopper's words."""

    variant_id: int
    item: str  # "Rose Mist Spray — 100 ml"
    code: str  # MISSING_CUSTOMS_DATA or RESTRICTED_ITEM
    reason: str  # the sentence without the item: "Aerosols are refused on air services."
    message: str  # the whole sentence, naming the item and the country


def item_name(variant: Variant) -> str:
    """“Green tea — Large”, or the product title alone for a variant without a label."""
    return f"{variant.product.title} — {variant.label}" if variant.label else variant.product.title


def fallback_origin(seller: Seller | None) -> str:
    """Where a seller's goods ship from when no warehouse holds them (needs `customs_profile` loaded or loadable)."""
    if seller is not None:
        try:
            profile = seller.customs_profile
        except SellerCustomsProfile.DoesNotExist:
            profile = None
        if profile is not None and profile.country:
            return str(profile.country)
        if seller.country:
            return str(seller.country)
    return settings.SHOP_HOME_COUNTRY


@dataclass(frozen=True)
class ShippingCheck:
    """What decides whether these variants can go to `destination`: where each ships from, and the rules in effect."""

    destination: str
    origins: dict[int, frozenset[str]]
    rules: tuple[RestrictionRule, ...]

    @property
    def destination_name(self) -> str:
        return countries.name(self.destination) or self.destination

    def is_domestic(self, variant: Variant) -> bool:
        return self.destination in self.origins.get(variant.pk, frozenset())

    def refusals(self, variant: Variant, *, service_kind: str) -> list[RestrictionRule]:
        """The rules refusing the variant's hazards to the destination by this kind of service."""
        hazards = variant.product.hazards or []
        if not hazards:
            return []
        return refusing_rules(self.rules, hazards=hazards, destination=self.destination, service_kind=service_kind)

    def problems(self, variant: Variant, *, shipping_method: str) -> list[ShippingProblem]:
        """Why the variant cannot go by this shipping method (empty: it can)."""
        item, country = item_name(variant), self.destination_name
        found = []
        domestic = self.is_domestic(variant)
        missing = [] if domestic else missing_customs_fields(variant)
        if missing:
            reason = f"its seller has not given its {describe_missing(missing)} for customs yet."
            found.append(
                ShippingProblem(
                    variant_id=variant.pk,
                    item=item,
                    code=MISSING_CUSTOMS_DATA,
                    reason=reason[0].upper() + reason[1:],
                    message=f"{item} cannot be shipped to {country}: {reason}",
                )
            )
        kind = service_kind_for(shipping_method=shipping_method, domestic=domestic)
        method = SHIPPING_METHODS.get(shipping_method, shipping_method)
        for rule in self.refusals(variant, service_kind=kind):
            found.append(
                ShippingProblem(
                    variant_id=variant.pk,
                    item=item,
                    code=RESTRICTED_ITEM,
                    reason=rule.note,
                    message=f"{item} cannot be shipped to {country} by {method} shipping ({HOW_IT_TRAVELS[kind]}): "
                    f"{rule.note}",
                )
            )
        return found


def shipping_check(
    *,
    variants: Sequence[Variant],
    destination: str,
    all_destinations: bool = False,
    on: dt.date | None = None,
    held: dict[int, set[str]] | None = None,
) -> ShippingCheck:
    """Load what decides for these variants (with `product__seller__customs_profile` loaded): two queries at most.

    `all_destinations` loads every country's rules for their hazards (the product page lists where it cannot go).
    `held`: the variants' `stock_countries`, when the caller has them (one query less).
    """
    if held is None:
        held = stock_countries(variant_ids=[variant.pk for variant in variants])
    origins = {
        variant.pk: frozenset(held.get(variant.pk) or {fallback_origin(variant.product.seller)}) for variant in variants
    }
    hazards = {hazard for variant in variants for hazard in (variant.product.hazards or [])}
    rules = restriction_rules(hazards=hazards, destinations=None if all_destinations else [destination], on=on)
    return ShippingCheck(destination=destination, origins=origins, rules=tuple(rules))


def shipping_problems(
    *,
    variants: Iterable[Variant],
    destination: str,
    shipping_method: str,
    on: dt.date | None = None,
    held: dict[int, set[str]] | None = None,
) -> list[ShippingProblem]:
    """Why any of these variants cannot be shipped to `destination` by `shipping_method` (empty: all can)."""
    variants = list(variants)
    check = shipping_check(variants=variants, destination=destination, on=on, held=held)
    return [problem for variant in variants for problem in check.problems(variant, shipping_method=shipping_method)]


# --- the product page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductShipping:
    """What a product page says about shipping to the shopper's country, and where the product can never go."""

    destination: str
    destination_name: str
    cannot_ship: list[str]  # sentences: this product (or some options) cannot be shipped there at all
    limited: list[str]  # sentences: only some methods can take it there
    never: list[str]  # "To every country by air services: Aerosols are ..." (the rules refusing its hazards)

    @property
    def ships(self) -> bool:
        return not self.cannot_ship


def _subject(labels: list[str], total: int) -> str:
    if len(labels) == total:
        return "This product"
    quoted = [f"“{label}”" for label in labels]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _object(labels: list[str], total: int) -> str:
    return "this product" if len(labels) == total else _subject(labels, total)


def product_shipping(*, variants: Sequence[Variant], destination: str, on: dt.date | None = None) -> ProductShipping:
    """The product page's shipping notice for its active variants (each with `product__seller` loaded); two queries.

    An option cannot be shipped when every method is refused for it; a method refused while another
    one works is named as a limit.
    """
    check = shipping_check(variants=variants, destination=destination, all_destinations=True, on=on)
    country = check.destination_name
    cannot: dict[str, list[str]] = {}
    limited: dict[tuple[str, str], list[str]] = {}
    for variant in variants:
        label = variant.label or variant.product.title
        by_method = {code: check.problems(variant, shipping_method=code) for code in SHIPPING_METHODS}
        if all(by_method.values()):
            reasons: dict[str, None] = {}
            for problem in (problem for problems in by_method.values() for problem in problems):
                reasons[problem.reason] = None
                if problem.code == MISSING_CUSTOMS_DATA:  # right after it: "until then" is about the data
                    within = ", ".join(sorted(countries.name(code) or code for code in check.origins[variant.pk]))
                    reasons[f"Until then it ships only within {within}."] = None
            cannot.setdefault(" ".join(reasons), []).append(label)
            continue
        for code, problems in by_method.items():
            for reason in dict.fromkeys(problem.reason for problem in problems):
                limited.setdefault((SHIPPING_METHODS[code], reason), []).append(label)
    total = len(variants)
    never = sorted(
        {
            f"{rule.where[0].upper()}{rule.where[1:]}: {rule.note}"
            for variant in variants
            for rule in check.rules
            if rule.hazard in (variant.product.hazards or []) and not rule.allowed
        }
    )
    return ProductShipping(
        destination=destination,
        destination_name=country,
        cannot_ship=[
            f"{_subject(labels, total)} cannot be shipped to {country}: {reason[0].lower()}{reason[1:]}"
            for reason, labels in cannot.items()
        ],
        limited=[
            f"{method} shipping to {country} is not available for {_object(labels, total)}: {reason}"
            for (method, reason), labels in limited.items()
        ],
        never=never,
    )
