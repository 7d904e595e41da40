"""Models of the shop app, one module per concern."""

from shop.models.cart import Cart, CartLine
from shop.models.catalog import (
    OPTION_ORDER,
    Category,
    Product,
    ProductImage,
    Seller,
    SellerMember,
    Variant,
    product_image_path,
)
from shop.models.customs import SellerCustomsProfile
from shop.models.local_stripe import LocalStripeIdempotencyKey, LocalStripeObject
from shop.models.orders import Order, OrderEvent, OrderLine, SentEmail
from shop.models.payments import Payment, Refund, StripeEvent

__all__ = [
    "OPTION_ORDER",
    "Cart",
    "CartLine",
    "Category",
    "LocalStripeIdempotencyKey",
    "LocalStripeObject",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "Product",
    "ProductImage",
    "Refund",
    "Seller",
    "SellerCustomsProfile",
    "SellerMember",
    "SentEmail",
    "StripeEvent",
    "Variant",
    "product_image_path",
]
