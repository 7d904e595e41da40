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
from shop.models.landed_cost import DeMinimis, DutyRate, ExchangeRate, TaxRate
from shop.models.ledger import JournalEntry, JournalLine, LedgerAccount, ReconciliationReport
from shop.models.local_stripe import LocalStripeIdempotencyKey, LocalStripeObject
from shop.models.orders import Order, OrderEvent, OrderLine, SentEmail
from shop.models.payments import Payment, Refund, StripeEvent
from shop.models.returns import (
    CLAIMING_RETURN_STATUSES,
    OPEN_RETURN_STATUSES,
    ReturnLine,
    ReturnPhoto,
    ReturnRequest,
)
from shop.models.reviews import Review, ReviewPhoto, ReviewReport, review_photo_path
from shop.models.saved_details import BuyNowRequest, SavedAddress, StripeCustomer
from shop.models.seller_money import (
    FulfillmentFee,
    LineSettlementTerms,
    SellerPaymentAccount,
    SellerTransfer,
    TakeRate,
)
from shop.models.shipping import FreeShippingThreshold

__all__ = [
    "CLAIMING_RETURN_STATUSES",
    "OPEN_RETURN_STATUSES",
    "OPTION_ORDER",
    "BuyNowRequest",
    "Cart",
    "CartLine",
    "Category",
    "DeMinimis",
    "DutyRate",
    "ExchangeRate",
    "FreeShippingThreshold",
    "FulfillmentFee",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "LineSettlementTerms",
    "LocalStripeIdempotencyKey",
    "LocalStripeObject",
    "Order",
    "OrderEvent",
    "OrderLine",
    "Payment",
    "Product",
    "ProductImage",
    "ReconciliationReport",
    "Refund",
    "ReturnLine",
    "ReturnPhoto",
    "ReturnRequest",
    "Review",
    "ReviewPhoto",
    "ReviewReport",
    "SavedAddress",
    "Seller",
    "SellerCustomsProfile",
    "SellerMember",
    "SellerPaymentAccount",
    "SellerTransfer",
    "SentEmail",
    "StripeCustomer",
    "StripeEvent",
    "TakeRate",
    "TaxRate",
    "Variant",
    "product_image_path",
    "review_photo_path",
]
