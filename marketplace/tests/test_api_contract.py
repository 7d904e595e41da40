"""The API answers what its schema says (the cases schemathesis found; it runs in test_api_conformance.py)."""

import pytest

from creators.tests.factories import CreatorFactory, ProductTagFactory, VideoPostFactory
from fulfillment.tests.factories import stock_of
from shop.models import CartLine, Product
from shop.tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("variant", [1.5, True, "1.5"])
def test_a_variant_id_that_is_not_a_whole_number_is_refused(api_client, variant):
    stock_of(VariantFactory(pk=1))  # the variant the ORM used to find for 1.5 and true

    response = api_client.post("/api/v1/cart/lines/", {"variant": variant}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["variant"]
    assert not CartLine.objects.exists()


def test_a_whole_number_written_as_1_0_is_still_that_id(api_client):
    variant = VariantFactory()
    stock_of(variant)

    response = api_client.post("/api/v1/cart/lines/", {"variant": float(variant.pk)}, format="json")

    assert response.status_code == 201


def test_a_category_id_of_1_5_is_refused(seller_api_client):
    category = CategoryFactory()

    response = seller_api_client.post(
        "/api/v1/seller/products/", {"title": "Hat", "category": category.pk + 0.5}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"category": ["Incorrect type. Expected pk value, received float."]}
    assert not Product.objects.exists()


@pytest.mark.parametrize("country", [{}, {"code": "US"}, 1])
def test_a_country_that_is_not_a_code_is_refused(seller_api_client, country):
    response = seller_api_client.post(
        "/api/v1/seller/products/", {"title": "Hat", "country_of_origin": country}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["country_of_origin"]
    assert not Product.objects.exists()


def test_a_top_level_category_has_a_null_parent(api_client):
    CategoryFactory(slug="beauty")

    assert api_client.get("/api/v1/categories/").json()[0]["parent"] is None


def test_a_post_whose_public_video_is_not_copied_yet_is_not_listed(api_client):
    creator = CreatorFactory(handle="ada")
    shown = VideoPostFactory(creator=creator)
    VideoPostFactory(creator=creator, video=None, poster=None)  # published; the media worker has not copied it

    posts = api_client.get("/api/v1/creators/ada/").json()["posts"]

    assert [post["id"] for post in posts] == [shown.pk]
    assert posts[0]["video_url"]


def test_a_tagged_product_without_a_photo_has_a_null_image(api_client):
    ProductTagFactory(product=ProductFactory())

    tag = api_client.get("/api/v1/feed/").json()["results"][0]["tags"][0]

    assert tag["product"]["image"] is None


def test_an_empty_filter_is_no_filter(api_client, seller_api_client):
    ProductFactory()
    ProductFactory(seller=seller_api_client.seller, status=Product.Status.DRAFT)

    assert api_client.get("/api/v1/products/?seller=&category=").json() == api_client.get("/api/v1/products/").json()
    assert seller_api_client.get("/api/v1/seller/products/?status=").json()["count"] == 1


@pytest.mark.parametrize("path", ["/api/v1/seller/variants/%0A/stock/", "/api/v1/creator/posts/a%0Ab/tags/"])
def test_a_newline_in_an_api_path_is_the_json_404(api_client, path):
    response = api_client.get(path)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
