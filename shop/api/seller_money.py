"""Seller money endpoints: orders with their own lines, balance, transfers, statements, sales by month, payout account.

Scoped to the requesting user's seller (shop.api.seller.SellerAPIView): another seller's data never
shows. Amounts are integers in the currency's minor unit (`*_minor`, as Stripe counts them) with
their ISO currency, so nothing is lost to rounding.
"""

import contextlib

import stripe
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.api_errors import error_response
from shop.api.seller import FORBIDDEN, SellerAPIView
from shop.models import Order, SellerPaymentAccount, SellerTransfer
from shop.selectors_seller_money import (
    parse_month,
    sales_and_fees_by_month,
    seller_balances,
    seller_orders,
    seller_transfers,
    statement_rows,
    with_line_fulfillment,
)
from shop.services.seller_accounts import refresh_seller_account, start_seller_onboarding


class SellerOrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    product_title = serializers.CharField()
    variant_label = serializers.CharField(help_text="Empty for a product without options.")
    quantity = serializers.IntegerField()
    quantity_refunded = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    units_allocated = serializers.IntegerField(source="fulfillment.allocated", help_text="Held in a warehouse.")
    units_shipped = serializers.IntegerField(source="fulfillment.shipped", help_text="Handed to the carrier.")
    units_delivered = serializers.IntegerField(source="fulfillment.delivered")


class SellerOrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices, help_text="Payment, shipping and return status.")
    status_label = serializers.CharField(source="get_status_display")
    paid_at = serializers.DateTimeField()
    currency = serializers.CharField()
    lines = SellerOrderLineSerializer(many=True, source="seller_lines", help_text="Your lines only.")


@extend_schema(
    tags=["seller"],
    summary="List the orders of your products",
    description="Paid orders with at least one of your products, newest first, with only your lines and how "
    "far each got (units allocated, shipped, delivered).",
    responses={200: SellerOrderSerializer(many=True), 403: FORBIDDEN},
)
class SellerOrderListView(SellerAPIView, generics.ListAPIView):
    serializer_class = SellerOrderSerializer

    def get_queryset(self) -> QuerySet[Order]:
        if self.schema_only():
            return Order.objects.none()
        return seller_orders(seller=self.seller)

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = with_line_fulfillment(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(SellerOrderSerializer(page, many=True).data)


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField()
    pending_minor = serializers.IntegerField(source="pending", help_text="Held until delivery plus the return window.")
    available_minor = serializers.IntegerField(
        source="available", help_text="For the next transfer; negative when you owe (a refund after a transfer)."
    )
    paid_minor = serializers.IntegerField(source="paid", help_text="Transferred to your account, net of reversals.")


@extend_schema(
    tags=["seller"],
    summary="Your balance",
    description="Per currency, in minor units: pending, available and paid.",
    responses={200: BalanceSerializer(many=True), 403: FORBIDDEN},
)
class SellerBalanceView(SellerAPIView):
    pagination_class = None  # one row per currency: the whole list, as the schema says

    def get(self, request: Request) -> Response:
        return Response(BalanceSerializer(seller_balances(seller=self.seller), many=True).data)


class TransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_number = serializers.CharField(source="order.number")
    currency = serializers.CharField()
    amount_minor = serializers.IntegerField()
    amount_reversed_minor = serializers.IntegerField()
    status = serializers.ChoiceField(choices=SellerTransfer.Status.choices)
    stripe_transfer_id = serializers.CharField(help_text="Empty until Stripe made it.")
    created_at = serializers.DateTimeField()
    transferred_at = serializers.DateTimeField(allow_null=True)


@extend_schema(
    tags=["seller"],
    summary="List your transfers",
    description="Transfers to your Stripe account, one per order, newest first.",
    responses={200: TransferSerializer(many=True), 403: FORBIDDEN},
)
class SellerTransferListView(SellerAPIView, generics.ListAPIView):
    serializer_class = TransferSerializer

    def get_queryset(self) -> QuerySet[SellerTransfer]:
        if self.schema_only():
            return SellerTransfer.objects.none()
        return seller_transfers(seller=self.seller)


class StatementRowSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="charge, platform_fee, fulfillment_fee, commission, refund, transfer...")
    description = serializers.CharField()
    order_number = serializers.CharField()
    sku = serializers.CharField(help_text="Empty for a movement of the whole order (a transfer).")
    currency = serializers.CharField()
    amount_minor = serializers.IntegerField(help_text="+ earned by you, - taken (fees, refunds, transfers out).")


