import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from marketplace.page_cache import cache_public_page
from shop.models import Product
from shop.services.catalog import update_product
from shop.tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 30


def test_an_anonymous_visitor_gets_the_shared_page_without_queries(client, django_assert_num_queries):
    product = VariantFactory(product=ProductFactory(title="Glass teapot")).product
    client.get(product.get_absolute_url())

    with django_assert_num_queries(0):
        response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    assert "Glass teapot" in response.content.decode()
    assert response["Vary"] == "Cookie"


def test_a_logged_in_shopper_always_gets_a_fresh_page(client, user):
    product = VariantFactory(product=ProductFactory(title="Glass teapot")).product
    client.get(product.get_absolute_url())
    Product.objects.filter(pk=product.pk).update(title="Cast iron teapot")

    anonymous = client.get(product.get_absolute_url()).content.decode()
    client.force_login(user)
    logged_in = client.get(product.get_absolute_url()).content.decode()

    assert "Glass teapot" in anonymous  # shared copy, at most PUBLIC_PAGE_CACHE_SECONDS old
    assert "Cast iron teapot" in logged_in
    assert f"Log out {user.username}" in logged_in


def test_pages_that_set_a_cookie_or_fail_are_not_shared():
    calls = []

    @cache_public_page
    def sets_cookie(request):
        calls.append("cookie")
        response = HttpResponse("hello")
        response.set_cookie("csrftoken", "abc")
        return response

    @cache_public_page
    def not_found(request):
        calls.append("404")
        return HttpResponse("missing", status=404)

    request = RequestFactory().get("/somewhere/")
    for view in (sets_cookie, sets_cookie, not_found, not_found):
        view(request)

    assert calls == ["cookie", "cookie", "404", "404"]


def test_the_cache_can_be_turned_off(client, settings, get_counting_queries):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    product = VariantFactory().product
    client.get(product.get_absolute_url())

    response, queries = get_counting_queries(client, product.get_absolute_url())

    assert response.status_code == 200
    assert queries > 0


def test_anonymous_api_reads_are_shared_but_token_holders_read_fresh(api_client, seller_member):
    from rest_framework.authtoken.models import Token

    product = VariantFactory(product=ProductFactory(title="Glass teapot")).product
    api_client.get("/api/v1/products/")
    update_product(product=product, data={"title": "Cast iron teapot"})  # a seller's edit

    shared = api_client.get("/api/v1/products/").json()
    token = Token.objects.create(user=seller_member.user)
    fresh = api_client.get("/api/v1/products/", HTTP_AUTHORIZATION=f"Token {token.key}").json()

    assert [item["title"] for item in shared["results"]] == ["Glass teapot"]
    assert [item["title"] for item in fresh["results"]] == ["Cast iron teapot"]
