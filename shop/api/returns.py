"""A shopper's returns of one order: list them, ask for one (JSON, or multipart with photos), show one, its label.

Who may: the account that placed the order, or, for a guest's order, the `token` of its signed order link
(as on the order page). Anyone else gets 404, whatever the order. Asking goes through the one service the
order page uses (shop.services.returns.request_return); its refusals are 400s with their `code` and the
field at fault, and nothing is written then.
"""

import json
from typing import Any

from django.http import HttpResponseBase
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fulfillment.selectors import return_label
from marketplace.api_errors import DomainError, error_response
from marketplace.storage import serve_private
from shop.checkout.links import opens_order, signed_for_guest
from shop.checkout.selectors import order_for_page
from shop.models import Order, Refund, ReturnRequest
from shop.returns.selectors import ShopperReturn, returns_of, shopper_returns
from shop.services.returns import SHOPPER_REASONS, ReturnNotAllowed, request_return

MAX_ID = 2**63 - 1  # the largest id a column holds
MAX_LINES = 100
MAX_LINES_JSON = 10_000  # characters of the multipart `lines` text
SHOPPER_REASON_CHOICES = [(reason.value, reason.label) for reason in SHOPPER_REASONS]
NOT_FOUND = error_response("No order of yours has this number, or it has no return with this number.")
TOKEN = OpenApiParameter(
    "token",
    OpenApiTypes.STR,
    description="For a guest's order: the `token` of its signed order link (from the confirmation email).",
)
STATUS_HELP = "The return's status: " + ", ".join(f"`{v}` ({label})" for v, label in ReturnRequest.Status.choices)
REFUSED = (
    "Refused, nothing written; `fields` names the input at fault. `code`: `invalid` (types, sizes), "
    "`nothing_to_return`, `unknown_line`, `exceeds_returnable` (more than was delivered and not yet returned, "
    "past the return window, final sale), `invalid_reason`, `photos_required` (damaged, not as described), "
    "`too_many_photos`, `invalid_photo`, `invalid_comment`, `invalid_quantity`."
)


# ---------------------------------------------------------------------------------- what comes in


class WholeNumberField(serializers.IntegerField):
    """An integer given as a JSON number: `true`, `"1"` and `1.5` are the wrong type, not 1."""

    def to_internal_value(self, data: Any) -> int:
        whole = isinstance(data, int) or (isinstance(data, float) and data.is_integer())
        if isinstance(data, bool) or not whole:
            self.fail("invalid")
        return super().to_internal_value(data)


class ReturnLineInSerializer(serializers.Serializer):
    line_id = WholeNumberField(min_value=1, max_value=MAX_ID, help_text="An order line's `id` (the order's `lines`).")
    quantity = WholeNumberField(min_value=0, max_value=10_000, help_text="Units of that line to send back; 0 skips it.")


def _reason_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=SHOPPER_REASON_CHOICES,
        help_text="Why it goes back. `damaged` and `not_as_described` need at least one photo (multipart).",
    )


def _comment_field() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class ReturnCreateSerializer(serializers.Serializer):
    lines = ReturnLineInSerializer(many=True, max_length=MAX_LINES, help_text="What to send back.")
    reason = _reason_field()
    comment = _comment_field()


class ReturnCreateMultipartSerializer(serializers.Serializer):
    lines = serializers.CharField(
        max_length=MAX_LINES_JSON,
        help_text='The lines as JSON text, e.g. `[{"line_id": 12, "quantity": 1}]`.',
    )
    reason = _reason_field()
    comment = _comment_field()
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="Up to 5 pictures (JPEG, PNG, WebP or GIF) of what is wrong.",
    )

    def validate_lines(self, text: str) -> list[dict]:
        try:
            lines = json.loads(text)
        except (ValueError, RecursionError) as error:  # RecursionError: deeply nested JSON text
            raise serializers.ValidationError("Give the lines as JSON text.") from error
        parsed = ReturnLineInSerializer(data=lines, many=True, max_length=MAX_LINES)
        if not isinstance(lines, list) or not parsed.is_valid():
            raise serializers.ValidationError(parsed.errors if isinstance(lines, list) else "Give a JSON array.")
        return parsed.validated_data


