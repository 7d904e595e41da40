import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.models import User
from shop.models import Product, ProductImage, SellerMember
from shop.tests.factories import (
    CategoryFactory,
    ProductFactory,
    ProductImageFactory,
    SellerFactory,
    SellerMemberFactory,
    VariantFactory,
    image_upload,
)

pytestmark = pytest.mark.django_db

_usernames = itertools.count()


def _user() -> User:
    """A user without a password hash (hashing is slow, and these never log in)."""
    return User.objects.create(username=f"member{next(_usernames)}")


def _sellers(count: int) -> None:
    for _ in range(count):
        ProductFactory(seller=SellerFactory())


def _members(count: int) -> None:
    seller = SellerFactory()
    for _ in range(count):
        SellerMemberFactory(seller=seller, user=_user())


def _categories(count: int) -> None:
    parent = CategoryFactory()
    for _ in range(count):
        ProductFactory(category=CategoryFactory(parent=parent))


def _products(count: int) -> None:
    for _ in range(count):
        product = ProductFactory()
        VariantFactory(product=product)
        ProductImageFactory(product=product, renditions={"jpeg": {"320": "products/x/renditions/a-320.jpg"}})
        ProductImageFactory(product=product)


def _variants(count: int) -> None:
    warehouse = WarehouseFactory()
    for _ in range(count):
        stock_of(VariantFactory(), warehouse, quantity=3)


def _images(count: int) -> None:
    product = ProductFactory()
    for _ in range(count):
        ProductImageFactory(product=product)


CHANGELISTS = [
    ("seller", _sellers),
    ("sellermember", _members),
    ("category", _categories),
    ("product", _products),
    ("variant", _variants),
    ("productimage", _images),
]


