"""The shop's money events as journal entries: an order paid, its fees, refunds, commissions.

Called inside the transaction of the change they record (the order row locked by the caller), so
an entry commits with its change or not at all. Each entry has a key derived from our ids: a
replayed call posts nothing more. Amounts after a refund are computed from the state reached
(what was kept), never by increments, so rounding never gives back more than was taken.

Who gets what of a paid order:
- the shopper's money lands in platform cash at Stripe (or, while the order is on hold or the
  payment is not wanted, in unapplied payments until staff decide);
- each line's sale price is owed to its seller, its tax and duty to the authority of the
  destination (a liability until remitted), shipping to our fulfillment network;
- then the seller pays the platform's take rate, pick and pack per unit, and the creator's
  commission when a tag sold the line (posted by creators through `post_commission`).
"""

import logging
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum

from fulfillment.selectors import ShipmentLabelCost
from shop.currencies import minor_unit_exponent, to_minor_units
from shop.models import (
    JournalEntry,
    JournalLine,
    LedgerAccount,
    LineSettlementTerms,
    Order,
    OrderLine,
    Payment,
    Refund,
    ReturnRequest,
    SellerTransfer,
)
from shop.seller_fees import pick_pack_fee_at, take_rates_at
from shop.services.ledger import (
    AccountBook,
    EntryToPost,
    Posting,
    account,
    creator_account,
    post_entries,
    post_entry,
    seller_account,
    transfer,
)
from shop.services.seller_earnings import LineTerms, line_earnings, round_half_up, settlement_minor, split_by_weight

logger = logging.getLogger(__name__)
A = LedgerAccount.Kind
J = JournalEntry.Kind


def jurisdiction_of(order: Order) -> str:
    """Where tax collected on the order is owed: the US state ("US-NY"), else the destination country."""
    country = str(order.ship_country)
    if country == "US" and order.ship_region:
        return f"US-{order.ship_region.strip().upper()[:8]}"
    return country


def _lines_with_sellers(order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("variant__product").order_by("pk"))


# ---------------------------------------------------------------------------------- an order paid


def post_unapplied_payment(*, payment: Payment) -> JournalEntry:
    """Money arrived for an order that is on hold or did not want it: cash held, owed to nobody yet."""
    currency = payment.currency.upper()
    amount = to_minor_units(payment.amount_paid, currency)
    return post_entry(
        kind=J.UNAPPLIED_CHARGE,
        key=f"unapplied:payment:{payment.pk}",
        order_id=payment.order_id,
        external_id=payment.payment_intent_id,
        memo=f"Payment {payment.attempt} of order {payment.order_id}, not applied",
        postings=transfer(
            debit=account(A.PLATFORM_CASH),
            credit=account(A.UNAPPLIED_PAYMENTS),
            amount_minor=amount,
            currency=currency,
        ),
    )


