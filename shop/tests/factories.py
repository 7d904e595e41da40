import io
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from marketplace.tests.factories import UserFactory
from shop.models import Category, Product, ProductImage, Seller, SellerMember, Variant


def image_upload(
    name: str = "photo.jpg", size: tuple[int, int] = (800, 600), image_format: str = "JPEG"
) -> SimpleUploadedFile:
    """A real image file made in memory, as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 80)).save(buffer, image_format)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    name = factory.Sequence(lambda n: f"Seller {n}")
    slug = factory.Sequence(lambda n: f"seller-{n}")
    country = "US"
    support_email = factory.LazyAttribute(lambda seller: f"help@{seller.slug}.example.com")


class SellerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerMember

    seller = factory.SubFactory(SellerFactory)
    user = factory.SubFactory(UserFactory)
    role = SellerMember.Role.OWNER


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    seller = factory.SubFactory(SellerFactory)
    title = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine thing."
    category = factory.SubFactory(CategoryFactory)
    status = Product.Status.ACTIVE
    affiliate_commission_rate = Decimal("10.00")
    hs_code = "330499"
    country_of_origin = "US"
    customs_description = "Cosmetic"
    weight_grams = 250


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Option {n}")
    price = Decimal("19.99")
    currency = "USD"


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    image = factory.LazyFunction(image_upload)
    alt_text = "Product photo"
    position = factory.Sequence(lambda n: n)


def _new_york():
    from shop.services.orders import ShippingAddress

    return ShippingAddress(name="Ada Lovelace", line1="1 Main St", city="New York", country="US", postal_code="10118")


def cart_shipping(cart, *, country: str = "US", postal_code: str = "", code: str | None = None):
    """The method checkout would quote for the cart (the cheapest, or `code`), priced by the carriers' tables."""
    from shop.services.shipping import quote_shipping, shipping_items

    lines = list(cart.lines.select_related("variant__product").order_by("pk"))
    options = quote_shipping(
        items=shipping_items((line.variant, line.quantity) for line in lines),
        country=country,
        postal_code=postal_code,
        subtotal=sum((line.variant.price * line.quantity for line in lines), Decimal("0")),
        currency=lines[0].variant.currency,
    )
    return next(option for option in options if code is None or option.code == code)


def paid_order(*items, address=None, email: str = "ada@example.com", user=None, shipping_code: str | None = None):
    """A paid order for (variant, quantity) items, as checkout and the webhook would leave it (stock held)."""
    import uuid

    from fulfillment.services.stock import hold_reservations
    from shop.models import Cart, CartLine, Order, OrderEvent
    from shop.services.orders import claims_of, place_order, set_order_status

    cart = Cart.objects.create(user=user) if user is not None else Cart.objects.create(session_key=uuid.uuid4().hex)
    for variant, quantity in items:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    address = address or _new_york()
    shipping = cart_shipping(cart, country=address.country, postal_code=address.postal_code, code=shipping_code)
    order = place_order(cart=cart, email=email, address=address, shipping=shipping, user=user)
    hold_reservations(claims=claims_of(list(order.lines.all())))
    set_order_status(order=order, to=Order.Status.PAID, kind=OrderEvent.Kind.PAID)
    return order
