"""Creator earnings API: the requesting creator's own numbers (summary, per post, per tag, last 30 days)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from creators import selectors_earnings
from creators.api.studio import FORBIDDEN, IsApprovedCreator
from creators.models import Commission
from creators.services import profiles


class MoneySerializer(serializers.Serializer):
    currency = serializers.CharField()
    sales = serializers.DecimalField(max_digits=14, decimal_places=2)
    commission_pending_cents = serializers.IntegerField(source="pending_cents")
    commission_payable_cents = serializers.IntegerField(source="payable_cents")
    commission_paid_cents = serializers.IntegerField(source="paid_cents")


class TagStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="tag.pk")
    product_id = serializers.IntegerField(source="tag.product_id")
    product_title = serializers.CharField(source="tag.product.title")
    start_seconds = serializers.DecimalField(source="tag.start_seconds", max_digits=7, decimal_places=2)
    clicks = serializers.IntegerField()
    add_to_carts = serializers.IntegerField()
    orders = serializers.IntegerField()
    units = serializers.IntegerField()
    sales = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField(help_text="Empty before the first sale.")
    commission_cents = serializers.IntegerField(help_text="Net of reversals, in minor units.")
    conversion_percent = serializers.DecimalField(
        source="conversion", max_digits=6, decimal_places=1, allow_null=True, help_text="Orders per tag click."
    )


class PostStatsSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="post.pk")
    caption = serializers.CharField(source="post.caption")
    published_at = serializers.DateTimeField(source="post.published_at", allow_null=True)
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    add_to_carts = serializers.IntegerField()
    orders = serializers.IntegerField()
    commission_cents = serializers.IntegerField()
    tags = TagStatsSerializer(many=True)


class DaySerializer(serializers.Serializer):
    day = serializers.DateField()
    clicks = serializers.IntegerField()
    orders = serializers.IntegerField()
    commission_cents = serializers.IntegerField()


class PayoutSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    amount_cents = serializers.IntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)


class ReversalSerializer(serializers.Serializer):
    commission_id = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=Commission.Kind.choices,
        help_text="`earning`: taken off a commission not yet paid out; `adjustment`: taken from the next payout.",
    )
    product = serializers.CharField(help_text="What was bought, as on the order.")
    amount_cents = serializers.IntegerField(help_text="Commission taken back, in minor units (positive).")
    currency = serializers.CharField()
    note = serializers.CharField(help_text="Why: the refund's reason, e.g. \"Return MK-1001-R1: Doesn't fit\".")
    at = serializers.DateTimeField()


class EarningsSerializer(serializers.Serializer):
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    add_to_carts = serializers.IntegerField()
    orders = serializers.IntegerField()
    money = MoneySerializer(many=True, help_text="Sales and commission by status, one entry per currency.")
    posts = PostStatsSerializer(many=True)
    days = DaySerializer(many=True, help_text="The last 30 days, oldest first (UTC).")
    payouts = PayoutSerializer(many=True, help_text="The 20 latest payouts.")
    reversals = ReversalSerializer(
        many=True, help_text="The 20 latest commissions taken back after a refund or a return, with the reason."
    )
    payouts_enabled = serializers.BooleanField(source="creator.payouts_enabled")


@extend_schema(
    tags=["creator"],
    summary="Your earnings",
    description="Impressions, tag clicks, add-to-carts, orders, sales and commission (pending, payable, paid) "
    "of the requesting approved creator, per post and per tag, with a daily series of the last 30 days, and "
    "the commission taken back after refunds and returns, with the reason.",
    responses={200: EarningsSerializer, 403: FORBIDDEN},
)
class EarningsView(APIView):
    permission_classes = [IsAuthenticated, IsApprovedCreator]

    @property
    def creator(self):
        if not hasattr(self, "_creator"):
            self._creator = profiles.creator_for_user(user=self.request.user)
        return self._creator

    def get(self, request: Request) -> Response:
        earnings = selectors_earnings.creator_earnings(creator=self.creator)
        return Response(EarningsSerializer(earnings).data)
