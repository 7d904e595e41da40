import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from fulfillment.models import FulfillmentOrder, Stock, StockMovement, Warehouse
from fulfillment.selectors import available_by_variant, stock_ledger_mismatches
from shop import demo
from shop.models import (
    Category,
    Product,
    ProductImage,
    ReturnRequest,
    Review,
    ReviewPhoto,
    SavedAddress,
    Seller,
    SellerCustomsProfile,
    SellerMember,
    Variant,
)
from shop.services.saved_details import saved_cards
from shop.validators import validate_gtin

SEEDED_MODELS = (
    get_user_model(),
    Seller,
    SellerMember,
    Category,
    Product,
    Variant,
    ProductImage,
    Warehouse,
    Stock,
    StockMovement,
    ReturnRequest,
)


def _seed(django_capture_on_commit_callbacks, *args: str) -> str:
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the renditions, queued on commit
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


# --- the plan, without the database ----------------------------------------------------------------


def test_plan_is_the_same_every_time():
    assert demo.plan_catalog() == demo.plan_catalog()


def test_plan_has_valid_unique_identifiers_and_prices():
    plans = demo.plan_catalog()
    variants = [variant for plan in plans for variant in plan.variants]

    assert len(plans) >= 60
    assert len({plan.slug for plan in plans}) == len(plans)
    assert len({variant.sku for variant in variants}) == len(variants)
    assert len({variant.gtin for variant in variants}) == len(variants)
    for variant in variants:
        validate_gtin(variant.gtin)
        assert len(variant.gtin) == 13
        assert variant.price > 0
        assert variant.compare_at_price is None or variant.compare_at_price > variant.price
        assert variant.option_values
    assert all(1 <= len(plan.variants) <= 4 for plan in plans)
    assert all(1 <= len(plan.images) <= 3 for plan in plans)


def test_picture_is_a_jpeg_of_the_configured_size():
    from PIL import Image

    content = demo.picture(
        title="Dew Drop Serum", caption="Glow Theory", category="skincare", palette=0, view=0, tilt=0
    )

    with Image.open(io.BytesIO(content)) as image:
        assert (image.format, image.size) == ("JPEG", (demo.IMAGE_SIZE, demo.IMAGE_SIZE))


# --- the command ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--products", "1", stdout=io.StringIO())

    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
