"""Writes to the catalog: products and variants, scoped to the seller that owns them (staff: any seller's).

A change to customs data is announced (`shop.customs_data_changed`): fulfillment's copy of lines still to
ship takes it, so staff can release what was held for want of it.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from shop import events
from shop.models import Product, Seller, Variant
from shop.signals import announce_product_shown_changed

PRODUCT_FIELDS = (
    "title",
    "description",
    "category",
    "status",
    "is_featured",
    "affiliate_commission_rate",
    "hs_code",
    "country_of_origin",
    "customs_description",
    "weight_grams",
    "net_weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "hazards",
)
# Staff also choose a product's slug and may move it to another seller.
STAFF_PRODUCT_FIELDS = (*PRODUCT_FIELDS, "seller", "slug")
VARIANT_FIELDS = (
    "sku",
    "name",
    "option_values",
    "price",
    "currency",
    "compare_at_price",
    "gtin",
    "is_active",
    "position",
    "hs_code",
    "country_of_origin",
    "customs_description",
    "net_weight_grams",
)
# What a customs declaration reads, on the product and (as overrides) on its variants.
PRODUCT_CUSTOMS_FIELDS = ("hs_code", "country_of_origin", "customs_description", "weight_grams", "net_weight_grams")
VARIANT_CUSTOMS_FIELDS = ("hs_code", "country_of_origin", "customs_description", "net_weight_grams")


def unique_product_slug(title: str, *, exclude_pk: int | None = None) -> str:
    """A slug from the title, with a short random suffix when taken."""
    base = slugify(title)[:200] or "product"
    slug = base
    taken = Product.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        slug = f"{base}-{get_random_string(5, 'abcdefghijkmnpqrstuvwxyz23456789')}"
    return slug


def _assign(instance: Any, fields: tuple[str, ...], data: dict[str, Any]) -> None:
    unknown = set(data) - set(fields)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(instance, name, value)


def create_product(*, seller: Seller, data: dict[str, Any], slug: str | None = None) -> Product:
    """Create a product for the seller; validated as a whole before saving.

    The slug comes from the title unless staff chose one (it must then be free).
    """
    product = Product(seller=seller)
    _assign(product, PRODUCT_FIELDS, data)
    product.slug = slug or unique_product_slug(product.title)
    product.full_clean()
    product.save()
    return product


def _customs(instance: Product | Variant, fields: tuple[str, ...]) -> tuple:
    return tuple(str(getattr(instance, name) or "") for name in fields)


def _stored_customs(instance: Product | Variant, fields: tuple[str, ...]) -> tuple:
    """The customs fields as stored (the admin hands over an instance its form has changed already)."""
    stored = type(instance).objects.filter(pk=instance.pk).values_list(*fields).first() or ()
    return tuple(str(value or "") for value in stored)


def _save_product(product: Product, fields: tuple[str, ...], data: dict[str, Any]) -> Product:
    _assign(product, fields, data)
    product.full_clean()
    with transaction.atomic():
        before = _stored_customs(product, PRODUCT_CUSTOMS_FIELDS)
        product.save()
        announce_product_shown_changed(product_ids=[product.pk])
        if _customs(product, PRODUCT_CUSTOMS_FIELDS) != before:
            events.customs_data_changed.publish(variant_ids=list(product.variants.values_list("pk", flat=True)))
    return product


def update_product(*, product: Product, data: dict[str, Any]) -> Product:
    """Change a product's fields; validated as a whole before saving."""
    return _save_product(product, PRODUCT_FIELDS, data)


def staff_update_product(*, product: Product, data: dict[str, Any]) -> Product:
    """Change any seller's product as staff: its fields, its slug and its seller; validated as a whole."""
    return _save_product(product, STAFF_PRODUCT_FIELDS, data)


def archive_product(*, product: Product) -> Product:
    """Take a product off sale; its history (orders, tags) keeps pointing at it."""
    product.status = Product.Status.ARCHIVED
    with transaction.atomic():
        product.save(update_fields=["status", "updated_at"])
        announce_product_shown_changed(product_ids=[product.pk])
    return product


def check_one_currency(
    *, product_id: int | None, currency: str, variant_id: int | None = None, alongside: Iterable[str] = ()
) -> None:
    """Refuse a variant priced in another currency than the product's other variants.

    All variants of a product share one currency, so a product has one comparable price range.
    `variant_id` is the variant being changed (its stored price does not count); `alongside` are the
    currencies of the product's other variants saved in the same step (the rows of one admin page).
    """
    siblings = (
        Variant.objects.filter(product_id=product_id).exclude(pk=variant_id) if product_id else Variant.objects.none()
    )
    others = sorted({*siblings.values_list("currency", flat=True), *alongside} - {currency})
    if len(others) == 1:
        raise ValidationError(
            {"currency": f"The other variants of this product are priced in {others[0]}; use {others[0]} here too."}
        )
    if others:
        raise ValidationError(
            {"currency": f"The other variants of this product are priced in {' and '.join(others)}: one currency only."}
        )


def create_variant(*, product: Product, data: dict[str, Any]) -> Variant:
    """Add a variant to a product; validated as a whole, in the product's one currency."""
    variant = Variant(product=product)
    _assign(variant, VARIANT_FIELDS, data)
    variant.full_clean()
    check_one_currency(product_id=product.pk, currency=variant.currency)
    with transaction.atomic():
        variant.save()
        announce_product_shown_changed(product_ids=[product.pk])
    return variant


def update_variant(*, variant: Variant, data: dict[str, Any]) -> Variant:
    """Change a variant's fields; validated as a whole, in the product's one currency."""
    _assign(variant, VARIANT_FIELDS, data)
    variant.full_clean()
    check_one_currency(product_id=variant.product_id, currency=variant.currency, variant_id=variant.pk)
    with transaction.atomic():
        before = _stored_customs(variant, VARIANT_CUSTOMS_FIELDS)
        variant.save()
        announce_product_shown_changed(product_ids=[variant.product_id])
        if _customs(variant, VARIANT_CUSTOMS_FIELDS) != before:
            events.customs_data_changed.publish(variant_ids=[variant.pk])
    return variant


@transaction.atomic
def deactivate_variant(*, variant: Variant) -> Variant:
    """Stop selling a variant; it stays for past orders."""
    variant.is_active = False
    variant.save(update_fields=["is_active", "updated_at"])
    announce_product_shown_changed(product_ids=[variant.product_id])
    return variant
