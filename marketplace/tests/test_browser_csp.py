"""Every kind of page loads in Chromium without a Content-Security-Policy violation or script error.

The `page` fixture fails a test on any CSP report in the console; this module visits the pages
that the journeys do not: accounts, the API docs (Swagger UI) and the staff admin.
"""

import pytest

from fulfillment.tests.factories import WarehouseFactory, stock_of
from marketplace.tests.factories import PASSWORD
from shop.tests.factories import ProductImageFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _visit(page, url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, url
    assert errors == [], (url, errors)


def test_shopper_and_account_pages_satisfy_the_policy(live_server, page):
    variant = VariantFactory()
    ProductImageFactory(product=variant.product)
    stock_of(variant, quantity=4)
    product = variant.product

    for path in [
        "/",
        product.category.get_absolute_url(),
        "/search/?q=product",
        product.get_absolute_url(),
        product.seller.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
    ]:
        _visit(page, live_server.url + path)


def test_the_api_docs_render_the_operations_under_the_policy(live_server, page):
    _visit(page, live_server.url + "/api/docs/")

    page.get_by_text("/api/v1/products/", exact=True).first.wait_for()
    assert page.get_by_text("/api/v1/seller/products/", exact=True).count() >= 1


def test_the_admin_works_under_the_policy(live_server, page, staff_user):
    variant = VariantFactory()
    stock_of(variant, warehouse=WarehouseFactory(code="US-NJ1"), quantity=4)

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(staff_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/shop/product/",
        f"/admin/shop/product/{variant.product.pk}/change/",
        "/admin/fulfillment/warehouse/",
        "/admin/fulfillment/stock/",
        "/admin/fulfillment/stockmovement/",
    ]:
        _visit(page, live_server.url + path)
