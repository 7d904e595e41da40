"""The double-entry ledger: accounts, and an append-only journal whose entries sum to zero per currency.

Amounts are signed integers in the currency's minor unit: a debit is positive, a credit negative.
An entry is written once, with all its lines, by `shop.services.ledger.post_entry` (which checks the
balance); rows are never edited or deleted, a correction is a new entry. Balances are sums of lines.
"""

from django.db import models
from django.db.models import Q


class LedgerAccount(models.Model):
    """Who a sum of money belongs to: the platform's cash at Stripe, a seller, a creator, a tax authority..."""

    class Kind(models.TextChoices):
        PLATFORM_CASH = "platform_cash", "Platform cash at Stripe"
        SELLER_PAYABLE = "seller_payable", "Owed to a seller"
        CREATOR_PAYABLE = "creator_payable", "Owed to a creator"
        TAX_PAYABLE = "tax_payable", "Tax to remit"
        DUTY_PAYABLE = "duty_payable", "Import duty to remit"
        PLATFORM_REVENUE = "platform_revenue", "Platform fees earned"
        FULFILLMENT_REVENUE = "fulfillment_revenue", "Fulfillment and shipping earned"
        SHIPPING_COST = "shipping_cost", "Carrier labels bought"
        CARRIER_PAYABLE = "carrier_payable", "Owed to carriers"
        REFUNDS = "refunds", "Refunds borne by the platform"
        UNAPPLIED_PAYMENTS = "unapplied_payments", "Payments not (yet) applied to an order"
        PROCESSING_FEES = "processing_fees", "Stripe processing fees"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    # The party the account is kept for: a seller (id), a creator (plain id: creators sits above shop),
    # a tax jurisdiction ("US-NY", "DE"); empty for the platform's own accounts.
    seller = models.ForeignKey("shop.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    creator_id = models.PositiveBigIntegerField(null=True, blank=True)
    jurisdiction = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "seller", "creator_id", "jurisdiction"],
                name="ledger_account_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(kind="seller_payable", seller__isnull=False) | ~Q(kind="seller_payable"),
                name="ledger_seller_account_has_seller",
            ),
            models.CheckConstraint(
                condition=Q(kind="creator_payable", creator_id__isnull=False) | ~Q(kind="creator_payable"),
                name="ledger_creator_account_has_creator",
            ),
        ]

    def __str__(self) -> str:
        party = self.seller_id or self.creator_id or self.jurisdiction
        return f"{self.get_kind_display()}{f' ({party})' if party else ''}"


class JournalEntry(models.Model):
    """One money event, once: its `key` (derived from our ids) makes a replayed posting a no-op."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge (order paid)"
        UNAPPLIED_CHARGE = "unapplied_charge", "Payment not applied to an order"
        APPLIED_PAYMENT = "applied_payment", "Payment applied after a hold"
        PLATFORM_FEE = "platform_fee", "Platform fee"
        FULFILLMENT_FEE = "fulfillment_fee", "Fulfillment fee"
        COMMISSION = "commission", "Creator commission"
        COMMISSION_REVERSAL = "commission_reversal", "Creator commission reversed"
        REFUND = "refund", "Refund"
        REFUND_FAILED = "refund_failed", "Refund failed after succeeding"
        TRANSFER = "transfer", "Transfer to a seller"
        TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversed"
        CREATOR_PAYOUT = "creator_payout", "Transfer to a creator"
        LABEL_PURCHASE = "label_purchase", "Shipping label bought"
        PROCESSING_FEE = "processing_fee", "Stripe processing fee"
        ADJUSTMENT = "adjustment", "Manual adjustment"

    kind = models.CharField(max_length=24, choices=Kind.choices, db_index=True)
    key = models.CharField(max_length=120, unique=True, help_text="Idempotency: one entry per money event.")
    occurred_at = models.DateTimeField(db_index=True)
    order_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    # The payment provider's object this entry mirrors (ch_, re_, tr_, trr_): what reconciliation matches.
    external_id = models.CharField(max_length=64, blank=True, db_index=True)
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:  # the journal is append-only
            raise ValueError("Journal entries are never edited: post a correcting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Journal entries are never deleted: post a correcting entry.")


class JournalLine(models.Model):
    """One side of an entry: a signed amount in minor units (debit positive) on an account."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="lines")
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # Which order and line of it the amount belongs to (plain ids), for seller balances and statements.
    order_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    order_line_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["entry_id", "id"]
        indexes = [models.Index(fields=["account", "currency"], name="ledger_line_account_currency")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_minor=0), name="ledger_line_not_zero"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="ledger_line_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_minor} {self.currency} on {self.account_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Journal lines are never edited: post a correcting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Journal lines are never deleted: post a correcting entry.")


class ReconciliationReport(models.Model):
    """The ledger's cash at Stripe compared with Stripe's balance transactions for one UTC day, to the cent.

    `totals`: [{currency, category, ledger, stripe}] in minor units; `differences`: [{category, currency,
    external_id, ledger, stripe, cause}]. Re-running a day replaces its report (the journal is untouched).
    """

    day = models.DateField(unique=True)
    totals = models.JSONField(default=list, blank=True)
    differences = models.JSONField(default=list, blank=True)
    stripe_transactions = models.PositiveIntegerField(default=0)
    ledger_entries = models.PositiveIntegerField(default=0)
    ran_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"Reconciliation of {self.day}: {len(self.differences)} difference(s)"

    @property
    def balanced(self) -> bool:
        return not self.differences