def post_order_paid(
    *,
    order: Order,
    payment: Payment | None,
    from_unapplied: bool = False,
    lines: list[OrderLine] | None = None,
    first_payment: bool = False,
) -> list[JournalEntry]:
    """The paid order's money split between parties, then the seller's fees; once per order.

    `from_unapplied`: the payment was held as unapplied (an order released from hold), so the split
    takes the order's total out of unapplied payments instead of cash. `lines`: the order's lines with
    their variants and products, in primary-key order, when the caller has read them already.
    `first_payment`: the caller holds the order's lock and saw it awaiting payment, so none of these entries
    can exist (they are written only as it leaves that status): not looked for. Were one there, its unique key
    refuses the insert and the caller's transaction rolls back whole (its retry finds the payment recorded).
    """
    keys = [f"{name}:order:{order.pk}" for name in ("charge", "platform_fee", "fulfillment_fee")]
    # The event's entries read once, under the order's lock the callers hold: whether it was posted before, and
    # what post_entries need not read again (nor guard with a savepoint).
    written = {} if first_payment else {entry.key: entry for entry in JournalEntry.objects.filter(key__in=keys)}
    if keys[0] in written:
        return list(JournalEntry.objects.filter(order_id=order.pk, kind__in=[J.CHARGE, J.PLATFORM_FEE]))
    currency = order.currency.upper()
    if minor_unit_exponent(currency) not in (0, 2):
        # Sellers are not settled in three-decimal currencies: the money is recorded, owed to nobody yet,
        # and staff are told (the payment itself must still be recorded).
        logger.error("Order %s was paid in %s, which sellers are not settled in: left unapplied.", order.number,
                     currency)  # fmt: skip
        if from_unapplied or payment is None:
            return []
        return [post_unapplied_payment(payment=payment)]
    lines = lines if lines is not None else _lines_with_sellers(order)
    terms = _fix_terms(order=order, lines=lines)
    jurisdiction = jurisdiction_of(order)
    book = AccountBook()
    book.preload(
        {(A.SELLER_PAYABLE, line.variant.product.seller_id, None, "") for line in lines}
        | {(kind, None, None, jurisdiction) for kind in (A.TAX_PAYABLE, A.DUTY_PAYABLE)}
        | {(kind, None, None, "") for kind in (A.FULFILLMENT_REVENUE, A.PLATFORM_REVENUE)}
        | {(A.UNAPPLIED_PAYMENTS if from_unapplied else A.PLATFORM_CASH, None, None, "")}
    )
    postings: list[Posting] = []
    parts = 0
    for line in lines:
        seller_id = line.variant.product.seller_id
        for kind, amount in (
            (A.SELLER_PAYABLE, line.line_total),
            (A.TAX_PAYABLE, line.tax_amount),
            (A.DUTY_PAYABLE, line.duty_amount),
        ):
            minor = settlement_minor(amount, currency)
            owner = book.seller(seller_id) if kind == A.SELLER_PAYABLE else book(kind, jurisdiction=jurisdiction)
            postings.append(Posting(owner, -minor, currency, order_line_id=line.pk))
            parts += minor
    # Tax or duty of the order that its lines do not carry (orders from before line shares) stays owed too.
    for kind, total, carried in (
        (A.TAX_PAYABLE, order.tax_total, sum((line.tax_amount for line in lines), Decimal("0"))),
        (A.DUTY_PAYABLE, order.duty_total, sum((line.duty_amount for line in lines), Decimal("0"))),
    ):
        rest = settlement_minor(total - carried, currency) if order.incoterm != "DAP" else 0
        postings.append(Posting(book(kind, jurisdiction=jurisdiction), -rest, currency))
        parts += rest
    shipping = settlement_minor(order.shipping_total, currency)
    postings.append(Posting(book(A.FULFILLMENT_REVENUE), -shipping, currency))
    parts += shipping
    total = settlement_minor(order.total, currency)
    source = book(A.UNAPPLIED_PAYMENTS if from_unapplied else A.PLATFORM_CASH)
    postings.append(Posting(source, total, currency))
    if total != parts:  # never expected: kept visible in unapplied payments rather than hidden in a share
        postings.append(Posting(book(A.UNAPPLIED_PAYMENTS), parts - total, currency))
    charge = EntryToPost(
        kind=J.APPLIED_PAYMENT if from_unapplied else J.CHARGE,
        key=f"charge:order:{order.pk}",
        order_id=order.pk,
        external_id=payment.payment_intent_id if payment else "",
        memo=f"Order {order.number} paid",
        postings=postings,
    )
    fees: list[Posting] = []
    fulfillment: list[Posting] = []
    for line in lines:
        earned = line_earnings(_terms_of(line, terms[line.pk], currency))
        seller = book.seller(line.variant.product.seller_id)
        tags = {"order_line_id": line.pk}
        fees += transfer(
            debit=seller,
            credit=book(A.PLATFORM_REVENUE),
            amount_minor=earned.platform_fee,
            currency=currency,
            **tags,
        )
        fulfillment += transfer(
            debit=seller,
            credit=book(A.FULFILLMENT_REVENUE),
            amount_minor=earned.fulfillment_fee,
            currency=currency,
            **tags,
        )
    # The three entries of the event written together (their keys read above, two inserts).
    return post_entries(
        [
            charge,
            EntryToPost(
                kind=J.PLATFORM_FEE,
                key=f"platform_fee:order:{order.pk}",
                order_id=order.pk,
                postings=fees,
                memo=f"Platform fee on order {order.number}",
            ),
            EntryToPost(
                kind=J.FULFILLMENT_FEE,
                key=f"fulfillment_fee:order:{order.pk}",
                order_id=order.pk,
                postings=fulfillment,
                memo=f"Pick and pack of order {order.number}",
            ),
        ],
        written=written,
    )


