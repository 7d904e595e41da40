"""Seller API: products, variants, images and stock of the requesting user's seller only."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from fulfillment.models import Stock, StockMovement, Warehouse
from fulfillment.tests.factories import WarehouseFactory, stock_of
from fulfillment.tests.inbound_helpers import run_by
from marketplace.tests.factories import UserFactory
from shop.models import Product, ProductImage, Variant
from shop.services import catalog
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerMemberFactory,
    VariantFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db


PRODUCTS_URL = "/api/v1/seller/products/"


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _not_found(what: str) -> dict:
    return {"code": "not_found", "message": f"No {what} of yours has this id.", "fields": {}}


def _invalid(fields: dict) -> dict:
    return {"code": "invalid", "message": f"Invalid input: {', '.join(fields)}.", "fields": fields}


def _snapshot() -> tuple:
    """Everything the seller API can write, to show that a refused request changed nothing."""
    return (
        list(Product.objects.order_by("pk").values()),
        list(Variant.objects.order_by("pk").values()),
        list(ProductImage.objects.order_by("pk").values()),
        list(Stock.objects.order_by("pk").values()),
        StockMovement.objects.count(),
    )


@pytest.fixture
def other_product(db):
    """A product, variant, image and stock of another seller."""
    product = ProductFactory(title="Not yours")
    variant = VariantFactory(product=product)
    stock_of(variant, WarehouseFactory(code="US-NJ1"), quantity=5)
    ProductImageFactory(product=product)
    return product


# ---------------------------------------------------------------- who may use it


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", PRODUCTS_URL),
        ("post", PRODUCTS_URL),
        ("get", "/api/v1/seller/products/1/"),
        ("delete", "/api/v1/seller/products/1/"),
        ("post", "/api/v1/seller/products/1/variants/"),
        ("patch", "/api/v1/seller/variants/1/"),
        ("post", "/api/v1/seller/products/1/images/"),
        ("delete", "/api/v1/seller/images/1/"),
        ("get", "/api/v1/seller/variants/1/stock/"),
        ("put", "/api/v1/seller/variants/1/stock/US-NJ1/"),
    ],
)
def test_anonymous_and_non_members_are_refused_403(api_client, other_product, method, url):
    before = _snapshot()

    anonymous = getattr(api_client, method)(url, {})
    api_client.force_authenticate(UserFactory())
    shopper = getattr(api_client, method)(url, {})

    assert anonymous.status_code == shopper.status_code == 403
    assert anonymous.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }
    assert shopper.json() == {
        "code": "permission_denied",
        "message": "Only members of a seller can use the seller API.",
        "fields": {},
    }
    assert _snapshot() == before


def test_session_log_in_works_and_writes_need_the_csrf_token(seller_member):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(seller_member.user)

    listed = client.get(PRODUCTS_URL)
    created = client.post(PRODUCTS_URL, {"title": "Hat"}, format="json")

    assert listed.status_code == 200
    assert created.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert created.json()["message"].startswith("CSRF Failed")
    assert not Product.objects.exists()


# ---------------------------------------------------------------- products


def test_list_shows_only_the_sellers_products_with_variants_and_images(seller_api_client, other_product):
    seller = seller_api_client.seller
    category = CategoryFactory()
    product = ProductFactory(seller=seller, category=category, title="Lamp", slug="lamp", status=Product.Status.DRAFT)
    variant = VariantFactory(product=product, sku="LAMP-1", name="White", price=Decimal("30.00"), gtin="")
    stock_of(variant, quantity=2)
    image = ProductImageFactory(product=product, alt_text="Lamp", position=1)
    product.refresh_from_db()
    variant.refresh_from_db()

    response = seller_api_client.get(PRODUCTS_URL)

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": product.pk,
                "slug": "lamp",
                "title": "Lamp",
                "description": "A fine thing.",
                "category": category.pk,
                "status": "draft",
                "is_featured": False,
                "affiliate_commission_rate": "10.00",
                "hs_code": "330499",
                "country_of_origin": "US",
                "customs_description": "Cosmetic",
                "weight_grams": 250,
                "net_weight_grams": None,
                "length_mm": 0,
                "width_mm": 0,
                "height_mm": 0,
                "hazards": [],
                "has_customs_data": True,
                "min_price": "30.00",
                "currency": "USD",
                "available": 2,
                "variants": [
                    {
                        "id": variant.pk,
                        "product": product.pk,
                        "sku": "LAMP-1",
                        "name": "White",
                        "label": "White",
                        "option_values": {},
                        "price": "30.00",
                        "currency": "USD",
                        "compare_at_price": None,
                        "gtin": "",
                        "is_active": True,
                        "position": 0,
                        "hs_code": "",
                        "country_of_origin": "",
                        "customs_description": "",
                        "net_weight_grams": None,
                        "missing_customs_fields": [],
                        "available": 2,
                        "created_at": _iso(variant.created_at),
                        "updated_at": _iso(variant.updated_at),
                    }
                ],
                "images": [
                    {
                        "id": image.pk,
                        "url": f"http://testserver/media/{image.image.name}",
                        "alt_text": "Lamp",
                        "width": 800,
                        "height": 600,
                        "position": 1,
                        "renditions": {},
                    }
                ],
                "created_at": _iso(product.created_at),
                "updated_at": _iso(product.updated_at),
            }
        ],
    }


def test_list_filters_by_status_and_refuses_an_unknown_one(seller_api_client):
    ProductFactory(seller=seller_api_client.seller, slug="on-sale")
    ProductFactory(seller=seller_api_client.seller, slug="old", status=Product.Status.ARCHIVED)

    archived = seller_api_client.get(PRODUCTS_URL, {"status": "archived"})
    unknown = seller_api_client.get(PRODUCTS_URL, {"status": "gone"})

    assert [item["slug"] for item in archived.json()["results"]] == ["old"]
    assert unknown.status_code == 400
    assert unknown.json() == _invalid({"status": ['"gone" is not a valid choice.']})


def _seller_product_with_everything(seller) -> Product:
    product = ProductFactory(seller=seller)
    warehouse = WarehouseFactory()
    for _ in range(2):
        stock_of(VariantFactory(product=product), warehouse=warehouse, quantity=3)
    ProductImageFactory(product=product)
    return product


def test_list_query_count_does_not_grow_with_the_number_of_products(seller_api_client):
    seller = seller_api_client.seller
    _seller_product_with_everything(seller)
    with CaptureQueriesContext(connection) as one:
        assert len(seller_api_client.get(PRODUCTS_URL).json()["results"]) == 1

    for _ in range(29):
        _seller_product_with_everything(seller)
    with CaptureQueriesContext(connection) as many:
        assert len(seller_api_client.get(PRODUCTS_URL).json()["results"]) == 24

    # seller, count, page, images, variants
    assert len(one) == len(many) == 5


def test_create_product_through_the_service(seller_api_client):
    category = CategoryFactory()

    response = seller_api_client.post(
        PRODUCTS_URL,
        {
            "title": "Linen Shirt",
            "description": "Cool in summer.",
            "category": category.pk,
            "status": "active",
            "is_featured": True,  # read-only: the marketplace features products
            "affiliate_commission_rate": "12.5",
            "hs_code": "620520",
            "country_of_origin": "PT",
            "customs_description": "Men's linen shirt",
            "weight_grams": 300,
        },
    )

    assert response.status_code == 201
    product = Product.objects.get()
    assert response.json() == {
        "id": product.pk,
        "slug": "linen-shirt",
        "title": "Linen Shirt",
        "description": "Cool in summer.",
        "category": category.pk,
        "status": "active",
        "is_featured": False,
        "affiliate_commission_rate": "12.50",
        "hs_code": "620520",
        "country_of_origin": "PT",
        "customs_description": "Men's linen shirt",
        "weight_grams": 300,
        "net_weight_grams": None,
        "length_mm": 0,
        "width_mm": 0,
        "height_mm": 0,
        "hazards": [],
        "has_customs_data": True,
        "min_price": None,
        "currency": None,
        "available": 0,
        "variants": [],
        "images": [],
        "created_at": _iso(product.created_at),
        "updated_at": _iso(product.updated_at),
    }
    assert product.seller == seller_api_client.seller
    assert product.is_featured is False


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title": ["This field is required."]}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": ["a", "list"]}, {"title": ["Not a valid string."]}),
        (
            {"title": "Hat", "affiliate_commission_rate": "90"},
            {"affiliate_commission_rate": ["Ensure this value is less than or equal to 80."]},
        ),
        (
            {"title": "Hat", "affiliate_commission_rate": "-1"},
            {"affiliate_commission_rate": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"title": "Hat", "affiliate_commission_rate": "lots"},
            {"affiliate_commission_rate": ["A valid number is required."]},
        ),
        ({"title": "Hat", "category": 99999}, {"category": ['Invalid pk "99999" - object does not exist.']}),
        ({"title": "Hat", "category": "shoes"}, {"category": ["Incorrect type. Expected pk value, received str."]}),
        ({"title": "Hat", "weight_grams": -5}, {"weight_grams": ["Ensure this value is greater than or equal to 0."]}),
        ({"title": "Hat", "weight_grams": "heavy"}, {"weight_grams": ["A valid integer is required."]}),
        (
            {"title": "Hat", "hs_code": "33.04"},
            {"hs_code": ["An HS code has 6 digits, or 8 to 10 with a national extension; this one has 4."]},
        ),
        ({"title": "Hat", "country_of_origin": "XX"}, {"country_of_origin": ['"XX" is not a valid choice.']}),
        ({"title": "Hat", "status": "deleted"}, {"status": ['"deleted" is not a valid choice.']}),
    ],
)
def test_create_product_refuses_bad_input_400_and_creates_nothing(seller_api_client, body, fields):
    response = seller_api_client.post(PRODUCTS_URL, body)

    assert response.status_code == 400
    assert response.json() == _invalid(fields)
    assert not Product.objects.exists()


def test_malformed_json_is_400(seller_api_client):
    response = seller_api_client.post(PRODUCTS_URL, data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Product.objects.exists()


def test_model_validation_errors_from_the_service_become_400_naming_the_fields(seller_api_client, monkeypatch):
    product = ProductFactory(seller=seller_api_client.seller, title="Old")
    before = _snapshot()

    def refuse(*, product, data):
        raise DjangoValidationError({"title": ["Taken."], "__all__": ["Not like this."]})

    monkeypatch.setattr(catalog, "update_product", refuse)
    response = seller_api_client.patch(f"{PRODUCTS_URL}{product.pk}/", {"title": "New"})

    assert response.status_code == 400
    assert response.json() == _invalid({"title": ["Taken."], "non_field_errors": ["Not like this."]})
    assert _snapshot() == before


def test_retrieve_own_product(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller, status=Product.Status.ARCHIVED)

    response = seller_api_client.get(f"{PRODUCTS_URL}{product.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (product.pk, "archived")


def test_partial_update_changes_only_the_given_fields(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller, title="Mug", slug="mug")

    response = seller_api_client.patch(
        f"{PRODUCTS_URL}{product.pk}/", {"affiliate_commission_rate": "20", "category": None}
    )

    assert response.status_code == 200
    assert response.json()["affiliate_commission_rate"] == "20.00"
    assert response.json()["category"] is None
    product.refresh_from_db()
    assert (product.title, product.slug, product.affiliate_commission_rate, product.category) == (
        "Mug",
        "mug",
        Decimal("20.00"),
        None,
    )


def test_full_update_needs_the_title(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller, title="Mug")

    missing = seller_api_client.put(f"{PRODUCTS_URL}{product.pk}/", {"description": "New"})
    replaced = seller_api_client.put(f"{PRODUCTS_URL}{product.pk}/", {"title": "Big mug", "status": "draft"})

    assert missing.status_code == 400
    assert missing.json() == _invalid({"title": ["This field is required."]})
    assert replaced.status_code == 200
    product.refresh_from_db()
    assert (product.title, product.status) == ("Big mug", "draft")


def test_refused_update_changes_nothing(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    before = _snapshot()

    response = seller_api_client.patch(
        f"{PRODUCTS_URL}{product.pk}/", {"title": "Fine", "affiliate_commission_rate": "90"}
    )

    assert response.status_code == 400
    assert response.json() == _invalid(
        {"affiliate_commission_rate": ["Ensure this value is less than or equal to 80."]}
    )
    assert _snapshot() == before


def test_delete_archives_the_product(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    VariantFactory(product=product)

    response = seller_api_client.delete(f"{PRODUCTS_URL}{product.pk}/")

    assert response.status_code == 204
    assert response.content == b""
    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED
    assert product.variants.count() == 1


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("put", "", {"title": "Mine now"}),
        ("patch", "", {"title": "Mine now"}),
        ("delete", "", None),
        ("get", "variants/", None),
        ("post", "variants/", {"sku": "X-1", "price": "1.00"}),
        ("post", "variants/", {"sku": "", "price": "-1"}),
    ],
)
def test_another_sellers_product_is_404_and_unchanged(seller_api_client, other_product, method, suffix, body):
    before = _snapshot()

    response = getattr(seller_api_client, method)(f"{PRODUCTS_URL}{other_product.pk}/{suffix}", body)

    assert response.status_code == 404
    assert response.json() == _not_found("product")
    assert _snapshot() == before


# ---------------------------------------------------------------- variants


def test_variants_of_a_product_are_listed_in_position_order(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    second = VariantFactory(product=product, position=2)
    first = VariantFactory(product=product, position=1, is_active=False)
    VariantFactory(product=ProductFactory(seller=seller_api_client.seller))

    response = seller_api_client.get(f"{PRODUCTS_URL}{product.pk}/variants/")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [first.pk, second.pk]


def test_variant_list_query_count_does_not_grow(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    warehouse = WarehouseFactory()
    url = f"{PRODUCTS_URL}{product.pk}/variants/"
    stock_of(VariantFactory(product=product), warehouse=warehouse)
    with CaptureQueriesContext(connection) as one:
        assert len(seller_api_client.get(url).json()["results"]) == 1

    for _ in range(29):
        stock_of(VariantFactory(product=product), warehouse=warehouse)
    with CaptureQueriesContext(connection) as many:
        assert len(seller_api_client.get(url).json()["results"]) == 24

    # seller, product, count, page
    assert len(one) == len(many) == 4


def test_create_variant_through_the_service(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)

    response = seller_api_client.post(
        f"{PRODUCTS_URL}{product.pk}/variants/",
        {
            "sku": "TEE-RED-M",
            "option_values": {"colour": "Red", "size": "M"},
            "price": "19.90",
            "currency": "EUR",
            "compare_at_price": "24.90",
            "gtin": "4006381333931",
            "position": 3,
        },
    )

    assert response.status_code == 201
    variant = Variant.objects.get()
    assert response.json() == {
        "id": variant.pk,
        "product": product.pk,
        "sku": "TEE-RED-M",
        "name": "",
        "label": "Red / M",
        "option_values": {"colour": "Red", "size": "M"},
        "price": "19.90",
        "currency": "EUR",
        "compare_at_price": "24.90",
        "gtin": "4006381333931",
        "is_active": True,
        "position": 3,
        "hs_code": "",
        "country_of_origin": "",
        "customs_description": "",
        "net_weight_grams": None,
        "missing_customs_fields": [],
        "available": 0,
        "created_at": _iso(variant.created_at),
        "updated_at": _iso(variant.updated_at),
    }
    assert variant.product == product


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"price": "1.00"}, {"sku": ["This field is required."]}),
        ({"sku": "A", "price": "-1.00"}, {"price": ["Ensure this value is greater than or equal to 0.01."]}),
        ({"sku": "A", "price": "0"}, {"price": ["Ensure this value is greater than or equal to 0.01."]}),
        ({"sku": "A", "price": "cheap"}, {"price": ["A valid number is required."]}),
        ({"sku": "A", "price": "1.999"}, {"price": ["Ensure that there are no more than 2 decimal places."]}),
        (
            {"sku": "A", "price": "10000000000.00"},
            {"price": ["Ensure that there are no more than 12 digits in total."]},
        ),
        (
            {"sku": "A", "price": "1.00", "compare_at_price": "-3"},
            {"compare_at_price": ["Ensure this value is greater than or equal to 0.01."]},
        ),
        ({"sku": "A", "price": "1.00", "currency": "XYZ"}, {"currency": ["XYZ is not an ISO 4217 currency code."]}),
        ({"sku": "A", "price": "1.00", "gtin": "4006381333932"}, {"gtin": ["This GTIN's check digit is wrong."]}),
        (
            {"sku": "A", "price": "1.00", "option_values": ["M"]},
            {"option_values": ['Must be an object of option name -> value, e.g. {"size": "M"}.']},
        ),
        (
            {"sku": "A", "price": "1.00", "option_values": {"size": 3}},
            {"option_values": ["Option names and values must be non-empty names and text."]},
        ),
        (
            {"sku": "A", "price": "1.00", "position": -1},
            {"position": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"sku": "A", "price": "1.00", "is_active": "perhaps"}, {"is_active": ["Must be a valid boolean."]}),
        ({"sku": "TAKEN", "price": "1.00"}, {"sku": ["variant with this SKU already exists."]}),
    ],
)
def test_create_variant_refuses_bad_input_400_and_changes_nothing(seller_api_client, body, fields):
    product = ProductFactory(seller=seller_api_client.seller)
    VariantFactory(sku="TAKEN")
    before = _snapshot()

    response = seller_api_client.post(f"{PRODUCTS_URL}{product.pk}/variants/", body)

    assert response.status_code == 400
    assert response.json() == _invalid(fields)
    assert _snapshot() == before


def test_service_validation_reaches_the_client_as_400_one_currency_per_product(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    VariantFactory(product=product, currency="USD")
    before = _snapshot()

    response = seller_api_client.post(
        f"{PRODUCTS_URL}{product.pk}/variants/", {"sku": "EUR-1", "price": "5.00", "currency": "EUR"}
    )

    assert response.status_code == 400
    assert response.json() == _invalid(
        {"currency": ["The other variants of this product are priced in USD; use USD here too."]}
    )
    assert _snapshot() == before


def test_update_variant_and_stop_selling_it(seller_api_client):
    variant = VariantFactory(product=ProductFactory(seller=seller_api_client.seller), sku="MUG-1")
    url = f"/api/v1/seller/variants/{variant.pk}/"

    shown = seller_api_client.get(url)
    patched = seller_api_client.patch(url, {"price": "25.00", "is_active": False})
    replaced = seller_api_client.put(url, {"sku": "MUG-2", "price": "26.00"})

    assert shown.status_code == 200
    assert shown.json()["sku"] == "MUG-1"
    assert patched.status_code == 200
    assert (patched.json()["price"], patched.json()["is_active"]) == ("25.00", False)
    assert replaced.status_code == 200
    variant.refresh_from_db()
    assert (variant.sku, variant.price, variant.is_active) == ("MUG-2", Decimal("26.00"), False)


def test_refused_variant_update_changes_nothing(seller_api_client):
    variant = VariantFactory(product=ProductFactory(seller=seller_api_client.seller))
    before = _snapshot()

    response = seller_api_client.patch(f"/api/v1/seller/variants/{variant.pk}/", {"price": "-1", "name": "New"})

    assert response.status_code == 400
    assert response.json() == _invalid({"price": ["Ensure this value is greater than or equal to 0.01."]})
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("put", "", {"sku": "MINE", "price": "1.00"}),
        ("patch", "", {"price": "1.00"}),
        ("get", "stock/", None),
        ("put", "stock/US-NJ1/", {"quantity": 0}),
        ("put", "stock/US-NJ1/", {"quantity": -1}),
    ],
)
def test_another_sellers_variant_is_404_and_unchanged(seller_api_client, other_product, method, suffix, body):
    variant = other_product.variants.get()
    before = _snapshot()

    response = getattr(seller_api_client, method)(f"/api/v1/seller/variants/{variant.pk}/{suffix}", body)

    assert response.status_code == 404
    assert response.json() == _not_found("variant")
    assert _snapshot() == before


def test_variants_cannot_be_deleted_through_the_api(seller_api_client):
    variant = VariantFactory(product=ProductFactory(seller=seller_api_client.seller))

    response = seller_api_client.delete(f"/api/v1/seller/variants/{variant.pk}/")

    assert response.status_code == 405
    assert Variant.objects.filter(pk=variant.pk).exists()


# ---------------------------------------------------------------- images


def test_upload_image_stores_it_last_and_makes_renditions(seller_api_client, django_capture_on_commit_callbacks):
    product = ProductFactory(seller=seller_api_client.seller, title="Vase")
    ProductImageFactory(product=product, position=4)

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_api_client.post(
            f"{PRODUCTS_URL}{product.pk}/images/",
            {"image": image_upload("vase.png", image_format="PNG"), "alt_text": "Blue vase"},
            format="multipart",
        )

    assert response.status_code == 201
    image = product.images.get(position=5)
    assert response.json() == {
        "id": image.pk,
        "url": f"http://testserver/media/{image.image.name}",
        "alt_text": "Blue vase",
        "width": 800,
        "height": 600,
        "position": 5,
        "renditions": {},
    }
    assert image.image.name.startswith(f"products/{product.pk}/") and image.image.name.endswith(".png")
    assert sorted(image.renditions) == ["jpeg", "webp"]


def test_upload_without_alt_text_uses_the_title(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller, title="Vase")

    response = seller_api_client.post(
        f"{PRODUCTS_URL}{product.pk}/images/", {"image": image_upload()}, format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["alt_text"] == "Vase"


def test_upload_refuses_a_file_that_is_not_an_image(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)
    fake = SimpleUploadedFile("photo.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg")

    response = seller_api_client.post(f"{PRODUCTS_URL}{product.pk}/images/", {"image": fake}, format="multipart")

    assert response.status_code == 400
    assert response.json() == _invalid(
        {"image": ["This file is not an image we can read. Upload a JPEG, PNG, WebP or GIF picture."]}
    )
    assert not ProductImage.objects.exists()


def test_upload_refuses_an_image_over_the_size_limit(seller_api_client, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 1024
    product = ProductFactory(seller=seller_api_client.seller)
    upload = image_upload()
    assert upload.size > 1024

    response = seller_api_client.post(f"{PRODUCTS_URL}{product.pk}/images/", {"image": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json() == _invalid({"image": ["The image is larger than 1.0\xa0KB."]})
    assert not ProductImage.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"image": ["No file was submitted."]}),
        (
            {"image": "not a file"},
            {"image": ["The submitted data was not a file. Check the encoding type on the form."]},
        ),
        ({"image": SimpleUploadedFile("empty.jpg", b"")}, {"image": ["The submitted file is empty."]}),
        (
            {"image": image_upload(), "alt_text": "x" * 201},
            {"alt_text": ["Ensure this field has no more than 200 characters."]},
        ),
    ],
)
def test_upload_refuses_bad_form_input(seller_api_client, body, fields):
    product = ProductFactory(seller=seller_api_client.seller)

    response = seller_api_client.post(f"{PRODUCTS_URL}{product.pk}/images/", body, format="multipart")

    assert response.status_code == 400
    assert response.json() == _invalid(fields)
    assert not ProductImage.objects.exists()


def test_upload_must_be_multipart(seller_api_client):
    product = ProductFactory(seller=seller_api_client.seller)

    response = seller_api_client.post(f"{PRODUCTS_URL}{product.pk}/images/", {"image": "x"}, format="json")

    assert response.status_code == 415
    assert response.json() == {
        "code": "unsupported_media_type",
        "message": 'Unsupported media type "application/json" in request.',
        "fields": {},
    }


def test_upload_to_another_sellers_product_is_404(seller_api_client, other_product):
    before = _snapshot()

    response = seller_api_client.post(
        f"{PRODUCTS_URL}{other_product.pk}/images/", {"image": image_upload()}, format="multipart"
    )

    assert response.status_code == 404
    assert response.json() == _not_found("product")
    assert _snapshot() == before


def test_delete_image(seller_api_client, django_capture_on_commit_callbacks):
    image = ProductImageFactory(product=ProductFactory(seller=seller_api_client.seller))
    storage = image.image.storage
    name = image.image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_api_client.delete(f"/api/v1/seller/images/{image.pk}/")

    assert response.status_code == 204
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert not storage.exists(name)


def test_delete_another_sellers_image_is_404(seller_api_client, other_product):
    image = other_product.images.get()

    response = seller_api_client.delete(f"/api/v1/seller/images/{image.pk}/")

    assert response.status_code == 404
    assert response.json() == _not_found("image")
    assert ProductImage.objects.filter(pk=image.pk).exists()


# ---------------------------------------------------------------- stock


@pytest.fixture
def own_variant(seller_api_client):
    return VariantFactory(product=ProductFactory(seller=seller_api_client.seller))


def test_stock_is_listed_per_fulfillment_warehouse(seller_api_client, own_variant):
    stock_of(own_variant, WarehouseFactory(code="US-NJ1", name="Newark"), quantity=8)
    WarehouseFactory(code="DE-HH1", name="Hamburg")
    stock_of(own_variant, WarehouseFactory(code="OLD", is_active=False), quantity=1)
    WarehouseFactory(code="RET", kind=Warehouse.Kind.RETURNS_CENTRE)
    Stock.objects.filter(warehouse__code="US-NJ1").update(quantity_allocated=2, bin_location="A-1")
    newark = Stock.objects.get(warehouse__code="US-NJ1")

    with CaptureQueriesContext(connection) as queries:
        response = seller_api_client.get(f"/api/v1/seller/variants/{own_variant.pk}/stock/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "warehouse": "DE-HH1",
            "warehouse_name": "Hamburg",
            "quantity": 0,
            "quantity_allocated": 0,
            "quantity_free": 0,
            "bin_location": "",
            "updated_at": None,
            "counted_by": "network",
        },
        {
            "warehouse": "US-NJ1",
            "warehouse_name": "Newark",
            "quantity": 8,
            "quantity_allocated": 2,
            "quantity_free": 6,
            "bin_location": "A-1",
            "updated_at": _iso(newark.updated_at),
            "counted_by": "network",
        },
    ]
    assert len(queries) == 4  # seller, variant, warehouses, stock


def test_set_stock_through_the_stock_service(seller_api_client, seller_member, own_variant):
    WarehouseFactory(code="US-NJ1", name="Newark", **run_by(seller_api_client.seller))
    url = f"/api/v1/seller/variants/{own_variant.pk}/stock/US-NJ1/"

    created = seller_api_client.put(url, {"quantity": 12, "bin_location": "B-7"})
    counted = seller_api_client.put(url, {"quantity": 9})

    assert created.status_code == counted.status_code == 200
    stock = Stock.objects.get()
    assert counted.json() == {
        "warehouse": "US-NJ1",
        "warehouse_name": "Newark",
        "quantity": 9,
        "quantity_allocated": 0,
        "quantity_free": 9,
        "bin_location": "B-7",
        "updated_at": _iso(stock.updated_at),
        "counted_by": "seller",
    }
    assert list(stock.movements.order_by("pk").values_list("reason", "quantity_change", "by", "reference")) == [
        ("counted", 12, seller_member.user.pk, "api"),
        ("counted", -3, seller_member.user.pk, "api"),
    ]


def test_stock_below_the_allocated_units_is_409(seller_api_client, own_variant):
    stock_of(own_variant, WarehouseFactory(code="US-NJ1", **run_by(seller_api_client.seller)), quantity=10)
    Stock.objects.update(quantity_allocated=4)
    before = _snapshot()

    response = seller_api_client.put(f"/api/v1/seller/variants/{own_variant.pk}/stock/US-NJ1/", {"quantity": 3})

    assert response.status_code == 409
    assert response.json() == {
        "code": "insufficient_stock",
        "message": "4 units of this variant at US-NJ1 are allocated to orders; the quantity cannot go below that.",
        "fields": {"quantity": ["Ensure this value is greater than or equal to 4."]},
    }
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"quantity": ["This field is required."]}),
        ({"quantity": -1}, {"quantity": ["Ensure this value is greater than or equal to 0."]}),
        ({"quantity": "many"}, {"quantity": ["A valid integer is required."]}),
        ({"quantity": 2**31}, {"quantity": ["Ensure this value is less than or equal to 2147483647."]}),
        (
            {"quantity": 1, "bin_location": "x" * 33},
            {"bin_location": ["Ensure this field has no more than 32 characters."]},
        ),
    ],
)
def test_set_stock_refuses_bad_input(seller_api_client, own_variant, body, fields):
    WarehouseFactory(code="US-NJ1", **run_by(seller_api_client.seller))
    before = _snapshot()

    response = seller_api_client.put(f"/api/v1/seller/variants/{own_variant.pk}/stock/US-NJ1/", body)

    assert response.status_code == 400
    assert response.json() == _invalid(fields)
    assert _snapshot() == before


@pytest.mark.parametrize("code", ["NOPE", "CLOSED", "RETURNS", "us-nj1"])
def test_set_stock_outside_an_active_fulfillment_warehouse_is_404(seller_api_client, own_variant, code):
    WarehouseFactory(code="US-NJ1", **run_by(seller_api_client.seller))
    WarehouseFactory(code="CLOSED", is_active=False)
    WarehouseFactory(code="RETURNS", kind=Warehouse.Kind.RETURNS_CENTRE)
    before = _snapshot()

    response = seller_api_client.put(f"/api/v1/seller/variants/{own_variant.pk}/stock/{code}/", {"quantity": 5})

    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "message": "No active fulfillment warehouse has this code.",
        "fields": {},
    }
    assert _snapshot() == before


def test_a_member_of_two_sellers_works_for_the_first(api_client):
    first = SellerMemberFactory()
    SellerMemberFactory(user=first.user)
    ProductFactory(seller=first.seller, slug="first")
    api_client.force_authenticate(first.user)

    response = api_client.get(PRODUCTS_URL)

    assert [item["slug"] for item in response.json()["results"]] == ["first"]
