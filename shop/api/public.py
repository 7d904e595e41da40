"""Public catalog endpoints: read-only, open to anyone."""

from django.db.models import QuerySet
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api_errors import error_response
from marketplace.fragments import cached_value
from marketplace.page_cache import cache_public_page
from shop import selectors
from shop.api.serializers import (
    CategorySerializer,
    ProductCardSerializer,
    ProductDetailSerializer,
    ProductFilterSerializer,
    product_card_items,
)
from shop.models import Category, Product
from shop.product_lists import list_key
from shop.sorting import NEWEST, RELEVANCE, sort_products


def non_empty_params(request: Request) -> dict[str, str]:
    """Query parameters with a value: an empty one (`?min_price=` from a form) means no filter."""
    return {key: value for key, value in request.query_params.items() if value.strip()}


@extend_schema(
    tags=["catalog"],
    summary="List products on sale",
    parameters=[ProductFilterSerializer],
    responses={
        200: ProductCardSerializer(many=True),
        400: error_response("A filter value is invalid; `fields` names it."),
        404: error_response("The page number is past the last page."),
    },
)
@method_decorator(cache_public_page, name="dispatch")
class ProductListView(generics.ListAPIView):
    """Active products, newest first (by relevance when searching) unless `sort` says otherwise, 24 a page."""

    serializer_class = ProductCardSerializer
    permission_classes = [AllowAny]

    def list(self, request: Request, *args, **kwargs) -> Response:
        # The whole page's data is kept under the catalog's versions and the parameters (`shop.product_lists`); the
        # origin too, as its links and image addresses are absolute. A 400 or 404 is never kept.
        key = list_key("api-products", request, request.build_absolute_uri("/"))
        return Response(cached_value(key, self._page_data))

    def _page_data(self) -> dict:
        # The page reads ids and versions only; each item comes from the fragment cache (`product_card_items`).
        page = self.paginate_queryset(selectors.card_versions(self.get_queryset()))
        cards = selectors.as_card_versions(page)
        return self.get_paginated_response(product_card_items(cards, context=self.get_serializer_context())).data

    def get_queryset(self) -> QuerySet[Product]:
        if getattr(self, "swagger_fake_view", False):
            return Product.objects.none()
        filters = ProductFilterSerializer(data=non_empty_params(self.request))
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        seller = params.get("seller")
        products = selectors.filter_products(
            selectors.storefront_products(),
            category=params.get("category"),
            seller_slug=seller.slug if seller else None,
            min_price=params.get("min_price"),
            max_price=params.get("max_price"),
        )
        query = params.get("q", "")
        found = selectors.search_products(products, query=query)
        return sort_products(found, key=params.get("sort") or (RELEVANCE if query.strip() else NEWEST))


@extend_schema(
    tags=["catalog"],
    summary="Show a product",
    responses={200: ProductDetailSerializer, 404: error_response("No product on sale has this slug.")},
)
@method_decorator(cache_public_page, name="dispatch")
class ProductDetailView(generics.RetrieveAPIView):
    """An active product with its active variants (price, availability) and images."""

    serializer_class = ProductDetailSerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    queryset = Product.objects.none()  # for the schema; get_object uses the selector

    def get_object(self) -> Product:
        product = selectors.product_for_page(slug=self.kwargs["slug"])
        if product is None:
            raise exceptions.NotFound("No product on sale has this slug.")
        return product


@extend_schema(tags=["catalog"], summary="List categories", responses={200: CategorySerializer(many=True)})
@method_decorator(cache_public_page, name="dispatch")
class CategoryListView(generics.ListAPIView):
    """Every category, flat, each naming its parent; use the slug to filter products."""

    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    pagination_class = None
    queryset = Category.objects.none()  # for the schema; list() uses the selector

    def get_queryset(self) -> list[Category]:
        return selectors.all_categories()
