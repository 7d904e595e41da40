"""Writes to a seller's customs profile (the exporter on their customs declarations)."""

from typing import Any

from shop.models import Seller, SellerCustomsProfile
from shop.selectors import customs_profile_of

CUSTOMS_PROFILE_FIELDS = (
    "exporter_name",
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "eori_number",
    "vat_number",
    "ioss_number",
)


def save_customs_profile(*, seller: Seller, data: dict[str, Any]) -> SellerCustomsProfile:
    """Create or change the seller's customs profile; validated as a whole (EORI and IOSS formats) before saving.

    `data` may hold only the fields that change (a partial update) when the profile exists.
    """
    unknown = set(data) - set(CUSTOMS_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    profile = customs_profile_of(seller=seller) or SellerCustomsProfile(seller=seller)
    for name, value in data.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile
