"""The shopper's saved addresses and cards, for an app's buy-now (their ids go to POST /api/v1/buy-now/)."""

import stripe
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api_errors import DomainError, error_response
from shop.selectors import saved_addresses
from shop.services.saved_details import saved_cards


class SavedAddressSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Send as `address_id` to buy now.")
    name = serializers.CharField()
    line1 = serializers.CharField()
    line2 = serializers.CharField()
    city = serializers.CharField()
    region = serializers.CharField()
    postal_code = serializers.CharField()
    country = serializers.CharField(source="country.code")
    phone = serializers.CharField()
    is_default = serializers.BooleanField()


class SavedCardSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The PaymentMethod id (`pm_...`): send as `payment_method` to buy now.")
    brand = serializers.CharField()
    last4 = serializers.CharField()
    exp_month = serializers.IntegerField()
    exp_year = serializers.IntegerField()
    is_default = serializers.BooleanField(help_text="The card buy now pays with (the first in the list).")


@extend_schema(
    tags=["account"],
    summary="Your saved addresses",
    responses={
        200: SavedAddressSerializer(many=True),
        401: error_response("Not logged in."),
        403: error_response("Not logged in (session authentication answers 403)."),
    },
)
class SavedAddressListView(APIView):
    """The default first, then the newest."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response(SavedAddressSerializer(saved_addresses(user=request.user), many=True).data)


@extend_schema(
    tags=["account"],
    summary="Your saved cards",
    responses={
        200: SavedCardSerializer(many=True),
        401: error_response("Not logged in."),
        403: error_response("Not logged in (session authentication answers 403)."),
        502: error_response("`cards_unavailable`: Stripe did not answer."),
    },
)
class SavedCardListView(APIView):
    """Cards kept at Stripe for you (saved when you pay at checkout logged in): the default first, then newest first."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        try:
            cards = saved_cards(user=request.user)
        except stripe.StripeError as error:
            raise DomainError(
                "cards_unavailable", "Your cards cannot be read just now.", status_code=status.HTTP_502_BAD_GATEWAY
            ) from error
        return Response(SavedCardSerializer(cards, many=True).data)
