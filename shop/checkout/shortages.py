"""Sold-out and short cart lines in the shopper's words."""

from fulfillment.services.stock import InsufficientStock
from shop.models import Variant


def variant_name(variant: Variant) -> str:
    """“Green tea — Large”, or the product title alone for a product with one unnamed variant."""
    return f"{variant.product.title} — {variant.label}" if variant.label else variant.product.title


def describe_shortages(error: InsufficientStock) -> list[str]:
    """One sentence per short line, naming the item, what is left and what was asked for."""
    variants = Variant.objects.select_related("product").in_bulk([line.variant_id for line in error.lines])
    sentences = []
    for line in error.lines:
        variant = variants.get(line.variant_id)
        name = variant_name(variant) if variant else "An item"
        if line.available <= 0:
            sentences.append(f"{name} is sold out; you asked for {line.requested}.")
        else:
            sentences.append(f"Only {line.available} of {name} is left; you asked for {line.requested}.")
    return sentences
