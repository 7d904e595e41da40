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