# ---------------------------------------------------------------------------------- what goes out


class ReturnLineOutSerializer(serializers.Serializer):
    line_id = serializers.IntegerField(source="order_line_id", help_text="The order line's `id`.")
    product_title = serializers.CharField(source="order_line.product_title")
    variant_label = serializers.CharField(source="order_line.variant_label")
    sku = serializers.CharField(source="order_line.sku")
    quantity = serializers.IntegerField(help_text="Units asked to return.")
    quantity_accepted = serializers.IntegerField(help_text="Once inspected: units that came back (refunded).")
    quantity_missing = serializers.IntegerField(help_text="Once inspected: units that were not in the parcel.")


class ReturnRefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=Refund.Status.choices)


class ReturnStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField(help_text="The step in plain words, as the order page says it.")


class ScanSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    status = serializers.CharField(help_text="The carrier's status code of the scan.")
    status_display = serializers.CharField(source="get_status_display")
    location = serializers.CharField()
    description = serializers.CharField()


class ReturnSerializer(serializers.Serializer):
    number = serializers.CharField(source="ret.number", help_text="The order's number and a sequence, e.g. `-R1`.")
    status = serializers.ChoiceField(source="ret.status", choices=ReturnRequest.Status.choices, help_text=STATUS_HELP)
    status_display = serializers.CharField(source="ret.get_status_display")
    reason = serializers.ChoiceField(source="ret.reason", choices=ReturnRequest.Reason.choices)
    reason_display = serializers.CharField(source="ret.get_reason_display")
    comment = serializers.CharField(source="ret.comment")
    photo_count = serializers.IntegerField(source="ret.photo_count")
    decision_message = serializers.CharField(source="ret.decision_message", help_text="Staff's words, if any.")
    created_at = serializers.DateTimeField(source="ret.created_at")
    ship_by = serializers.DateTimeField(
        allow_null=True, help_text="While approved: the parcel must be sent by then, or the return expires."
    )
    value = serializers.DecimalField(source="ret.value", max_digits=12, decimal_places=2)
    currency = serializers.CharField(source="ret.currency")
    lines = ReturnLineOutSerializer(many=True)
    refund = ReturnRefundSerializer(source="ret.refund", allow_null=True, help_text="Once the money moves.")
    drop_off_code = serializers.CharField(
        help_text="While the parcel is to be sent: the code a drop-off point scans (shown as a QR code); else empty."
    )
    tracking_number = serializers.CharField(help_text="The parcel's tracking number once its label is bought.")
    tracking_url = serializers.SerializerMethodField(help_text="The public tracking page, once there is a number.")
    label_url = serializers.SerializerMethodField(help_text="The prepaid label (PDF) while it is to be used.")
    scans = serializers.SerializerMethodField(help_text="The carrier's scans of the parcel, oldest first.")
    timeline = ReturnStepSerializer(many=True, help_text="The return's own steps and emails, oldest first.")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_tracking_url(self, item: ShopperReturn) -> str | None:
        if not item.tracking_number:
            return None
        path = reverse("fulfillment:track", kwargs={"tracking_number": item.tracking_number})
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_label_url(self, item: ShopperReturn) -> str | None:
        if not item.has_label:
            return None
        order = self.context["order"]
        path = reverse("api-order-return-label", kwargs={"number": order.number, "return_number": item.number})
        return self.context["request"].build_absolute_uri(signed_for_guest(order, path))

    @extend_schema_field(ScanSerializer(many=True))
    def get_scans(self, item: ShopperReturn) -> list[dict]:
        return ScanSerializer(item.shipment.timeline if item.tracking_number else [], many=True).data