def _fix_terms(*, order: Order, lines: list[OrderLine]) -> dict[int, LineSettlementTerms]:
    """The fee terms of each line as in force when the order was paid (written once).

    Called only before the order's charge entry is written: terms are written here alone, in the transaction of
    that entry and under the order's lock, so none exist yet (were one there, its line's one-to-one row would
    refuse the insert and roll the payment back, never post twice).
    """
    at = order.paid_at or order.created_at
    if not lines:
        return {}
    rates = take_rates_at(category_ids={line.variant.product.category_id for line in lines}, at=at)
    pick_pack = pick_pack_fee_at(currency=order.currency.upper(), at=at)
    made = LineSettlementTerms.objects.bulk_create(
        LineSettlementTerms(
            order_line=line,
            seller_id=line.variant.product.seller_id,
            take_rate_percent=rates[line.variant.product.category_id],
            pick_pack_per_unit=pick_pack,
        )
        for line in lines
    )
    return {terms.order_line_id: terms for terms in made}


def _terms_of(line: OrderLine, terms: LineSettlementTerms, currency: str) -> LineTerms:
    return LineTerms(
        currency=currency,
        unit_price_minor=settlement_minor(line.unit_price, currency),
        units=line.quantity,
        take_rate_percent=terms.take_rate_percent,
        commission_rate_percent=Decimal("0"),  # posted by creators, from their own rows
        pick_pack_per_unit_minor=settlement_minor(terms.pick_pack_per_unit, currency),
    )


# ---------------------------------------------------------------------------------- refunds


