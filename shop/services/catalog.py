"""Writes to the catalog: products and variants, always scoped to the seller that owns them."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.text import slugify

from shop.models import Product, Seller, Variant

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
    "length_mm",
    "width_mm",
    "height_mm",
)
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
)


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


def create_product(*, seller: Seller, data: dict[str, Any]) -> Product:
    """Create a product for the seller; validated as a whole before saving."""
    product = Product(seller=seller)
    _assign(product, PRODUCT_FIELDS, data)
    product.slug = unique_product_slug(product.title)
    product.full_clean()
    product.save()
    return product


def update_product(*, product: Product, data: dict[str, Any]) -> Product:
    """Change a product's fields; validated as a whole before saving."""
    _assign(product, PRODUCT_FIELDS, data)
    product.full_clean()
    product.save()
    return product


def archive_product(*, product: Product) -> Product:
    """Take a product off sale; its history (orders, tags) keeps pointing at it."""
    product.status = Product.Status.ARCHIVED
    product.save(update_fields=["status", "updated_at"])
    return product


def _check_one_currency(variant: Variant) -> None:
    """All variants of a product share one currency, so a product has one comparable price range."""
    siblings = Variant.objects.filter(product_id=variant.product_id).exclude(pk=variant.pk)
    currency = siblings.values_list("currency", flat=True).first()
    if currency is not None and currency != variant.currency:
        raise ValidationError(
            {"currency": f"The other variants of this product are priced in {currency}; use {currency} here too."}
        )


def create_variant(*, product: Product, data: dict[str, Any]) -> Variant:
    variant = Variant(product=product)
    _assign(variant, VARIANT_FIELDS, data)
    variant.full_clean()
    _check_one_currency(variant)
    variant.save()
    return variant


def update_variant(*, variant: Variant, data: dict[str, Any]) -> Variant:
    _assign(variant, VARIANT_FIELDS, data)
    variant.full_clean()
    _check_one_currency(variant)
    variant.save()
    return variant


@transaction.atomic
def deactivate_variant(*, variant: Variant) -> Variant:
    """Stop selling a variant; it stays for past orders."""
    variant.is_active = False
    variant.save(update_fields=["is_active", "updated_at"])
    return variant