# ---------------------------------------------------------------------------------- the endpoints


def _order(request: Request, number: str) -> Order:
    """The order if the caller may see it (its account, or a guest's signed token); 404 otherwise."""
    token = request.query_params.get("token") or None  # empty: as if absent, as the schema says
    order = order_for_page(number=number)
    if order is None or not opens_order(request, order, token=token):
        raise exceptions.NotFound("No order of yours has this number.")
    return order


def _render(request: Request, order: Order, returns: list[ReturnRequest]) -> list[dict]:
    items = shopper_returns(order=order, returns=returns)
    return ReturnSerializer(items, many=True, context={"request": request, "order": order}).data


def _refused(error: ReturnNotAllowed) -> DomainError:
    return DomainError(error.code, error.message, fields={error.field: [error.message]} if error.field else {})


class OrderReturnListView(APIView):
    """The returns of one of your orders, and asking for a new one."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        tags=["orders"],
        operation_id="order_returns_list",
        summary="List the returns of an order",
        parameters=[TOKEN],
        responses={200: ReturnSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request: Request, number: str) -> Response:
        order = _order(request, number)
        return Response(_render(request, order, returns_of(order=order)))

    @extend_schema(
        tags=["orders"],
        operation_id="order_returns_create",
        summary="Ask for a return",
        description="JSON, or multipart (the lines as JSON text) to send photos. The policy approves it at once "
        "(`approved`: the label follows) or sends it to staff (`in_review`).",
        parameters=[TOKEN],
        request={"application/json": ReturnCreateSerializer, "multipart/form-data": ReturnCreateMultipartSerializer},
        responses={201: ReturnSerializer, 400: error_response(REFUSED), 404: NOT_FOUND},
    )
    def post(self, request: Request, number: str) -> Response:
        order = _order(request, number)  # someone else's order: 404 before the body is even read
        multipart = request.content_type.startswith("multipart/")
        params = (ReturnCreateMultipartSerializer if multipart else ReturnCreateSerializer)(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        try:
            ret = request_return(
                order=order,
                lines=[(line["line_id"], line["quantity"]) for line in data["lines"]],
                reason=data["reason"],
                comment=data["comment"],
                photos=data.get("photos", []),
                by=request.user,
            )
        except ReturnNotAllowed as error:
            raise _refused(error) from error
        order = order_for_page(number=order.number)  # with the events the request wrote
        created = [item for item in returns_of(order=order) if item.pk == ret.pk]
        return Response(_render(request, order, created)[0], status=status.HTTP_201_CREATED)


class OrderReturnDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["orders"],
        operation_id="order_returns_retrieve",
        summary="Show a return of an order",
        parameters=[TOKEN],
        responses={200: ReturnSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, number: str, return_number: str) -> Response:
        order = _order(request, number)
        found = [ret for ret in returns_of(order=order) if ret.number == return_number]
        if not found:
            raise exceptions.NotFound("This order has no return with this number.")
        return Response(_render(request, order, found)[0])


class OrderReturnLabelView(APIView):
    permission_classes = [AllowAny]

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # A PDF client sends `Accept: application/pdf`: errors are still JSON, never a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=["orders"],
        operation_id="order_returns_label",
        summary="Download a return's prepaid label",
        parameters=[TOKEN],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The 4x6 label, as printed."),
            404: NOT_FOUND,
        },
    )
    def get(self, request: Request, number: str, return_number: str) -> HttpResponseBase:
        order = _order(request, number)
        ret = ReturnRequest.objects.filter(order=order, number=return_number).first()
        label = return_label(return_id=ret.pk) if ret is not None else None
        if label is None or not label.pdf:
            raise exceptions.NotFound("This order has no return label with this number.")
        return serve_private(
            request,
            label.pdf,
            content_type="application/pdf",
            as_attachment=True,
            filename=f"return-label-{ret.number}.pdf",
        )