def _posted(*, kinds: list[str], account_kind: str, order_line_id: int) -> int:
    return (
        JournalLine.objects.filter(
            entry__kind__in=kinds, account__kind=account_kind, order_line_id=order_line_id
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )


def _sale_kept(order_line_id: int) -> int:
    """What of a line's sale its seller still keeps (minor units): credited when paid, less refunds taken back.

    Refund entries also give the seller back the platform fee of the refunded units (a credit to the
    seller, a debit to platform revenue): adding platform revenue's side cancels that out, so only the
    sale remains, however many units were refunded (and a failed refund's mirror entry counts too).
    """
    refunds = [J.REFUND, J.REFUND_FAILED]
    seller_side = _posted(kinds=[J.CHARGE, J.APPLIED_PAYMENT, *refunds], account_kind=A.SELLER_PAYABLE,
                          order_line_id=order_line_id)  # fmt: skip
    fee_back = _posted(kinds=refunds, account_kind=A.PLATFORM_REVENUE, order_line_id=order_line_id)
    return -(seller_side + fee_back)


def post_refund(*, refund: Refund) -> JournalEntry:
    """A refund that succeeded: cash out; the refunded units' sale, tax and duty taken back; fees given back.

    Line refunds take the units' sale from their seller (their platform fee goes back to the seller,
    pick and pack stays: the work was done). A refund that empties the order takes back every unit
    left. A refund of an amount alone (goodwill, shipping) is borne by the platform (refunds account),
    as is what a line refund gives beyond its lines (their share of shipping). A payment that was
    never applied to the order is given back from unapplied payments.
    """
    key = f"refund:{refund.pk}"
    found = JournalEntry.objects.filter(key=key).first()
    if found is not None:
        return found
    order = refund.order
    currency = refund.currency.upper()
    amount = to_minor_units(refund.amount, currency)  # any currency: a refund of unapplied money too
    cash = Posting(account(A.PLATFORM_CASH), -amount, currency)
    charge = JournalEntry.objects.filter(key=f"charge:order:{order.pk}").first()
    payment = refund.payment
    # A payment held as unapplied (on hold, paid twice, after cancelling) is given back from there,
    # unless it is the very payment the order's split was taken from (released from hold).
    unapplied = JournalEntry.objects.filter(key=f"unapplied:payment:{payment.pk}").exists()
    if charge is None or (unapplied and charge.external_id != payment.payment_intent_id):
        postings = [cash, Posting(account(A.UNAPPLIED_PAYMENTS), amount, currency)]
        return post_entry(
            kind=J.REFUND,
            key=key,
            order_id=order.pk,
            external_id=refund.stripe_refund_id or "",
            memo=f"Refund of an unapplied payment of order {order.number}",
            postings=postings,
        )
    units = _units_refunded(refund=refund, order=order)
    postings = [cash]
    jurisdiction = jurisdiction_of(order)
    taken = 0
    lines = {line.pk: line for line in _lines_with_sellers(order)}
    terms = {t.order_line_id: t for t in LineSettlementTerms.objects.filter(order_line_id__in=list(units))}
    for line_id, count in sorted(units.items()):
        line = lines[line_id]
        seller = seller_account(line.variant.product.seller_id)
        tags = {"order_line_id": line_id}
        sale_posted = _sale_kept(line_id)
        unit_minor = settlement_minor(line.unit_price, currency)
        sale_back = min(unit_minor * count, max(sale_posted, 0))
        before = line.quantity - sale_posted // unit_minor if unit_minor else 0
        after = min(line.quantity, before + count)
        postings.append(Posting(seller, sale_back, currency, **tags))
        taken += sale_back
        for kind, charged in ((A.TAX_PAYABLE, line.tax_amount), (A.DUTY_PAYABLE, line.duty_amount)):
            charged_minor = settlement_minor(charged, currency)
            back = _share(charged_minor, after, line.quantity) - _share(charged_minor, before, line.quantity)
            postings.append(Posting(account(kind, jurisdiction=jurisdiction), back, currency, **tags))
            taken += back
        if line_id in terms:
            line_terms = _terms_of(line, terms[line_id], currency)
            fee_now = line_earnings(line_terms, units_refunded=after).platform_fee
            fee_posted = -_posted(
                kinds=[J.PLATFORM_FEE, J.REFUND, J.REFUND_FAILED],
                account_kind=A.PLATFORM_REVENUE,
                order_line_id=line_id,
            )
            postings += transfer(
                debit=account(A.PLATFORM_REVENUE),
                credit=seller,
                amount_minor=fee_posted - fee_now,
                currency=currency,
                **tags,
            )
    # What the refund gives beyond its units (shipping, goodwill, rounding) is the platform's cost.
    postings.append(Posting(account(A.REFUNDS), amount - taken, currency))
    return post_entry(
        kind=J.REFUND,
        key=key,
        order_id=order.pk,
        external_id=refund.stripe_refund_id or "",
        memo=f"Refund {refund.pk} of order {order.number}: {refund.reason}",
        postings=postings,
    )


def _share(total_minor: int, units: int, of: int) -> int:
    """The part of a line's amount that `units` of its `of` units carry (the last unit takes the rounding)."""
    if of <= 0:
        return 0
    return round_half_up(Fraction(total_minor * units, of))


def _units_refunded(*, refund: Refund, order: Order) -> dict[int, int]:
    """Order line id -> units this refund takes back: its own lines, or every unit left when it empties the order."""
    if refund.lines:
        units: dict[int, int] = defaultdict(int)
        for item in refund.lines:
            units[int(item["order_line_id"])] += int(item["quantity"])
        return dict(units)
    if order.amount_refunded < order.amount_paid:
        return {}
    currency = order.currency.upper()
    units = {}
    for line in order.lines.all():
        sale_posted = _sale_kept(line.pk)
        unit_minor = settlement_minor(line.unit_price, currency)
        if unit_minor and sale_posted > 0:
            units[line.pk] = sale_posted // unit_minor
    return units


def post_refund_failed(*, refund: Refund) -> JournalEntry | None:
    """A refund that had succeeded failed later (a closed card): its entry is posted again, reversed."""
    original = JournalEntry.objects.filter(key=f"refund:{refund.pk}").first()
    if original is None:
        return None
    postings = [
        Posting(
            line.account, -line.amount_minor, line.currency, order_id=line.order_id, order_line_id=line.order_line_id
        )
        for line in original.lines.select_related("account")
    ]
    return post_entry(
        kind=J.REFUND_FAILED,
        key=f"refund_failed:{refund.pk}",
        order_id=refund.order_id,
        external_id=refund.stripe_refund_id or "",
        postings=postings,
        memo=f"Refund {refund.pk} failed after succeeding",
    )


# ---------------------------------------------------------------------------------- commissions


def post_commission(*, order_line_id: int, creator_id: int, net_minor: int, currency: str) -> JournalEntry | None:
    """Bring the creator's commission on a line, funded by its seller, to `net_minor` (earned minus reversed).

    Called by creators whenever a commission is earned or reversed; posts only the difference from
    what the ledger holds, so calling it again with the same figure posts nothing.
    """
    line = OrderLine.objects.select_related("variant__product").get(pk=order_line_id)
    creator = creator_account(creator_id)
    posted = -(
        JournalLine.objects.filter(
            account=creator, order_line_id=order_line_id, entry__kind__in=[J.COMMISSION, J.COMMISSION_REVERSAL]
        ).aggregate(total=Sum("amount_minor"))["total"]
        or 0
    )
    delta = net_minor - posted
    if delta == 0:
        return None
    return post_entry(
        kind=J.COMMISSION if delta > 0 else J.COMMISSION_REVERSAL,
        key=f"commission:{order_line_id}:{creator_id}:{net_minor}",
        order_id=line.order_id,
        memo=f"Commission of creator {creator_id} on order line {order_line_id}",
        postings=transfer(
            debit=seller_account(line.variant.product.seller_id),
            credit=creator,
            amount_minor=delta,
            currency=currency.upper(),
            order_line_id=order_line_id,
            order_id=line.order_id,
        ),
    )


def post_creator_payout(*, creator_id: int, stripe_transfer_id: str, amount_minor: int, currency: str) -> JournalEntry:
    """A Stripe Transfer paid a creator's commissions: the cash left our balance for their account."""
    return post_entry(
        kind=J.CREATOR_PAYOUT,
        key=f"creator_payout:{stripe_transfer_id}",
        external_id=stripe_transfer_id,
        memo=f"Transfer to creator {creator_id}",
        postings=transfer(
            debit=creator_account(creator_id),
            credit=account(A.PLATFORM_CASH),
            amount_minor=amount_minor,
            currency=currency.upper(),
        ),
    )


# ---------------------------------------------------------------------------------- sellers paid


def post_seller_transfer(*, seller_transfer: SellerTransfer) -> JournalEntry:
    """A transfer left our balance for the seller's account: the order's earnings, less the debts it settles."""
    seller = seller_account(seller_transfer.seller_id)
    currency = seller_transfer.currency
    settled = {int(order_id): int(amount) for order_id, amount in (seller_transfer.settles or {}).items()}
    postings = [
        Posting(
            seller, seller_transfer.amount_minor + sum(settled.values()), currency, order_id=seller_transfer.order_id
        ),
        Posting(account(A.PLATFORM_CASH), -seller_transfer.amount_minor, currency),
    ]
    postings += [Posting(seller, -amount, currency, order_id=order_id) for order_id, amount in sorted(settled.items())]
    return post_entry(
        kind=J.TRANSFER,
        key=f"seller_transfer:{seller_transfer.pk}",
        order_id=seller_transfer.order_id,
        external_id=seller_transfer.stripe_transfer_id,
        memo=f"Transfer to seller {seller_transfer.seller_id}"
        + (f", settling orders {sorted(settled)}" if settled else ""),
        postings=postings,
    )


def post_transfer_reversal(*, seller_transfer: SellerTransfer, reversal_id: str, amount_minor: int) -> JournalEntry:
    """Part of a transfer came back from the seller's account (a refund after they were paid)."""
    return post_entry(
        kind=J.TRANSFER_REVERSAL,
        key=f"transfer_reversal:{reversal_id}",
        order_id=seller_transfer.order_id,
        external_id=reversal_id,
        memo=f"Reversal of transfer {seller_transfer.stripe_transfer_id} to seller {seller_transfer.seller_id}",
        postings=transfer(
            debit=account(A.PLATFORM_CASH),
            credit=seller_account(seller_transfer.seller_id),
            amount_minor=amount_minor,
            currency=seller_transfer.currency,
            order_id=seller_transfer.order_id,
        ),
    )


# ---------------------------------------------------------------------------------- labels


def post_label_purchase(*, cost: ShipmentLabelCost) -> JournalEntry | None:
    """A shipment's label was used: its cost is owed to the carrier, and charged to the sellers of what it carried.

    Each seller pays the share of the label of their units in the parcel (split to the cent). A label
    bought in another currency than the order's is recorded as a cost only: no exchange is made up here.
    """
    return _post_label(
        order_id=cost.order_id, tracking_number=cost.tracking_number, amount=cost.amount, currency=cost.currency,
        units_by_order_line=cost.units_by_order_line, sellers_pay=True,
        memo=f"Label {cost.tracking_number} of shipment {cost.shipment_id}",
    )  # fmt: skip


def post_return_label(
    *, return_request: ReturnRequest, tracking_number: str, amount: Decimal, currency: str
) -> JournalEntry | None:
    """A return's prepaid label: a carrier cost, charged to the sellers of its units when the seller bears the
    return's cost (their fault: damaged, not as described), else borne by the platform."""
    units = dict(return_request.lines.values_list("order_line_id", "quantity"))
    return _post_label(
        order_id=return_request.order_id, tracking_number=tracking_number, amount=amount, currency=currency,
        units_by_order_line=units, sellers_pay=return_request.cost_bearer == ReturnRequest.CostBearer.SELLER,
        memo=f"Return label {tracking_number} of return {return_request.pk} ({return_request.cost_bearer} pays)",
    )  # fmt: skip


def _post_label(
    *,
    order_id: int,
    tracking_number: str,
    amount: Decimal,
    currency: str,
    units_by_order_line: dict[int, int],
    sellers_pay: bool,
    memo: str,
) -> JournalEntry | None:
    order = Order.objects.filter(pk=order_id).first()
    if order is None or amount <= 0:
        return None
    currency = currency.upper()
    minor = settlement_minor(amount, currency)
    postings = transfer(debit=account(A.SHIPPING_COST), credit=account(A.CARRIER_PAYABLE), amount_minor=minor,
                        currency=currency)  # fmt: skip
    if sellers_pay and currency == order.currency.upper() and units_by_order_line:
        lines = {line.pk: line for line in _lines_with_sellers(order) if line.pk in units_by_order_line}
        line_ids = sorted(lines)
        shares = split_by_weight(minor, [units_by_order_line[line_id] for line_id in line_ids])
        for line_id, share in zip(line_ids, shares, strict=True):
            postings += transfer(
                debit=seller_account(lines[line_id].variant.product.seller_id),
                credit=account(A.FULFILLMENT_REVENUE),
                amount_minor=share,
                currency=currency,
                order_line_id=line_id,
            )
    return post_entry(
        kind=J.LABEL_PURCHASE,
        key=f"label:{tracking_number}",
        order_id=order.pk,
        external_id=tracking_number,
        memo=memo,
        postings=postings,
    )
