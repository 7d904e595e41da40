"""Cart endpoints: read the cart, add, change and remove lines.

The cart is the caller's: a token holder's user cart, or the one of the session cookie (as on the site).
Bodies are JSON only, so a page on another site cannot post a form into a visitor's session cart.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api_errors import error_response
from marketplace.api_fields import IdRelatedField
from shop import selectors
from shop.models import CartLine
from shop.services.cart import (
    MAX_LINE_QUANTITY,
    add_to_visitors_cart,
    cart_for_request,
    remove_line,
    set_line_quantity,
)

PRICE = {"max_digits": 12, "decimal_places": 2}
QUANTITY = {"min_value": 1, "max_value": MAX_LINE_QUANTITY}
NOT_FOUND = error_response("No line of your cart has this id (a line of another cart is not found either).")


class CartLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The line's id, for PATCH and DELETE.")
    variant = serializers.IntegerField(source="variant_id", help_text="The variant's id.")
    sku = serializers.CharField(source="variant.sku")
    product = serializers.CharField(source="variant.product.slug", help_text="Slug of the product (its API address).")
    title = serializers.CharField(source="variant.product.title", help_text="The product's title.")
    label = serializers.CharField(source="variant.label", help_text="The option, e.g. `Red / M`; may be empty.")
    unit_price = serializers.DecimalField(source="variant.price", **PRICE)
    currency = serializers.CharField(source="variant.currency", help_text="ISO 4217 code of every amount of the line.")
    quantity = serializers.IntegerField()
    line_total = serializers.DecimalField(**PRICE, help_text="unit_price x quantity.")
    available = serializers.IntegerField(
        help_text="Units that can be bought now; below `quantity`, the line must be lowered before checkout."
    )


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True, help_text="In the order they were added.")
    item_count = serializers.IntegerField(help_text="Units over all lines.")
    subtotal = serializers.DecimalField(
        **PRICE, allow_null=True, help_text="Sum of the line totals; null when the cart is empty or mixes currencies."
    )
    currency = serializers.CharField(allow_null=True, help_text="ISO 4217 code of the subtotal; null with it.")


class CartLineCreateSerializer(serializers.Serializer):
    variant = IdRelatedField(
        queryset=selectors.variants_to_add(),
        help_text="Id of the variant to add (`variants[].id` of a product).",
        error_messages={"does_not_exist": "No variant has the id {pk_value}."},
    )
    quantity = serializers.IntegerField(
        **QUANTITY, default=1, help_text="Units to add; the line's quantity grows if the variant is already in it."
    )


class CartLineUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(**QUANTITY, help_text="The line's new quantity (at most what is available).")


class CartAPIView(APIView):
    """Base of the cart endpoints: open to anyone, JSON bodies, answers with the whole cart."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def cart_response(self, request: Request, status_code: int = status.HTTP_200_OK) -> Response:
        contents = selectors.cart_contents(cart=cart_for_request(request))
        return Response(CartSerializer(contents).data, status=status_code)

    def line_or_404(self, request: Request, line_id: int) -> CartLine:
        line = selectors.cart_line(cart=cart_for_request(request), line_id=line_id)
        if line is None:
            raise exceptions.NotFound("No line of your cart has this id.")
        return line


@extend_schema(tags=["cart"])
class CartView(CartAPIView):
    @extend_schema(summary="Show the cart", responses={200: CartSerializer})
    def get(self, request: Request) -> Response:
        """The caller's cart; empty (nothing is created) until a line is added."""
        return self.cart_response(request)


@extend_schema(tags=["cart"])
class CartLineListView(CartAPIView):
    @extend_schema(
        summary="Add a variant to the cart",
        request=CartLineCreateSerializer,
        responses={
            201: CartSerializer,
            400: error_response(
                "`fields.variant`: unknown, not for sale, or priced in another currency than the cart; "
                "`fields.quantity`: not 1 to 99, or more than is available (with what is in the cart already)."
            ),
            415: error_response("The body is not JSON."),
        },
        examples=[OpenApiExample("Two units", value={"variant": 42, "quantity": 2}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        """Add units of a variant (the cart is made on demand); answers the whole cart."""
        params = CartLineCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        line = add_to_visitors_cart(request=request, **params.validated_data)
        contents = line.cart.contents  # the cart as the add left it: not read again
        return Response(CartSerializer(contents).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["cart"])
class CartLineDetailView(CartAPIView):
    @extend_schema(
        summary="Change a line's quantity",
        request=CartLineUpdateSerializer,
        responses={
            200: CartSerializer,
            400: error_response("`fields.quantity`: not 1 to 99, or more than is available; nothing changed."),
            404: NOT_FOUND,
            415: error_response("The body is not JSON."),
        },
        examples=[OpenApiExample("Three units", value={"quantity": 3}, request_only=True)],
    )
    def patch(self, request: Request, pk: int) -> Response:
        """Set the line's quantity; answers the whole cart."""
        line = self.line_or_404(request, pk)
        params = CartLineUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        set_line_quantity(line=line, quantity=params.validated_data["quantity"])
        return self.cart_response(request)

    @extend_schema(summary="Remove a line", request=None, responses={204: None, 404: NOT_FOUND})
    def delete(self, request: Request, pk: int) -> Response:
        remove_line(line=self.line_or_404(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
