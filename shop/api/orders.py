"""The shopper's orders: list and detail of their own (anyone else's answers 404), and paying again."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api_errors import DomainError, error_response
from shop.api.checkout import CheckoutResultSerializer, payment_not_started
from shop.checkout.links import can_see_order
from shop.checkout.selectors import order_for_page, orders_for_shopper, payment_state
from shop.models import Order, OrderEvent, OrderLine
from shop.order_timeline import describe
from shop.services.cancellation import cancel_by_shopper
from shop.services.payments import PaymentError, PaymentNotStartable, start_payment

STATUS_HELP = "The order's status: " + ", ".join(f"`{value}` ({label})" for value, label in Order.Status.choices) + "."
NOT_LOGGED_IN = error_response("Not logged in.")
NOT_FOUND = error_response("No order of yours has this number.")


class OrderSummarySerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display", help_text="The status in words.")
    item_count = serializers.IntegerField(help_text="Units ordered, over all lines.")

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_display",
            "created_at",
            "paid_at",
            "item_count",
            "total",
            "currency",
        ]
        read_only_fields = fields


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = [
            "id",
            "variant_id",
            "product_title",
            "variant_label",
            "sku",
            "quantity",
            "quantity_refunded",
            "unit_price",
            "line_total",
            "tax_amount",
            "duty_amount",
            "currency",
        ]
        read_only_fields = fields


class OrderEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrderEvent.Kind.choices, help_text="What happened, from a fixed list.")
    params = serializers.DictField(help_text="The kind's parameters (amounts, warehouse, reason...).")
    text = serializers.SerializerMethodField(help_text="The event in plain words, as the order page says it.")

    class Meta:
        model = OrderEvent
        fields = ["created_at", "kind", "params", "from_status", "to_status", "text"]
        read_only_fields = fields

    def get_text(self, event: OrderEvent) -> str:
        return describe(event)


class ShippingAddressOutSerializer(serializers.Serializer):
    name = serializers.CharField(source="ship_name")
    line1 = serializers.CharField(source="ship_line1")
    line2 = serializers.CharField(source="ship_line2")
    city = serializers.CharField(source="ship_city")
    region = serializers.CharField(source="ship_region")
    postal_code = serializers.CharField(source="ship_postal_code")
    country = serializers.CharField(source="ship_country.code")
    phone = serializers.CharField(source="ship_phone")


class OrderDetailSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text=STATUS_HELP)
    status_display = serializers.CharField(source="get_status_display")
    shipping_address = ShippingAddressOutSerializer(source="*")
    lines = OrderLineSerializer(many=True)
    events = OrderEventSerializer(many=True, help_text="The order's timeline, oldest first.")
    delivered_on_time = serializers.BooleanField(
        allow_null=True, help_text="Delivered by the last promised day; null while undelivered or without a promise."
    )

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_display",
            "email",
            "created_at",
            "paid_at",
            "currency",
            "subtotal",
            "shipping_total",
            "tax_total",
            "duty_total",
            "total",
            "incoterm",
            "import_charges_due_at_door",
            "amount_paid",
            "amount_refunded",
            "shipping_method",
            "shipping_method_name",
            "promised_from",
            "promised_to",
            "delivered_on",
            "delivered_on_time",
            "shipping_address",
            "lines",
            "events",
        ]
        read_only_fields = fields


@extend_schema_view(
    get=extend_schema(
        tags=["orders"],
        summary="List your orders",
        responses={200: OrderSummarySerializer(many=True), 401: NOT_LOGGED_IN, 403: NOT_LOGGED_IN},
    )
)
class OrderListView(generics.ListAPIView):
    """Your orders, newest first, 24 a page."""

    serializer_class = OrderSummarySerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return orders_for_shopper(user=self.request.user)


@extend_schema_view(
    get=extend_schema(
        tags=["orders"],
        summary="Show one of your orders",
        responses={200: OrderDetailSerializer, 401: NOT_LOGGED_IN, 403: NOT_LOGGED_IN, 404: NOT_FOUND},
    )
)
class OrderDetailView(generics.RetrieveAPIView):
    """One of your orders with its lines, totals, shipping address and timeline."""

    serializer_class = OrderDetailSerializer
    permission_classes = [IsAuthenticated]
    queryset = Order.objects.none()  # for the schema; get_object looks up the user's order

    def get_object(self) -> Order:
        order = order_for_page(number=self.kwargs["number"])
        if order is None or order.user_id != self.request.user.pk:
            raise exceptions.NotFound("No order of yours has this number.")
        return order


class PaymentRequestSerializer(serializers.Serializer):
    token = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="For a guest's order placed in another session: the `token` of its signed order link.",
    )


@extend_schema(
    tags=["orders"],
    summary="Pay an unpaid order again",
    request=PaymentRequestSerializer,
    responses={
        201: CheckoutResultSerializer,
        400: error_response("The body is not a JSON object with an optional `token`."),
        404: NOT_FOUND,
        409: error_response(
            "`not_payable`: the order is not awaiting payment (paid, cancelled...); `payment_processing`: a "
            "payment is settling; `reservation_expired`: its items are no longer held, check out again."
        ),
        502: error_response("`payment_unavailable`: the payment service did not answer; try again."),
    },
)
class OrderPaymentView(APIView):
    """A new payment attempt for an order still awaiting payment: answers a fresh payment URL.

    Yours when logged in; a guest's order from the same session, or with the token of its signed link.
    """

    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def post(self, request: Request, number: str) -> Response:
        params = PaymentRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        order = Order.objects.filter(number=number).first()
        if order is None or not can_see_order(request, order, token=params.validated_data["token"]):
            raise exceptions.NotFound("No order of yours has this number.")
        if payment_state(order) == "processing":
            raise DomainError(
                "payment_processing",
                f"A payment for order {order.number} is being confirmed; it does not need paying again.",
                status_code=status.HTTP_409_CONFLICT,
            )
        if order.status != Order.Status.PENDING_PAYMENT:
            raise DomainError(
                "not_payable",
                f"Order {order.number} is {order.get_status_display().lower()}; it cannot be paid.",
                status_code=status.HTTP_409_CONFLICT,
            )
        try:
            payment = start_payment(order=order)
        except PaymentNotStartable as error:
            raise payment_not_started(error) from error
        body = {
            "order_number": order.number,
            "payment_url": payment.checkout_url,
            "total": order.total,
            "currency": order.currency,
        }
        return Response(CheckoutResultSerializer(body).data, status=status.HTTP_201_CREATED)


class CancelRefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.CharField(help_text="`pending` until the payment service confirms it, then `succeeded`.")


class OrderCancelResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField(help_text=STATUS_HELP)
    already_cancelled = serializers.BooleanField(help_text="True when an earlier request had cancelled it.")
    refund = CancelRefundSerializer(allow_null=True, help_text="The refund of what was paid; null when unpaid.")


@extend_schema(
    tags=["orders"],
    summary="Cancel one of your orders before it is picked",
    request=None,
    responses={
        200: OrderCancelResultSerializer,
        401: NOT_LOGGED_IN,
        403: error_response("Not logged in, or the CSRF token is missing (session authentication)."),
        404: NOT_FOUND,
        409: error_response(
            "`picking_started`: a warehouse is picking it or it has shipped; `not_cancellable`: it is delivered, "
            "refunded or otherwise closed; `paid_meanwhile`: a payment is arriving, look again."
        ),
    },
)
class OrderCancelView(APIView):
    """Cancel your order while no warehouse has started picking it; what was paid is refunded, once.

    Asking again answers the same cancellation and refund (`already_cancelled` true).
    """

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, number: str) -> Response:
        order = Order.objects.filter(number=number, user=request.user).first()
        if order is None:
            raise exceptions.NotFound("No order of yours has this number.")
        try:
            result = cancel_by_shopper(order=order, by=request.user)
        except PaymentError as error:  # not cancellable, or its payment cannot be refunded: nothing changed
            raise DomainError(error.code, error.message, status_code=status.HTTP_409_CONFLICT) from error
        refund = result.refund
        body = {
            "number": result.order.number,
            "status": result.order.status,
            "already_cancelled": result.already,
            "refund": None
            if refund is None
            else {"amount": refund.amount, "currency": refund.currency, "status": refund.status},
        }
        return Response(OrderCancelResultSerializer(body).data)
