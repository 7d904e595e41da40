"""Whole journeys in Debian's Chromium, as a shopper and as a seller would make them."""

import io
from decimal import Decimal

import pytest
from PIL import Image

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.tests.factories import PASSWORD
from shop.models import Product
from shop.tests.factories import ProductFactory, ProductImageFactory, SellerFactory, SellerMemberFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shopper_searches_opens_a_product_and_picks_a_variant(live_server, page):
    seller = SellerFactory(name="Northwind Knits", country="GB")
    scarf = ProductFactory(seller=seller, title="Merino wool scarf", description="Soft and warm.", is_featured=True)
    ProductImageFactory(product=scarf, alt_text="A red merino scarf")
    grey = VariantFactory(product=scarf, name="Grey", price=Decimal("39.00"))
    red = VariantFactory(product=scarf, name="Red", price=Decimal("42.00"), position=1)
    stock_of(grey, quantity=12)
    stock_of(red, quantity=3)
    ProductFactory(title="Cotton tote bag")  # must not match the search

    page.goto(live_server.url + "/")
    assert page.get_by_role("link", name="Merino wool scarf").first.is_visible()
    page.get_by_label("Search products").fill("merino")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=merino")
    assert page.get_by_text("Cotton tote bag").count() == 0
    page.get_by_role("link", name="Merino wool scarf").first.click()
    page.wait_for_url(f"**{scarf.get_absolute_url()}")

    assert page.get_by_role("heading", level=1).text_content() == "Merino wool scarf"
    assert page.get_by_role("link", name="Northwind Knits").is_visible()
    assert page.text_content("#variant-price") == "$39.00"
    assert page.text_content("#variant-availability").strip() == "In stock"
    page.get_by_label("Red").check()
    assert page.text_content("#variant-price") == "$42.00"
    assert page.text_content("#variant-availability").strip() == "Only 3 left"


def _png_file(path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 900), (20, 120, 200)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_a_seller_logs_in_and_creates_a_product_with_an_image(live_server, page, tmp_path):
    member = SellerMemberFactory(seller__name="Harbor Home")
    WarehouseFactory(code="US-NJ1")

    page.goto(live_server.url + "/accounts/login/?next=/seller/")
    page.get_by_label("Username").fill(member.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/seller/")
    page.get_by_role("link", name="Add a product").first.click()
    page.get_by_label("Title").fill("Linen table runner")
    page.get_by_role("textbox", name="Description:", exact=True).fill("Stonewashed linen, 180 cm.")
    page.get_by_label("Creator commission (%)").fill("12")
    page.get_by_label("HS code").fill("630399")
    page.get_by_role("button", name="Create product").click()
    page.wait_for_url("**/seller/products/*/")

    page.get_by_role("link", name="Add a variant").click()
    page.get_by_label("SKU").fill("RUNNER-NAT")
    page.get_by_role("spinbutton", name="Price:", exact=True).fill("34.50")
    page.get_by_role("button", name="Add variant").click()
    page.get_by_label("Picture:", exact=True).set_input_files(_png_file(tmp_path / "runner.png"))
    page.get_by_role("button", name="Upload picture").click()

    page.locator(".dash-image img").first.wait_for()
    product = Product.objects.get(title="Linen table runner")
    assert product.seller == member.seller
    assert product.variants.get().sku == "RUNNER-NAT"
    assert product.images.get().renditions["webp"]  # made by the media task
    assert page.locator(".dash-image img").count() == 1
    page.goto(live_server.url + "/seller/")
    assert page.get_by_role("link", name="Linen table runner").is_visible()
