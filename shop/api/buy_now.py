"""`POST /api/v1/buy-now/`: one item, a saved (or given) address and a saved card, paid in one call.

What a mobile app calls from its product sheet; the feed's sheet calls the same service
(shop.services.buy_now), so both price, place and charge alike.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fulfillment.services.stock import InsufficientStock
from marketplace.api_errors import DomainError, error_response
from shop.api.checkout import (
    PRICE,
    AddressSerializer,
    cannot_quote_charges,
    cannot_ship,
    insufficient_stock,
    total_changed,
)
from shop.models import SavedAddress, Variant
from shop.services.buy_now import NotBuyable, PaymentUnavailable, buy_now
from shop.services.checkout import CannotShip, ShippingNotOffered, TotalChanged
from shop.services.import_charges import CannotQuoteCharges
from shop.services.orders import ShippingAddress
from shop.services.saved_details import CardNotFound, as_shipping_address

MAX_ID = 2**63 - 1


class BuyNowRequestSerializer(serializers.Serializer):
    variant = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The variant to buy.")
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)
    address_id = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="One of your saved addresses (GET /api/v1/account/addresses/); or give `address`.",
    )
    address = AddressSerializer(required=False, help_text="An address given inline, instead of `address_id`.")
    payment_method = serializers.CharField(
        max_length=255, help_text="The id (`pm_...`) of one of your saved cards (GET /api/v1/account/cards/)."
    )
    idempotency_key = serializers.CharField(
        min_length=8,
        max_length=100,
        help_text="One per tap (a UUID): the same key again answers the first order, never a second one.",
    )
    expected_total = serializers.DecimalField(
        **PRICE,
        min_value=0,
        required=False,
        help_text="The total the shopper confirmed; if the order would cost anything else, 409 `total_changed` "
        "with the new total, and nothing is ordered or charged.",
    )
    shipping_method = serializers.CharField(
        max_length=40, required=False, help_text="A method code; the cheapest offered when left out."
    )
    tag = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="The creator's product tag the shopper came from."
    )
    return_url = serializers.URLField(
        max_length=2000,
        required=False,
        help_text="Where the card's authentication page sends the shopper back (3D Secure); the order page if "
        "left out.",
    )

    def validate(self, data: dict) -> dict:
        if ("address_id" in data) == ("address" in data):
            raise serializers.ValidationError({"address_id": ["Give either `address_id` or `address`."]})
        return data


class BuyNowResultSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["paid", "requires_action", "processing"],
        help_text="`paid`; `requires_action`: send the shopper to `authentication_url`, the order is paid once "
        "they pass; `processing`: the same key is being paid right now.",
    )
    total = serializers.DecimalField(**PRICE)
    currency = serializers.CharField()
    authentication_url = serializers.URLField(allow_null=True, help_text="Only with `requires_action`.")
    order_url = serializers.URLField()


@extend_schema(
    tags=["checkout"],
    summary="Buy one item now with a saved card",
    request=BuyNowRequestSerializer,
    responses={
        201: BuyNowResultSerializer,
        400: error_response(
            "Invalid input (`invalid`): an unknown variant, an address id or a card that is not yours, neither or "
            "both of `address_id` and `address`; `invalid_quantity`, `not_for_sale`; import charges that cannot be "
            "quoted (`no_landed_cost_rules`, `region_required`, `missing_exchange_rate`)."
        ),
        401: error_response("Not logged in."),
        403: error_response("Not logged in (session authentication answers 403)."),
        402: error_response(
            "`card_declined`: the card was refused; the order is cancelled and its stock released, nothing was "
            "charged. `fields.order_number` names it."
        ),
        409: error_response(
            "`total_changed` (with `fields.total`), `insufficient_stock`, `cannot_ship`: nothing was ordered or "
            "charged."
        ),
        502: error_response("`payment_unavailable`: Stripe did not answer; nothing was charged."),
    },
    examples=[
        OpenApiExample(
            "Saved address and card",
            value={
                "variant": 42,
                "quantity": 1,
                "address_id": 7,
                "payment_method": "pm_1QabcDEF",
                "idempotency_key": "3f0c6c1e-8a43-4b1e-a7de-6f1f0b7c2d11",
                "expected_total": "31.49",
            },
            request_only=True,
        )
    ],
)
class BuyNowView(APIView):
    """Place the order and charge the saved card; once per `idempotency_key`."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        params = BuyNowRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = request.user
        variant = Variant.objects.select_related("product").filter(pk=data["variant"]).first()
        if variant is None:
            raise serializers.ValidationError({"variant": ["No such variant."]})
        address = _address(user, data)
        try:
            result = buy_now(
                user=user,
                variant=variant,
                quantity=data["quantity"],
                address=address,
                payment_method_id=data["payment_method"],
                idempotency_key=data["idempotency_key"],
                expected_total=data.get("expected_total"),
                return_url=data.get("return_url") or "",
                shipping_code=data.get("shipping_method"),
                attribution_tag_id=data.get("tag"),
            )
        except CardNotFound as error:
            raise serializers.ValidationError({"payment_method": ["No saved card of yours has this id."]}) from error
        except NotBuyable as error:
            raise DomainError(error.code, error.message, fields={"variant": [error.message]}) from error
        except ShippingNotOffered as error:
            raise serializers.ValidationError({"shipping_method": [str(error)]}) from error
        except CannotShip as error:
            raise cannot_ship(error) from error
        except CannotQuoteCharges as error:
            raise cannot_quote_charges(error) from error
        except TotalChanged as error:
            raise total_changed(error) from error
        except InsufficientStock as error:
            raise insufficient_stock(error) from error
        except PaymentUnavailable as error:
            raise DomainError("payment_unavailable", str(error), status_code=status.HTTP_502_BAD_GATEWAY) from error
        order = result.order
        if result.status == "declined":
            raise DomainError(
                "card_declined",
                f"{result.message} Nothing was charged, and order {order.number} is cancelled.",
                fields={"order_number": [order.number]},
                status_code=status.HTTP_402_PAYMENT_REQUIRED,
            )
        body = {
            "order_number": order.number,
            "status": result.status,
            "total": order.total,
            "currency": order.currency,
            "authentication_url": result.authentication_url or None,
            "order_url": request.build_absolute_uri(order.get_absolute_url()),
        }
        return Response(BuyNowResultSerializer(body).data, status=status.HTTP_201_CREATED)


def _address(user, data: dict) -> ShippingAddress:
    if "address" in data:
        return ShippingAddress(**data["address"])
    saved = SavedAddress.objects.filter(user=user, pk=data["address_id"]).first()
    if saved is None:
        raise serializers.ValidationError({"address_id": ["No saved address of yours has this id."]})
    return as_shipping_address(saved)
