"""What sellers are paid: their connected Stripe account, the platform's fee rules, and transfers to them."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from shop.currencies import validate_currency
from shop.models.orders import MONEY


class SellerPaymentAccount(models.Model):
    """A seller's Stripe Connect Express account, as Stripe last told us about it."""

    seller = models.OneToOneField("shop.Seller", on_delete=models.CASCADE, related_name="payment_account")
    stripe_account_id = models.CharField(max_length=64, unique=True)
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    requirements_due = models.JSONField(default=list, blank=True, help_text="Stripe's requirements.currently_due.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stripe_account_id} of seller {self.seller_id}"

    @property
    def can_be_paid(self) -> bool:
        return self.payouts_enabled


class TakeRate(models.Model):
    """The platform's fee, a share of the sale, per category (or the default), from a date: a change is a new row."""

    category = models.ForeignKey(
        "shop.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="take_rates",
        help_text="Empty: the default for every category without its own rate (nor a parent's).",
    )  # fmt: skip
    rate_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))],
    )
    effective_from = models.DateTimeField()
    source = models.CharField(max_length=200, help_text="Where the rate comes from: a decision, a contract.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from"], name="take_rate_one_per_start", nulls_distinct=False
            ),
            models.CheckConstraint(
                condition=Q(rate_percent__gte=0) & Q(rate_percent__lte=50), name="take_rate_within_0_50"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent}% for {self.category or 'every category'} from {self.effective_from:%Y-%m-%d}"


class FulfillmentFee(models.Model):
    """What our network charges a seller per unit picked and packed, per currency, from a date."""

    currency = models.CharField(max_length=3, validators=[validate_currency])
    pick_pack_per_unit = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateTimeField()
    source = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["currency", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "effective_from"], name="fulfillment_fee_one_per_start"),
            models.CheckConstraint(condition=Q(pick_pack_per_unit__gte=0), name="fulfillment_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.pick_pack_per_unit} {self.currency} per unit from {self.effective_from:%Y-%m-%d}"


class SellerTransfer(models.Model):
    """Money moved to a seller's connected account from one order's charge (separate charges and transfers).

    Written `pending` with its idempotency key before Stripe is called, so a worker killed mid-call
    sends the same transfer again (Stripe answers the first one) and the ledger posts it once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Transferred"
        FAILED = "failed", "Failed"

    seller = models.ForeignKey("shop.Seller", on_delete=models.PROTECT, related_name="transfers")
    order = models.ForeignKey("shop.Order", on_delete=models.PROTECT, related_name="seller_transfers")
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    # Negative balances of other orders this transfer settles: {order_id: minor units}.
    settles = models.JSONField(default=dict, blank=True)
    charge_id = models.CharField(max_length=64)
    stripe_transfer_id = models.CharField(max_length=64, blank=True)
    amount_reversed_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    transferred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="seller_transfer_positive"),
            models.CheckConstraint(
                condition=Q(amount_reversed_minor__gte=0) & Q(amount_reversed_minor__lte=models.F("amount_minor")),
                name="seller_transfer_reversed_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer {self.amount_minor} {self.currency} to seller {self.seller_id} for order {self.order_id}"


class LineSettlementTerms(models.Model):
    """The fee terms of a paid line, fixed when the order was paid: later rule changes never touch a sale."""

    order_line = models.OneToOneField("shop.OrderLine", on_delete=models.CASCADE, related_name="settlement_terms")
    seller = models.ForeignKey("shop.Seller", on_delete=models.PROTECT, related_name="+")
    take_rate_percent = models.DecimalField(max_digits=5, decimal_places=2)
    pick_pack_per_unit = models.DecimalField(**MONEY, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Terms of order line {self.order_line_id}: {self.take_rate_percent}%"
