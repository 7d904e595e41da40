from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from shop.models import Product, Variant
from shop.services.catalog import create_product, create_variant
from shop.tests.factories import ProductFactory, SellerFactory, VariantFactory
from shop.validators import gtin_check_digit

pytestmark = pytest.mark.django_db


def test_commission_above_80_percent_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(affiliate_commission_rate=Decimal("80.01"))


def test_price_must_be_positive_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        VariantFactory(price=Decimal("0"))


def test_sku_is_unique():
    VariantFactory(sku="ABC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        VariantFactory(sku="ABC-1")


def test_create_product_gives_a_unique_slug_and_validates_fields():
    seller = SellerFactory()
    first = create_product(seller=seller, data={"title": "Silk Scarf"})
    second = create_product(seller=seller, data={"title": "Silk Scarf"})
    assert first.slug == "silk-scarf"
    assert second.slug.startswith("silk-scarf-") and second.slug != first.slug

    with pytest.raises(ValidationError) as error:
        create_product(seller=seller, data={"title": "Bad", "hs_code": "12", "affiliate_commission_rate": Decimal(90)})
    assert set(error.value.message_dict) == {"hs_code", "affiliate_commission_rate"}
    assert Product.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "XYZ"), ("gtin", "4006381333932"), ("gtin", "12345"), ("price", Decimal("-1"))],
)
def test_variant_validation_names_the_bad_field(field, value):
    product = ProductFactory()
    data = {"sku": "NEW-1", "price": Decimal("5.00"), "currency": "USD", field: value}

    with pytest.raises(ValidationError) as error:
        create_variant(product=product, data=data)

    assert field in error.value.message_dict
    assert not Variant.objects.filter(sku="NEW-1").exists()


def test_a_valid_gtin_is_accepted():
    body = "400638133393"
    variant = create_variant(
        product=ProductFactory(),
        data={"sku": "G-1", "price": Decimal("1.50"), "gtin": body + str(gtin_check_digit(body))},
    )
    assert variant.gtin == "4006381333931"


def test_unknown_fields_are_a_programming_error():
    with pytest.raises(TypeError, match="seller"):
        create_product(seller=SellerFactory(), data={"title": "x", "seller": None})


def test_all_variants_of_a_product_share_one_currency():
    variant = VariantFactory(currency="USD")

    with pytest.raises(ValidationError) as error:
        create_variant(product=variant.product, data={"sku": "EUR-1", "price": Decimal("5.00"), "currency": "EUR"})

    assert "priced in USD" in error.value.message_dict["currency"][0]
    assert not Variant.objects.filter(sku="EUR-1").exists()
