"""Seller endpoints: a seller member manages their own products, variants, images, stock and customs profile,
and reads their returns.

Everything is scoped to `selectors.seller_for_user`: another seller's object answers 404, as if it
did not exist. Serializers validate and shape; every write is a service call.
"""

from functools import cached_property

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from fulfillment.models import Stock
from fulfillment.selectors import stock_levels
from fulfillment.selectors_inbound import seller_stock_warehouses
from fulfillment.services.stock import InsufficientStock
from marketplace.api_errors import DomainError, error_response
from shop import selectors
from shop.api.public import non_empty_params
from shop.api.serializers import (
    ProductImageSerializer,
    ProductImageUploadSerializer,
    SellerCustomsProfileSerializer,
    SellerProductFilterSerializer,
    SellerProductSerializer,
    SellerVariantSerializer,
    StockLevelSerializer,
    StockUpdateSerializer,
)
from shop.models import Product, ProductImage, Refund, ReturnRequest, Seller, SellerCustomsProfile, Variant
from shop.services import catalog, images
from shop.services.customs import save_customs_profile
from shop.services.stock_counts import CountNotAllowed, StockCount, set_stock_counts

FORBIDDEN = error_response("Not logged in, or not a member of a seller.")
INVALID = error_response("The input is invalid; `fields` names each problem.")


def _not_found(what: str) -> dict:
    return {404: error_response(f"No {what} of yours has this id.")}


class IsSellerMember(BasePermission):
    message = "Only members of a seller can use the seller API."

    def has_permission(self, request: Request, view: "SellerAPIView") -> bool:
        return view.seller is not None


@extend_schema(tags=["seller"])
class SellerAPIView(generics.GenericAPIView):
    """Base of the seller endpoints: the requesting user's seller, and scoped look-ups."""

    permission_classes = [IsAuthenticated, IsSellerMember]

    @cached_property
    def seller(self) -> Seller | None:
        return selectors.seller_for_user(user=self.request.user)

    def schema_only(self) -> bool:
        return getattr(self, "swagger_fake_view", False)

    def get_product(self) -> Product:
        product = selectors.product_of_seller(seller=self.seller, product_id=self.kwargs["pk"])
        if product is None:
            raise exceptions.NotFound("No product of yours has this id.")
        return product

    def get_variant(self) -> Variant:
        variant = selectors.seller_variants(seller=self.seller).filter(pk=self.kwargs["pk"]).first()
        if variant is None:
            raise exceptions.NotFound("No variant of yours has this id.")
        return variant


# ---------------------------------------------------------------- products


@extend_schema_view(
    get=extend_schema(
        summary="List your products",
        parameters=[SellerProductFilterSerializer],
        responses={200: SellerProductSerializer(many=True), 400: INVALID, 403: FORBIDDEN},
    ),
    post=extend_schema(
        summary="Create a product",
        responses={201: SellerProductSerializer, 400: INVALID, 403: FORBIDDEN},
    ),
)
class SellerProductListCreateView(SellerAPIView, generics.ListCreateAPIView):
    """Your products in any status, last changed first, with their variants and images."""

    serializer_class = SellerProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        if self.schema_only():
            return Product.objects.none()
        products = selectors.seller_products_with_variants(seller=self.seller)
        if self.request.method == "GET":
            filters = SellerProductFilterSerializer(data=non_empty_params(self.request))
            filters.is_valid(raise_exception=True)
            if "status" in filters.validated_data:
                products = products.filter(status=filters.validated_data["status"])
        return products

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = catalog.create_product(seller=self.seller, data=serializer.validated_data)
        return Response(_render_product(self, product.pk), status=status.HTTP_201_CREATED)


def _render_product(view: SellerAPIView, product_id: int) -> dict:
    product = selectors.seller_products_with_variants(seller=view.seller).get(pk=product_id)
    return SellerProductSerializer(product, context=view.get_serializer_context()).data