@pytest.mark.parametrize(("model", "make_rows"), CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(assert_changelist_queries_constant, model, make_rows):
    assert_changelist_queries_constant(reverse(f"admin:shop_{model}_changelist"), make_rows)


@pytest.mark.parametrize("model", [model for model, _ in CHANGELISTS])
def test_non_staff_are_sent_to_the_admin_log_in(client, user, model):
    client.force_login(user)

    response = client.get(reverse(f"admin:shop_{model}_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_to_the_admin_log_in(client):
    response = client.get(reverse("admin:shop_product_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_product_list_shows_what_staff_check_daily(staff_client):
    product = ProductFactory(title="Dew Drop Serum", seller=SellerFactory(name="Glow Theory"), hs_code="")
    VariantFactory(product=product, sku="GLOW-001-01")

    by_sku = staff_client.get(reverse("admin:shop_product_changelist"), {"q": "GLOW-001-01"})

    content = by_sku.content.decode()
    assert list(by_sku.context["cl"].result_list) == [product]
    assert "Glow Theory" in content
    assert 'alt="False"' in content  # the "customs data" column: no HS code


@pytest.mark.parametrize("model", ["seller", "sellermember", "category", "product", "variant", "warehouse"])
def test_add_forms_render(staff_client, model):
    app = "fulfillment" if model == "warehouse" else "shop"

    assert staff_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200


def test_change_forms_render(staff_client):
    member = SellerMemberFactory(user=_user())
    product = ProductFactory(seller=member.seller, category=CategoryFactory(parent=CategoryFactory()))
    variant = VariantFactory(product=product, sku="TEE-M")
    stock_of(variant, WarehouseFactory(code="US-NJ1"), quantity=8)
    image = ProductImageFactory(product=product)

    pages = {
        "seller": staff_client.get(reverse("admin:shop_seller_change", args=[member.seller_id])),
        "member": staff_client.get(reverse("admin:shop_sellermember_change", args=[member.pk])),
        "category": staff_client.get(reverse("admin:shop_category_change", args=[product.category_id])),
        "product": staff_client.get(reverse("admin:shop_product_change", args=[product.pk])),
        "variant": staff_client.get(reverse("admin:shop_variant_change", args=[variant.pk])),
        "image": staff_client.get(reverse("admin:shop_productimage_change", args=[image.pk])),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert "TEE-M" in pages["product"].content.decode()
    assert image.image.url in pages["product"].content.decode()
    variant_page = pages["variant"].content.decode()
    assert "US-NJ1" in variant_page  # its stock, read-only
    assert 'name="stocks-0-quantity"' not in variant_page
    assert "Set a stock count for this variant" in variant_page


def test_images_are_not_added_outside_the_product_page(staff_client):
    assert staff_client.get(reverse("admin:shop_productimage_add")).status_code == 403


def test_autocomplete_finds_sellers_for_the_product_form(staff_client):
    SellerFactory(name="Glow Theory")
    SellerFactory(name="Casa Calma")

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "shop", "model_name": "product", "field_name": "seller", "term": "glow"},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Glow Theory"]


def _product_form(product: Product, images: list[ProductImage] = (), **extra) -> dict:
    data = {
        "seller": product.seller_id,
        "title": product.title,
        "slug": product.slug,
        "description": product.description,
        "category": product.category_id or "",
        "status": product.status,
        "affiliate_commission_rate": str(product.affiliate_commission_rate),
        "hs_code": product.hs_code,
        "country_of_origin": product.country_of_origin,
        "customs_description": product.customs_description,
        "weight_grams": product.weight_grams,
        "length_mm": product.length_mm,
        "width_mm": product.width_mm,
        "height_mm": product.height_mm,
        "variants-TOTAL_FORMS": "0",
        "variants-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": str(len(images)),
        "images-INITIAL_FORMS": str(len(images)),
    }
    for index, image in enumerate(images):
        data.update(
            {
                f"images-{index}-id": image.pk,
                f"images-{index}-product": product.pk,
                f"images-{index}-alt_text": image.alt_text,
                f"images-{index}-position": image.position,
            }
        )
    data.update(extra)
    return data


def test_an_image_added_on_the_product_page_goes_through_the_image_service(
    staff_client, django_capture_on_commit_callbacks
):
    product = ProductFactory()
    form = _product_form(
        product,
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-image": image_upload("shot.png", size=(900, 600), image_format="PNG"),
            "images-0-alt_text": "Front view",
            "images-0-position": "0",
        },
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:shop_product_change", args=[product.pk]), form)

    assert response.status_code == 302
    image = product.images.get()
    assert image.alt_text == "Front view"
    assert image.image.name.endswith(".png") and "shot" not in image.image.name  # stored under a safe name
    assert (image.width, image.position) == (900, 1)
    assert set(image.renditions) == {"webp", "jpeg"}


def test_a_file_that_is_not_an_image_is_refused_on_the_product_page(staff_client):
    product = ProductFactory()
    form = _product_form(
        product,
        **{
            "images-TOTAL_FORMS": "1",
            "images-0-image": SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg"),
            "images-0-position": "0",
        },
    )

    response = staff_client.post(reverse("admin:shop_product_change", args=[product.pk]), form)

    assert response.status_code == 200
    assert not product.images.exists()


def test_an_image_deleted_on_the_product_page_loses_its_file(staff_client, django_capture_on_commit_callbacks):
    image = ProductImageFactory()
    name = image.image.name
    storage = image.image.storage
    form = _product_form(image.product, [image], **{"images-0-DELETE": "on"})

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("admin:shop_product_change", args=[image.product_id]), form)

    assert response.status_code == 302
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert not storage.exists(name)


def test_archive_action_takes_products_off_sale(staff_client):
    products = [ProductFactory(), ProductFactory()]

    response = staff_client.post(
        reverse("admin:shop_product_changelist"),
        {"action": "archive", "_selected_action": [product.pk for product in products], "index": 0},
    )

    assert response.status_code == 302
    assert set(Product.objects.values_list("status", flat=True)) == {Product.Status.ARCHIVED}


def test_seller_members_are_edited_inline_on_the_seller(staff_client):
    seller = SellerFactory()
    user = _user()
    data = {
        "name": seller.name,
        "slug": seller.slug,
        "description": "",
        "country": "US",
        "support_email": seller.support_email,
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-0-user": user.pk,
        "memberships-0-role": SellerMember.Role.STAFF,
        "customs_profile-TOTAL_FORMS": "0",
        "customs_profile-INITIAL_FORMS": "0",
    }

    response = staff_client.post(reverse("admin:shop_seller_change", args=[seller.pk]), data)

    assert response.status_code == 302
    assert SellerMember.objects.filter(seller=seller, user=user, role="staff").exists()


def test_alt_text_and_order_of_an_image_are_edited_on_the_product_page(staff_client):
    image = ProductImageFactory(alt_text="Photo", position=1)
    name = image.image.name
    form = _product_form(image.product, [image], **{"images-0-alt_text": "Blue mug, side view", "images-0-position": 3})

    response = staff_client.post(reverse("admin:shop_product_change", args=[image.product_id]), form)

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.alt_text, image.position, image.image.name) == ("Blue mug, side view", 3, name)
