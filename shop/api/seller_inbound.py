"""Seller endpoints for inbound stock: announce shipments to our warehouses, follow them, read discrepancies.

Scoped like every seller endpoint (`SellerAPIView`): another seller's shipment answers 404. Writes go
through `shop.services.inbound` and `fulfillment.services.receiving`; reads through fulfillment's selectors.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from fulfillment.models import InboundShipment
from fulfillment.selectors_inbound import seller_inbound_shipment, seller_inbound_shipments
from fulfillment.services.receiving import MAX_LINES, MAX_UNITS_PER_LINE, ReceivingError, cancel_inbound_shipment
from marketplace.api_errors import DomainError, error_response
from shop.api.seller import FORBIDDEN, INVALID, SellerAPIView
from shop.services.inbound import SkuQuantity, announce_inbound

NOT_FOUND = {404: error_response("No inbound shipment of yours has this id.")}


class InboundLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=64, help_text="One of your variants' SKU.")
    quantity_expected = serializers.IntegerField(
        min_value=1, max_value=MAX_UNITS_PER_LINE, help_text="Units you are sending."
    )
    quantity_received = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Units that arrived (damaged ones included); null until counted."
    )
    quantity_damaged = serializers.IntegerField(read_only=True, help_text="Units that arrived damaged: not on sale.")
    quantity_short = serializers.IntegerField(read_only=True, help_text="Units announced that did not arrive.")
    quantity_over = serializers.IntegerField(read_only=True, help_text="Units that arrived beyond those announced.")
    quantity_good = serializers.IntegerField(read_only=True, help_text="Units put on sale (received less damaged).")


class InboundShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True, help_text="Write it on every carton, e.g. ASN-7KQ2M9XH.")
    warehouse = serializers.CharField(
        source="warehouse.code", max_length=16, help_text="The code of one of our fulfillment centres."
    )
    status = serializers.ChoiceField(choices=InboundShipment.Status.choices, read_only=True)
    expected_on = serializers.DateField(help_text="When it should arrive.")
    carrier = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    tracking_number = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    lines = InboundLineSerializer(many=True, min_length=1, max_length=MAX_LINES)
    has_discrepancy = serializers.SerializerMethodField(help_text="Closed with a line short, over or damaged.")
    created_at = serializers.DateTimeField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When the receipt was closed.")

    def get_has_discrepancy(self, shipment: InboundShipment) -> bool:
        return bool(shipment.discrepancies)


def _problem(error: ReceivingError) -> DomainError:
    code = status.HTTP_409_CONFLICT if error.code in ("already_receiving", "not_open") else status.HTTP_400_BAD_REQUEST
    return DomainError(error.code, error.message, fields=error.fields, status_code=code)


@extend_schema_view(
    get=extend_schema(
        summary="List your inbound shipments",
        description="Shipments of stock you announced to our warehouses, newest first, with each line's count and "
        "discrepancy once received.",
        responses={200: InboundShipmentSerializer(many=True), 403: FORBIDDEN},
    ),
    post=extend_schema(
        summary="Announce an inbound shipment (ASN)",
        description="Stock on its way to one of our fulfillment centres. Staff count each line when it arrives; "
        "the units go on sale when the receipt is closed.",
        responses={201: InboundShipmentSerializer, 400: INVALID, 403: FORBIDDEN},
    ),
)
class SellerInboundListCreateView(SellerAPIView, generics.ListCreateAPIView):
    serializer_class = InboundShipmentSerializer

    def get_queryset(self) -> QuerySet[InboundShipment]:
        if self.schema_only():
            return InboundShipment.objects.none()
        return seller_inbound_shipments(seller_id=self.seller.pk)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            shipment = announce_inbound(
                seller=self.seller,
                warehouse_code=data["warehouse"]["code"],
                lines=[SkuQuantity(sku=line["sku"], quantity=line["quantity_expected"]) for line in data["lines"]],
                expected_on=data["expected_on"],
                carrier=data["carrier"],
                tracking_number=data["tracking_number"],
                note=data["note"],
                by=request.user,
            )
        except ReceivingError as error:
            raise _problem(error) from error
        shipment = seller_inbound_shipment(seller_id=self.seller.pk, shipment_id=shipment.pk)
        return Response(InboundShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="An inbound shipment of yours",
    responses={200: InboundShipmentSerializer, 403: FORBIDDEN, **NOT_FOUND},
)
class SellerInboundDetailView(SellerAPIView):
    queryset = InboundShipment.objects.none()  # for the schema
    serializer_class = InboundShipmentSerializer

    def get(self, request: Request, pk: int) -> Response:
        shipment = seller_inbound_shipment(seller_id=self.seller.pk, shipment_id=pk)
        if shipment is None:
            raise exceptions.NotFound("No inbound shipment of yours has this id.")
        return Response(InboundShipmentSerializer(shipment).data)


@extend_schema(
    summary="Cancel an inbound shipment",
    description="Only while nothing of it has been counted; cancelling again changes nothing.",
    request=None,
    responses={
        200: InboundShipmentSerializer,
        403: FORBIDDEN,
        **NOT_FOUND,
        409: error_response("It is being received already (`code` already_receiving)."),
    },
)
class SellerInboundCancelView(SellerAPIView):
    queryset = InboundShipment.objects.none()  # for the schema
    serializer_class = InboundShipmentSerializer

    def post(self, request: Request, pk: int) -> Response:
        if seller_inbound_shipment(seller_id=self.seller.pk, shipment_id=pk) is None:
            raise exceptions.NotFound("No inbound shipment of yours has this id.")
        try:
            cancel_inbound_shipment(shipment_id=pk, seller_id=self.seller.pk)
        except ReceivingError as error:
            raise _problem(error) from error
        return Response(
            InboundShipmentSerializer(seller_inbound_shipment(seller_id=self.seller.pk, shipment_id=pk)).data
        )