@extend_schema_view(
    get=extend_schema(
        summary="Show one of your products",
        responses={200: SellerProductSerializer, 403: FORBIDDEN, **_not_found("product")},
    ),
    put=extend_schema(
        summary="Replace a product's fields",
        responses={200: SellerProductSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("product")},
    ),
    patch=extend_schema(
        summary="Change some of a product's fields",
        responses={200: SellerProductSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("product")},
    ),
    delete=extend_schema(
        summary="Archive a product",
        description="Takes the product off sale (status `archived`); orders and video tags keep pointing at it.",
        responses={204: None, 403: FORBIDDEN, **_not_found("product")},
    ),
)
class SellerProductDetailView(SellerAPIView, generics.RetrieveUpdateDestroyAPIView):
    serializer_class = SellerProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        if self.schema_only():
            return Product.objects.none()
        return selectors.seller_products_with_variants(seller=self.seller)

    def get_object(self) -> Product:
        product = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if product is None:
            raise exceptions.NotFound("No product of yours has this id.")
        return product

    def update(self, request: Request, *args, **kwargs) -> Response:
        product = self.get_product()
        serializer = self.get_serializer(product, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        catalog.update_product(product=product, data=serializer.validated_data)
        return Response(_render_product(self, product.pk))

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        catalog.archive_product(product=self.get_product())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- variants


@extend_schema_view(
    get=extend_schema(
        summary="List a product's variants",
        responses={200: SellerVariantSerializer(many=True), 403: FORBIDDEN, **_not_found("product")},
    ),
    post=extend_schema(
        summary="Add a variant to a product",
        responses={201: SellerVariantSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("product")},
    ),
)
class SellerVariantListCreateView(SellerAPIView, generics.ListCreateAPIView):
    """Variants of one of your products, active or not, in display order, with free units."""

    serializer_class = SellerVariantSerializer

    @cached_property
    def product(self) -> Product:
        return self.get_product()

    def get_queryset(self) -> QuerySet[Variant]:
        if self.schema_only():
            return Variant.objects.none()
        return selectors.seller_variants(seller=self.seller).filter(product=self.product)

    def create(self, request: Request, *args, **kwargs) -> Response:
        product = self.product
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        variant = catalog.create_variant(product=product, data=serializer.validated_data)
        return Response(_render_variant(self, variant.pk), status=status.HTTP_201_CREATED)


def _render_variant(view: SellerAPIView, variant_id: int) -> dict:
    variant = selectors.seller_variants(seller=view.seller).get(pk=variant_id)
    return SellerVariantSerializer(variant, context=view.get_serializer_context()).data


@extend_schema_view(
    get=extend_schema(
        summary="Show one of your variants",
        responses={200: SellerVariantSerializer, 403: FORBIDDEN, **_not_found("variant")},
    ),
    put=extend_schema(
        summary="Replace a variant's fields",
        responses={200: SellerVariantSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("variant")},
    ),
    patch=extend_schema(
        summary="Change some of a variant's fields",
        description="Set `is_active` to false to stop selling it; it stays for past orders.",
        responses={200: SellerVariantSerializer, 400: INVALID, 403: FORBIDDEN, **_not_found("variant")},
    ),
)
class SellerVariantDetailView(SellerAPIView, generics.RetrieveUpdateAPIView):
    serializer_class = SellerVariantSerializer

    def get_queryset(self) -> QuerySet[Variant]:
        if self.schema_only():
            return Variant.objects.none()
        return selectors.seller_variants(seller=self.seller)

    def get_object(self) -> Variant:
        return self.get_variant()

    def update(self, request: Request, *args, **kwargs) -> Response:
        variant = self.get_variant()
        serializer = self.get_serializer(variant, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        catalog.update_variant(variant=variant, data=serializer.validated_data)
        return Response(_render_variant(self, variant.pk))


# ---------------------------------------------------------------- images


@extend_schema(
    summary="Upload a product image",
    description="Multipart upload, checked by content (JPEG, PNG, WebP or GIF, size and pixel limits); "
    "the image goes last and its resized renditions are made in the background.",
    request={"multipart/form-data": ProductImageUploadSerializer},
    responses={
        201: ProductImageSerializer,
        400: error_response("The file is missing, too large or not an image we accept; see `fields.image`."),
        403: FORBIDDEN,
        **_not_found("product"),
    },
)
class SellerProductImageUploadView(SellerAPIView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ProductImageUploadSerializer

    def post(self, request: Request, pk: int) -> Response:
        product = self.get_product()
        serializer = ProductImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            image = images.add_product_image(
                product=product,
                upload=serializer.validated_data["image"],
                alt_text=serializer.validated_data.get("alt_text", ""),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError({"image": error.messages}) from error
        image.refresh_from_db(fields=["renditions"])  # made already when tasks run eagerly
        return Response(
            ProductImageSerializer(image, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


@extend_schema(summary="Delete a product image", responses={204: None, 403: FORBIDDEN, **_not_found("image")})
class SellerProductImageDeleteView(SellerAPIView):
    """Deletes the image, its file and its renditions."""

    queryset = ProductImage.objects.none()  # for the schema

    def delete(self, request: Request, pk: int) -> Response:
        image = selectors.seller_product_images(seller=self.seller).filter(pk=pk).first()
        if image is None:
            raise exceptions.NotFound("No image of yours has this id.")
        images.delete_product_image(image=image)
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- customs profile

NO_PROFILE = error_response("You have no customs profile yet: PUT one.")


@extend_schema_view(
    get=extend_schema(
        summary="Show your customs profile",
        responses={200: SellerCustomsProfileSerializer, 403: FORBIDDEN, 404: NO_PROFILE},
    ),
    put=extend_schema(
        summary="Set your customs profile",
        description="Creates the profile (201) or replaces its fields (200). EORI, VAT and IOSS numbers are kept "
        "in capitals without spaces, dots or dashes.",
        responses={
            200: SellerCustomsProfileSerializer,
            201: SellerCustomsProfileSerializer,
            400: INVALID,
            403: FORBIDDEN,
        },
    ),
    patch=extend_schema(
        summary="Change some of your customs profile's fields",
        responses={200: SellerCustomsProfileSerializer, 400: INVALID, 403: FORBIDDEN, 404: NO_PROFILE},
    ),
)
class SellerCustomsProfileView(SellerAPIView):
    """The exporter printed on your customs declarations (name, address, EORI, VAT and IOSS numbers)."""

    serializer_class = SellerCustomsProfileSerializer
    queryset = SellerCustomsProfile.objects.none()  # for the schema

    def _profile(self) -> SellerCustomsProfile:
        profile = selectors.customs_profile_of(seller=self.seller)
        if profile is None:
            raise exceptions.NotFound("You have no customs profile yet: PUT one.")
        return profile

    def get(self, request: Request) -> Response:
        return Response(SellerCustomsProfileSerializer(self._profile()).data)

    def put(self, request: Request) -> Response:
        existing = selectors.customs_profile_of(seller=self.seller)
        serializer = SellerCustomsProfileSerializer(existing, data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = save_customs_profile(seller=self.seller, data=serializer.validated_data)
        answer = status.HTTP_200_OK if existing is not None else status.HTTP_201_CREATED
        return Response(SellerCustomsProfileSerializer(profile).data, status=answer)

    def patch(self, request: Request) -> Response:
        serializer = SellerCustomsProfileSerializer(self._profile(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = save_customs_profile(seller=self.seller, data=serializer.validated_data)
        return Response(SellerCustomsProfileSerializer(profile).data)


# ---------------------------------------------------------------- stock


def _stock_cells(*, variant: Variant, seller_id: int) -> list[Stock]:
    """One stock row per fulfillment centre of ours or the seller's; an unsaved empty row where there is none yet."""
    warehouses = seller_stock_warehouses(seller_id=seller_id)
    stocks = stock_levels(variant_ids=[variant.pk], warehouse_ids=[warehouse.pk for warehouse in warehouses])
    return [
        stocks.get((variant.pk, warehouse.pk)) or Stock(warehouse=warehouse, variant_id=variant.pk)
        for warehouse in warehouses
    ]


@extend_schema(
    summary="Stock of a variant per warehouse",
    description="One entry per active fulfillment centre of ours and of your own, zero where none is. "
    "`counted_by` says who sets the on-hand count: our staff (as your inbound shipments are received) or you.",
    responses={200: StockLevelSerializer(many=True), 403: FORBIDDEN, **_not_found("variant")},
)
class SellerVariantStockListView(SellerAPIView):
    queryset = Variant.objects.none()  # for the schema
    pagination_class = None  # one entry per warehouse

    def get(self, request: Request, pk: int) -> Response:
        cells = _stock_cells(variant=self.get_variant(), seller_id=self.seller.pk)
        return Response(StockLevelSerializer(cells, many=True).data)


@extend_schema(
    summary="Set the stock of a variant in a warehouse",
    description="A stock count: sets the units on hand (and optionally the bin) in an active fulfillment "
    "warehouse you run yourself. In our warehouses staff count what arrives: announce an inbound shipment "
    "instead (403, `code` counted_by_staff). It cannot go below the units already allocated to orders. "
    "Every change is recorded in the stock ledger.",
    parameters=[OpenApiParameter("warehouse_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. US-NJ1")],
    request=StockUpdateSerializer,
    responses={
        200: StockLevelSerializer,
        400: INVALID,
        403: error_response(
            "Not logged in, not a member of a seller, or the warehouse is one of ours (`code` counted_by_staff)."
        ),
        404: error_response("No variant of yours has this id, or no active fulfillment warehouse has this code."),
        409: error_response("The quantity is below the units allocated to orders (`code` insufficient_stock)."),
    },
)
class SellerVariantStockView(SellerAPIView):
    queryset = Variant.objects.none()  # for the schema
    serializer_class = StockUpdateSerializer

    def put(self, request: Request, pk: int, warehouse_code: str) -> Response:
        variant = self.get_variant()
        warehouse = next(
            (w for w in seller_stock_warehouses(seller_id=self.seller.pk) if w.code == warehouse_code), None
        )
        if warehouse is None:
            raise exceptions.NotFound("No active fulfillment warehouse has this code.")
        serializer = StockUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = StockCount(
            warehouse=warehouse,
            variant_id=variant.pk,
            quantity=serializer.validated_data["quantity"],
            bin_location=serializer.validated_data.get("bin_location"),
        )
        try:
            set_stock_counts(seller_id=self.seller.pk, counts=[count], by=request.user, reference="api")
        except CountNotAllowed as refused:
            raise DomainError("counted_by_staff", refused.message, status_code=status.HTTP_403_FORBIDDEN) from refused
        except InsufficientStock as shortage:
            allocated = shortage.lines[0].allocated
            raise DomainError(
                "insufficient_stock",
                f"{allocated} units of this variant at {warehouse.code} are allocated to orders; "
                "the quantity cannot go below that.",
                fields={"quantity": [f"Ensure this value is greater than or equal to {allocated}."]},
                status_code=status.HTTP_409_CONFLICT,
            ) from shortage
        stock = stock_levels(variant_ids=[variant.pk], warehouse_ids=[warehouse.pk])[(variant.pk, warehouse.pk)]
        return Response(StockLevelSerializer(stock).data)


# ---------------------------------------------------------------- returns


class SellerReturnLineSerializer(serializers.Serializer):
    sku = serializers.CharField()
    product_title = serializers.CharField()
    variant_label = serializers.CharField(help_text="Empty for a product without options.")
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="The price paid for one unit.")
    quantity = serializers.IntegerField(help_text="Units the shopper asked to return.")
    quantity_accepted = serializers.IntegerField(
        help_text="Units that came back (0 until inspected), or every unit when refunded without return."
    )
    quantity_missing = serializers.IntegerField(help_text="Units announced but not in the parcel.")
    refunded_units = serializers.IntegerField(help_text="Units of this line the return's refund paid back.")
    refund_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="Those units at the price paid (their tax and any shipping are refunded apart); "
        "null until the return is refunded.",
    )


class SellerReturnSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="The return's number, e.g. MK-1001-R1.")
    order_number = serializers.CharField()
    created_at = serializers.DateTimeField(help_text="When the shopper asked.")
    status = serializers.ChoiceField(choices=ReturnRequest.Status.choices)
    status_label = serializers.CharField()
    reason = serializers.ChoiceField(choices=ReturnRequest.Reason.choices)
    reason_label = serializers.CharField()
    comment = serializers.CharField(help_text="The shopper's words; may be empty.")
    cost_bearer = serializers.ChoiceField(
        choices=ReturnRequest.CostBearer.choices, help_text="Who carries the cost of this return."
    )
    currency = serializers.CharField()
    refund_status = serializers.ChoiceField(
        choices=[("", "No refund yet"), *Refund.Status.choices], help_text="Empty until the return is refunded."
    )
    refund_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="What the refund paid back for your units, at the price paid; null until refunded.",
    )
    lines = SellerReturnLineSerializer(many=True, help_text="Your products in this return, never another seller's.")


@extend_schema(
    summary="List the returns of your products",
    description="Returns that send back at least one of your products, newest first, with only your lines: "
    "reason, the shopper's comment, status, who carries the cost, and what was refunded for your units.",
    responses={200: SellerReturnSerializer(many=True), 403: FORBIDDEN},
)
class SellerReturnListView(SellerAPIView, generics.ListAPIView):
    serializer_class = SellerReturnSerializer

    def get_queryset(self) -> QuerySet[ReturnRequest]:
        if self.schema_only():
            return ReturnRequest.objects.none()
        return selectors.seller_returns(seller=self.seller)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = selectors.seller_return_rows(page)
        return self.get_paginated_response(SellerReturnSerializer(rows, many=True).data)