@extend_schema(
    tags=["seller"],
    summary="A month's statement",
    description="Every movement of your balance in a calendar month (UTC), oldest first. The dashboard has it as CSV.",
    parameters=[OpenApiParameter("month", OpenApiTypes.STR, required=True, description="YYYY-MM, e.g. 2026-11")],
    responses={200: StatementRowSerializer(many=True), 400: error_response("The month is not YYYY-MM."),
               403: FORBIDDEN},
)  # fmt: skip
class SellerStatementView(SellerAPIView):
    def get(self, request: Request) -> Response:
        month = parse_month(request.query_params.get("month"))
        if month is None:
            return Response(
                {"code": "invalid", "message": "Give the month as YYYY-MM, e.g. 2026-11.", "fields": {"month": [
                    "Expected YYYY-MM."]}},
                status=status.HTTP_400_BAD_REQUEST,
            )  # fmt: skip
        return Response(StatementRowSerializer(statement_rows(seller=self.seller, month=month), many=True).data)


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month.")
    currency = serializers.CharField()
    sales_minor = serializers.IntegerField(source="sales")
    fees_minor = serializers.IntegerField(source="fees", help_text="Platform fee, fulfillment, creator commissions.")
    refunds_minor = serializers.IntegerField(source="refunds", help_text="Taken back on refunds, net of fees returned.")


@extend_schema(
    tags=["seller"],
    summary="Sales and fees by month",
    responses={200: MonthSerializer(many=True), 403: FORBIDDEN},
)
class SellerMonthsView(SellerAPIView):
    pagination_class = None  # every month with sales: the whole list, as the schema says

    def get(self, request: Request) -> Response:
        return Response(MonthSerializer(sales_and_fees_by_month(seller=self.seller), many=True).data)


class PayoutAccountSerializer(serializers.Serializer):
    connected = serializers.BooleanField()
    charges_enabled = serializers.BooleanField()
    payouts_enabled = serializers.BooleanField()
    requirements_due = serializers.ListField(child=serializers.CharField())


def _account_data(account: SellerPaymentAccount | None) -> dict:
    if account is None:
        return {"connected": False, "charges_enabled": False, "payouts_enabled": False, "requirements_due": []}
    return {
        "connected": True,
        "charges_enabled": account.charges_enabled,
        "payouts_enabled": account.payouts_enabled,
        "requirements_due": account.requirements_due,
    }


class OnboardingLinkRequestSerializer(serializers.Serializer):
    refresh_url = serializers.URLField(max_length=2000, help_text="Where Stripe sends you when the link expired.")
    return_url = serializers.URLField(max_length=2000, help_text="Where Stripe sends you when you are done.")


LINK_OUT = inline_serializer("OnboardingLink", {"url": serializers.URLField()})


class SellerPayoutAccountView(SellerAPIView):
    @extend_schema(
        tags=["seller"],
        summary="Your payout account",
        description="Whether your Stripe (Connect Express) account can be paid, and what Stripe still needs.",
        responses={200: PayoutAccountSerializer, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        account = SellerPaymentAccount.objects.filter(seller=self.seller).first()
        if account is not None and not account.payouts_enabled:
            with contextlib.suppress(stripe.StripeError):  # else what we last knew
                account = refresh_seller_account(seller=self.seller) or account
        return Response(PayoutAccountSerializer(_account_data(account)).data)

    @extend_schema(
        tags=["seller"],
        summary="Start or continue onboarding",
        description="A single-use link to Stripe's onboarding page for your account (made on first use).",
        request=OnboardingLinkRequestSerializer,
        responses={201: LINK_OUT, 400: error_response("Invalid URLs."), 403: FORBIDDEN,
                   503: error_response("Stripe could not be reached.")},
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        data = OnboardingLinkRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            url = start_seller_onboarding(seller=self.seller, **data.validated_data)
        except stripe.StripeError:
            return Response(
                {"code": "payment_unavailable", "message": "Stripe could not be reached. Try again in a moment."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"url": url}, status=status.HTTP_201_CREATED)