def test_small_seed_twice_adds_nothing_the_second_time(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True

    first = _seed(django_capture_on_commit_callbacks, "--products", "5")
    counts = _counts()
    second = _seed(django_capture_on_commit_callbacks, "--products", "5")

    assert "Demo shop seeded" in first
    assert "already exists" in second
    assert "nothing was added" in second
    assert _counts() == counts
    assert counts["Product"] == 5
    assert counts["Seller"] == len(demo.SELLERS)


@pytest.mark.django_db
def test_a_bigger_seed_later_adds_only_the_missing_products(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    _seed(django_capture_on_commit_callbacks, "--products", "3")
    first_skus = set(Variant.objects.values_list("sku", flat=True))

    _seed(django_capture_on_commit_callbacks, "--products", "6")

    assert Product.objects.count() == 6
    assert first_skus < set(Variant.objects.values_list("sku", flat=True))
    assert get_user_model().objects.filter(username__in=["admin", "seller", "shopper"]).count() == 3


@pytest.mark.django_db
def test_full_demo_shop(settings, client, django_capture_on_commit_callbacks):
    settings.DEBUG = True

    output = _seed(django_capture_on_commit_callbacks)

    # Sellers, categories, products.
    assert Seller.objects.count() >= 8
    assert Category.objects.filter(parent__isnull=True).count() >= 8
    assert Category.objects.filter(parent__isnull=False).count() >= 16
    assert Product.objects.active().count() >= 60
    assert Product.objects.filter(is_featured=True, status=Product.Status.ACTIVE).count() >= 8
    assert Product.objects.filter(status=Product.Status.DRAFT).exists()
    # One demo product lost its HS code while an order for it abroad was being paid: that order is held.
    incomplete = [product for product in Product.objects.all() if not product.has_customs_data]
    assert [(product.seller.slug, product.hs_code) for product in incomplete] == [("glow-theory", "")]
    assert FulfillmentOrder.objects.filter(hold_reason=FulfillmentOrder.HoldReason.MISSING_CUSTOMS_DATA).count() == 1
    assert SellerCustomsProfile.objects.count() == len(demo.SELLERS)
    assert Product.objects.exclude(hazards=[]).exists()
    for product in Product.objects.exclude(pk__in=[product.pk for product in incomplete]):
        assert product.has_customs_data
        assert re.fullmatch(r"\d{6}", product.hs_code)
        assert product.weight_grams > 0 and product.length_mm > 0 and product.width_mm > 0 and product.height_mm > 0
        assert Decimal("0") <= product.affiliate_commission_rate <= Decimal("25")
        assert 1 <= product.variants.count() <= 4
        assert 1 <= product.images.count() <= 3
    assert Variant.objects.filter(compare_at_price__isnull=False).exists()
    assert set(Variant.objects.values_list("currency", flat=True)) == {"USD"}
    for variant in Variant.objects.all():
        validate_gtin(variant.gtin)

    # Pictures, resized by the media task.
    assert not ProductImage.objects.filter(renditions={}).exists()

    # Warehouses and stock.
    kinds = dict(Warehouse.objects.values_list("code", "kind"))
    assert {"US-NJ1", "US-CA1", "CN-SZ1", "GB-LON1"} <= {c for c, k in kinds.items() if k == "fulfillment_centre"}
    assert {"US-RET1", "GB-RET1"} <= {c for c, k in kinds.items() if k == Warehouse.Kind.RETURNS_CENTRE}
    assert Warehouse.Kind.CONSOLIDATION_HUB in kinds.values()
    assert Warehouse.objects.filter(country="US", kind=Warehouse.Kind.FULFILLMENT_CENTRE).count() == 2
    # Outside the fulfillment centres, only what a returns centre put back on its shelves after inspection.
    elsewhere = Stock.objects.exclude(warehouse__kind=Warehouse.Kind.FULFILLMENT_CENTRE)
    assert set(elsewhere.values_list("warehouse__kind", flat=True)) == {Warehouse.Kind.RETURNS_CENTRE}
    assert set(StockMovement.objects.filter(stock__in=elsewhere).values_list("reason", flat=True)) == {
        StockMovement.Reason.RETURNED
    }
    assert not Stock.objects.filter(warehouse__kind=Warehouse.Kind.FULFILLMENT_CENTRE, bin_location="").exists()
    available = available_by_variant(variant_ids=list(Variant.objects.values_list("pk", flat=True)))
    sold_out = [variant_id for variant_id, units in available.items() if units == 0]
    assert 0 < len(sold_out) < len(available) / 4
    assert StockMovement.objects.filter(reference=demo.STOCK_REFERENCE).count() > 0
    assert stock_ledger_mismatches() == []

    # Returns in every state (marketplace/tests/test_demo_data.py looks at each one).
    assert set(ReturnRequest.objects.values_list("status", flat=True)) == set(ReturnRequest.Status.values)

    # Verified reviews of delivered lines: ratings on their products and sellers, a photo, a video, answers, a report.
    reviews = Review.objects.all()
    assert reviews.count() >= 5 and ReviewPhoto.objects.count() == 1
    assert reviews.exclude(video="").count() == 1
    assert reviews.exclude(seller_answer="").exists() and reviews.filter(open_reports=1).count() == 1
    rated = Product.objects.filter(rating_count__gt=0)
    assert sum(rated.values_list("rating_count", flat=True)) == reviews.count()
    assert sum(Seller.objects.values_list("rating_total", flat=True)) == sum(reviews.values_list("rating", flat=True))

    # Log-ins.
    for user in demo.DEMO_USERS:
        assert user.username in output and user.password in output
        assert client.login(username=user.username, password=user.password)
        client.logout()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert SellerMember.objects.filter(
        user__username="seller", seller__slug="glow-theory", role=SellerMember.Role.OWNER
    ).exists()
    assert not get_user_model().objects.get(username="shopper").is_staff

    # Saved details: the demo shopper buys in one tap from the feed (a card that pays, one that asks for 3DS).
    shopper = get_user_model().objects.get(username="shopper")
    assert SavedAddress.objects.filter(user=shopper, is_default=True).count() == 1
    assert [card.last4 for card in saved_cards(user=shopper)] == ["4242", "3155"]

    # A second run changes nothing.
    counts = _counts()
    again = _seed(django_capture_on_commit_callbacks)
    assert "already exists" in again
    assert _counts() == counts
