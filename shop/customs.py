"""A variant's customs data, falling back to its product's: the one reading the page, checkout and fulfillment share.

A variant's own HS code, origin, description and net weight win where given; a blank one takes the
product's; the net weight finally falls back to the product's packed weight. Reads only what is loaded:
pass variants with their product (`select_related("product")`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from shop.models import Variant

# Field names as the seller edits them, and the words a page uses for each.
CUSTOMS_FIELDS = {
    "hs_code": "HS code",
    "country_of_origin": "country of origin",
    "customs_description": "customs description",
    "net_weight_grams": "net weight",
}


@dataclass(frozen=True)
class CustomsData:
    """What a customs declaration says of one unit of a variant (possibly incomplete: see `is_complete`)."""

    hs_code: str
    country_of_origin: str
    customs_description: str
    net_weight_grams: int

    @property
    def missing(self) -> list[str]:
        """Names of the fields still empty, in CUSTOMS_FIELDS order."""
        return [name for name in CUSTOMS_FIELDS if not getattr(self, name)]

    @property
    def is_complete(self) -> bool:
        return not self.missing


def effective_customs_data(variant: Variant) -> CustomsData:
    """The variant's customs data with the product's where the variant leaves a field blank; may be incomplete."""
    product = variant.product
    return CustomsData(
        hs_code=variant.hs_code or product.hs_code,
        country_of_origin=str(variant.country_of_origin or product.country_of_origin or ""),
        customs_description=(variant.customs_description or product.customs_description).strip(),
        net_weight_grams=variant.net_weight_grams or product.net_weight_grams or product.weight_grams or 0,
    )


def customs_data_of(variant: Variant) -> CustomsData | None:
    """The variant's complete customs data (with the product's fallbacks), or None when something is missing."""
    data = effective_customs_data(variant)
    return data if data.is_complete else None


def missing_customs_fields(variant: Variant) -> list[str]:
    """Names of the customs fields neither the variant nor its product gives (empty: it can be declared)."""
    return effective_customs_data(variant).missing


def describe_missing(fields: Iterable[str]) -> str:
    """ "HS code and country of origin", for a sentence."""
    words = [CUSTOMS_FIELDS[name] for name in fields]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def customs_by_variant(*, variant_ids: Iterable[int]) -> dict[int, CustomsData]:
    """Effective customs data per variant id (complete or not), in one query."""
    variants = Variant.objects.filter(pk__in=sorted(set(variant_ids))).select_related("product")
    return {variant.pk: effective_customs_data(variant) for variant in variants}
