"""Payments: a Checkout Session per attempt, fulfilling paid sessions once, webhook events, refunds.

Stripe is only ever called through `shop.payments.gateway`, and never while this process holds a
row lock: the session is retrieved before the order is locked, a refund is written `pending`
first and sent to Stripe after the transaction. Order rows are locked before payment and refund
rows, always in that order. Webhook deliveries are at least once and in any order; every
handler here can run twice, or at the same time as the success page, and change things once.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import stripe
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Q, QuerySet, Subquery, Sum, Value
from django.utils import timezone

from fulfillment.services.stock import (
    InsufficientStock,
    delete_expired_reservations,
    hold_reservations,
    release_reservations,
)
from shop import events
from shop.currencies import quantize_money
from shop.models import Order, OrderEvent, OrderLine, Payment, Refund, StripeEvent
from shop.payments import gateway, saved_cards_gateway
from shop.services.cart import remove_ordered_lines
from shop.services.ledger_postings import post_order_paid, post_refund, post_refund_failed, post_unapplied_payment
from shop.services.order_fulfillment import announce_paid
from shop.services.orders import (
    ORDER_TRANSITIONS,
    cancel_unpaid_order,
    claims_of,
    new_payment_attempt,
    record_order_event,
    set_order_status,
)
from shop.services.saved_details import customer_id_for
from shop.services.seller_accounts import sync_seller_account

logger = logging.getLogger(__name__)

S = Order.Status
K = OrderEvent.Kind
PAID_SESSION_STATUSES = {"paid", "no_payment_required"}
# A session that expires sooner than this is not handed out again: a new attempt starts.
SESSION_REUSE_MARGIN = timedelta(minutes=2)
# An attempt still waiting for its session this long after it began was interrupted.
SESSION_CREATE_GRACE = timedelta(minutes=2)
# Refunds are written with this reason prefix when the shop refunds on its own; the shopper is told.
AUTOMATIC_REFUND = "Automatic refund: "
# Stripe keeps an idempotency key for 24 hours: a refund still unsent after this is left to staff.
REFUND_RESUBMIT_WINDOW = timedelta(hours=23)
STALE_CHECKOUT_BATCH = 200


class PaymentError(Exception):
    """A payment action refused, with a code and a message a person can read."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PaymentNotStartable(PaymentError):
    pass


class UnknownCheckoutSession(PaymentError):
    pass


class PaymentNotYetKnown(PaymentError):
    """An event about a payment we have not recorded yet (Stripe delivers in any order): it waits for it."""

    def __init__(self, payment_intent_id: str) -> None:
        super().__init__("payment_not_yet_known", f"No payment of ours has PaymentIntent {payment_intent_id} yet.")
        self.payment_intent_id = payment_intent_id


class RefundNotAllowed(PaymentError):
    pass


class RefundFailed(PaymentError):
    pass


class CancelNotAllowed(PaymentError):
    pass


# ---------------------------------------------------------------------------------- starting a payment


def start_payment(*, order: Order, back_to: dict[str, str] | None = None) -> Payment:
    """Open a Stripe Checkout Session for an order awaiting payment; one still open is handed out again.

    `back_to` ({"post", "t"}) is carried to the success page, which lands on that post at that second.

    Raises PaymentNotStartable (not awaiting payment, reservation ran out, Stripe unavailable).
    """
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != S.PENDING_PAYMENT:
            raise PaymentNotStartable(
                "not_payable", f"Order {order.number} is {order.get_status_display().lower()}; it cannot be paid."
            )
        if order.reserved_until is not None and order.reserved_until <= now:
            raise PaymentNotStartable(
                "reservation_expired",
                "The items were held for you for a limited time and that time ran out. Please check out again.",
            )
        attempts = list(order.payments.order_by("-attempt"))
        if any(payment.status == Payment.Status.PROCESSING for payment in attempts):
            raise PaymentNotStartable(
                "payment_processing",
                "A payment for this order is waiting for your bank to confirm it; you do not need to pay again.",
            )
        for payment in attempts:
            if (
                payment.status == Payment.Status.OPEN
                and payment.checkout_session_id
                and payment.checkout_url
                and payment.expires_at
                and payment.expires_at > now + SESSION_REUSE_MARGIN
            ):
                return payment
        # An attempt that never got its session (a crash mid-way) is closed; a new one starts.
        if any(
            payment.status == Payment.Status.OPEN
            and payment.checkout_session_id is None
            and payment.created_at < now - SESSION_CREATE_GRACE
            for payment in attempts
        ):  # attempts are made only under the order lock held here: the list is what the update would find
            order.payments.filter(
                status=Payment.Status.OPEN, checkout_session_id__isnull=True, created_at__lt=now - SESSION_CREATE_GRACE
            ).update(status=Payment.Status.FAILED, updated_at=now)
        payment = new_payment_attempt(order=order, attempt=attempts[0].attempt + 1 if attempts else 1, now=now)
    return open_payment_page(payment=payment, back_to=back_to)


def open_payment_page(
    *, payment: Payment, back_to: dict[str, str] | None = None, lines: list[OrderLine] | None = None
) -> Payment:
    """Create the attempt's Checkout Session at Stripe (no transaction held) and record it on the attempt.

    `lines`: the order's lines when the caller has them (just placed), else they are read.
    Raises PaymentNotStartable (Stripe unavailable; the attempt is marked failed).
    """
    order = payment.order
    try:
        session = gateway.create_checkout_session(
            payment, customer_id=_customer_saving_the_card(order), back_to=back_to, lines=lines
        )
    except stripe.StripeError as error:
        logger.warning("Checkout Session for order %s failed: %s", order.number, error)
        Payment.objects.filter(pk=payment.pk, checkout_session_id__isnull=True).update(
            status=Payment.Status.FAILED, updated_at=timezone.now()
        )
        raise PaymentNotStartable(
            "payment_unavailable", "The payment page could not be opened just now. Please try again in a moment."
        ) from error
    opened = {
        "checkout_session_id": session["id"],
        "checkout_url": session.get("url") or "",
        "expires_at": _timestamp(session.get("expires_at")),
        "updated_at": timezone.now(),
    }
    Payment.objects.filter(pk=payment.pk).update(**opened)
    for field, value in opened.items():  # as written: no read back
        setattr(payment, field, value)
    return payment


def _customer_saving_the_card(order: Order) -> str | None:
    """A logged-in shopper's Stripe Customer, so Checkout keeps their card for buy-now; None for a guest, or
    when Stripe cannot make the Customer just now (the payment goes on without saving the card)."""
    if order.user_id is None or not order.user.email:
        return None
    try:
        return customer_id_for(order.user)
    except stripe.StripeError as error:
        logger.warning("No Stripe Customer for user %s (card not saved): %s", order.user_id, error)
        return None


# ---------------------------------------------------------------------------------- fulfilling a paid session


def fulfill_checkout(*, session_id: str, session: dict[str, Any] | None = None) -> Order:
    """Record what a Checkout Session paid on its order, once, however often and concurrently it is called.

    Called by the success page (the session is retrieved from Stripe first, with no lock held) and by
    the webhook task (with the signed event's snapshot of the session). Raises UnknownCheckoutSession.
    """
    if session is None:
        session = gateway.retrieve_checkout_session(session_id)
    if session.get("id") != session_id:
        raise UnknownCheckoutSession("unknown_session", "The session does not match.")
    # No savepoint of its own: nothing in it is caught and carried on from; an error rolls back the caller's.
    ours = Payment.objects.filter(checkout_session_id=session["id"])
    with transaction.atomic(savepoint=False):
        # The order's row first (the lock order everywhere), found through the session, and read with its lines
        # (for the stock hold, the ledger and the cart) in the same statement; only the order's row is locked.
        lines = list(
            OrderLine.objects.select_for_update(of=("order",))
            .select_related("order", "variant__product")
            .filter(order_id=Subquery(ours.values("order_id")[:1]))
            .order_by("pk")
        )
        if lines:
            order = lines[0].order
            for line in lines:  # one order, as `order.lines` would give
                line.order = order
            payment = _telling_waiting_events(ours, intent=_id_of(session.get("payment_intent"))).get()
            return _fulfill_locked(order=order, payment=payment, session=session, lines=lines)
    # Paid before we saved the session id: found by its metadata, or UnknownCheckoutSession raised (outside the
    # block, which callers catching it carry on from).
    payment = _payment_for_session(session)
    with transaction.atomic(savepoint=False):
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        return _fulfill_locked(order=order, payment=payment, session=session)


def _fulfill_locked(
    *, order: Order, payment: Payment, session: dict[str, Any], lines: list[OrderLine] | None = None
) -> Order:
    """fulfill_checkout's work, the order and payment rows locked (`lines`: the order's, when read with it)."""
    if payment.status == Payment.Status.PAID:
        return order
    if not payment.checkout_session_id:
        payment.checkout_session_id = session["id"]
    if session.get("payment_status") not in PAID_SESSION_STATUSES:
        # Completed with a payment method that settles later: wait for async_payment_succeeded/failed.
        if session.get("status") == "complete" and payment.status == Payment.Status.OPEN:
            payment.status = Payment.Status.PROCESSING
            payment.payment_intent_id = _id_of(session.get("payment_intent")) or payment.payment_intent_id
            payment.save(update_fields=["status", "payment_intent_id", "checkout_session_id", "updated_at"])
            record_order_event(order=order, kind=K.PAYMENT_SUBMITTED)
        return order
    _record_paid_session(order=order, payment=payment, session=session, lines=lines)
    return order


def _payment_for_session(session: dict[str, Any]) -> Payment:
    payment = Payment.objects.filter(checkout_session_id=session["id"]).first()
    if payment is None:  # paid before we saved the session id: find it by the metadata we sent
        metadata = session.get("metadata") or {}
        payment_id, number = metadata.get("payment_id"), metadata.get("order_number")
        if payment_id and str(payment_id).isdigit() and number:
            payment = Payment.objects.filter(
                pk=int(payment_id), order__number=number, checkout_session_id__isnull=True
            ).first()
    if payment is None:
        raise UnknownCheckoutSession("unknown_session", f"No payment of ours has Checkout Session {session['id']}.")
    return payment


def _record_paid_session(
    *, order: Order, payment: Payment, session: dict[str, Any], lines: list[OrderLine] | None = None
) -> None:
    """The money arrived: mark the payment paid and decide what the order does (order and payment locked).

    `lines`: the order's lines with their variants and products, in primary-key order, when read with the order.
    """
    currency = (session.get("currency") or payment.currency).upper()
    amount_minor = int(session.get("amount_total") or 0)
    paid = gateway.from_minor_units(amount_minor, currency)
    payment.status = Payment.Status.PAID
    payment.amount_paid = paid
    payment.payment_intent_id = _id_of(session.get("payment_intent")) or payment.payment_intent_id
    payment.save(update_fields=["status", "amount_paid", "payment_intent_id", "checkout_session_id", "updated_at"])
    order.amount_paid += paid  # written with the new status, or on its own where the status stays
    received = {"amount": str(paid), "currency": currency, "attempt": payment.attempt}
    _requeue_events_waiting_for(payment)

    if order.status != S.PENDING_PAYMENT:
        order.save(update_fields=["amount_paid", "updated_at"])
    if order.status == S.ON_HOLD:
        post_unapplied_payment(payment=payment)
        record_order_event(order=order, kind=K.PAYMENT_RECEIVED_ON_HOLD, params=received)
        return
    if order.status != S.PENDING_PAYMENT:
        post_unapplied_payment(payment=payment)
        # Paid twice (two sessions), or after the order was cancelled: give this payment back.
        why = "the order had already been paid" if order.status != S.CANCELLED else "the order had been cancelled"
        record_order_event(order=order, kind=K.PAYMENT_RECEIVED_UNWANTED, params={**received, "why": why})
        _refund_automatically(order=order, payment=payment, why=why)
        return
    if currency != order.currency or amount_minor != gateway.to_minor_units(order.total, order.currency):
        post_unapplied_payment(payment=payment)
        _hold_stock_if_free(order)
        set_order_status(
            order=order,
            to=S.ON_HOLD,
            kind=K.AMOUNT_MISMATCH,
            params={**received, "total": str(order.total), "order_currency": order.currency},
            also_save=["amount_paid"],
        )
        return
    # Read once for the stock hold, the ledger and the cart (each used to read them again).
    if lines is None:
        lines = list(order.lines.select_related("variant__product").order_by("pk"))
    try:
        hold_reservations(claims=claims_of(lines))
    except InsufficientStock:
        why = "the items sold out before your payment reached us"
        set_order_status(order=order, to=S.PAID, kind=K.PAID_AFTER_SOLD_OUT, params=received, also_save=["amount_paid"])
        post_order_paid(order=order, payment=payment, lines=lines, first_payment=True)
        _refund_automatically(order=order, payment=payment, why=why)
        return
    set_order_status(order=order, to=S.PAID, kind=K.PAID, params=received, also_save=["amount_paid"])
    post_order_paid(order=order, payment=payment, lines=lines, first_payment=True)
    if order.cart_id:
        remove_ordered_lines(cart_id=order.cart_id, variant_ids=[line.variant_id for line in lines])
    announce_paid(order, lines=lines)


def _telling_waiting_events(payments: QuerySet[Payment], *, intent: str) -> QuerySet[Payment]:
    """The payments locked, each read with whether Stripe events wait for `intent` (the PaymentIntent it is
    about to record), so recording it looks for them only when some do (`_requeue_events_waiting_for`)."""
    payments = payments.select_for_update()
    if not intent:
        return payments
    waiting = StripeEvent.objects.filter(waiting_for=intent, processed_at__isnull=True)
    return payments.annotate(events_waiting=Exists(waiting), events_waiting_for=Value(intent))


def _requeue_events_waiting_for(payment: Payment) -> None:
    """Stripe events that arrived before this payment (a refund before its charge) are applied now.

    Not looked for when the payment was read knowing none wait for its PaymentIntent: one that starts waiting
    after that read (its payment not committed yet) is queued by the sweep (`retry_unprocessed_events`), as one
    that starts waiting after this look is.
    """
    if not payment.payment_intent_id:
        return
    if getattr(payment, "events_waiting_for", None) == payment.payment_intent_id and not payment.events_waiting:
        return
    waiting = list(
        StripeEvent.objects.filter(waiting_for=payment.payment_intent_id, processed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    StripeEvent.objects.filter(pk__in=waiting).update(waiting_for="")
    for event_pk in waiting:
        events.stripe_event_ready.publish(event_pk=event_pk)


def _hold_stock_if_free(order: Order) -> None:
    try:
        hold_reservations(claims=claims_of(list(order.lines.all())))
    except InsufficientStock:
        record_order_event(order=order, kind=K.STOCK_NOT_RESERVED)


def _refund_automatically(*, order: Order, payment: Payment, why: str) -> Refund | None:
    """Write a full refund of the payment now; it is sent to Stripe after commit, and the shopper told."""
    if payment.amount_paid - payment.amount_refunded <= 0:
        return None
    refund = _new_refund(
        order=order, payment=payment, amount=payment.amount_paid - payment.amount_refunded, lines=[], by=None,
        reason=f"{AUTOMATIC_REFUND}{why}",
    )  # fmt: skip
    events.refund_requested.publish(refund_id=refund.pk)
    return refund


def release_hold(*, order: Order, by=None, note: str = "") -> Order:
    """Staff accept an order on hold: its stock is held and it becomes paid (order_paid is announced)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status != S.ON_HOLD:
            raise PaymentError("not_on_hold", f"Order {order.number} is not on hold.")
        if order.amount_paid <= 0:
            raise PaymentError("not_paid", f"Order {order.number} has received no payment.")
        try:
            hold_reservations(claims=claims_of(list(order.lines.all())))
        except InsufficientStock as error:
            raise PaymentError(
                "sold_out", f"The stock of order {order.number} is gone: refund it instead. ({error.message})"
            ) from error
        set_order_status(order=order, to=S.PAID, kind=K.RELEASED_FROM_HOLD, params={"note": note}, by=by)
        post_order_paid(
            order=order, payment=order.payments.filter(status=Payment.Status.PAID).first(), from_unapplied=True
        )
        if order.cart_id:
            remove_ordered_lines(
                cart_id=order.cart_id, variant_ids=list(order.lines.values_list("variant_id", flat=True))
            )
        announce_paid(order)
    return order


# ---------------------------------------------------------------------------------- webhook events


def handle_event(event: dict[str, Any]) -> str:
    """Apply one verified Stripe event; answers "handled" or "ignored". Safe to repeat."""
    handler = EVENT_HANDLERS.get(event.get("type", ""))
    if handler is None:
        return "ignored"
    handler(event["data"]["object"])
    return "handled"


def _on_session_completed(session: dict[str, Any]) -> None:
    _fulfill_known_session(session)


def _on_async_payment_succeeded(session: dict[str, Any]) -> None:
    _fulfill_known_session(session)


def _fulfill_known_session(session: dict[str, Any]) -> None:
    try:
        fulfill_checkout(session_id=session["id"], session=session)
    except UnknownCheckoutSession:
        logger.warning("Ignoring Checkout Session %s: not one of ours.", session.get("id"))


def _on_async_payment_failed(session: dict[str, Any]) -> None:
    _close_session(session, status=Payment.Status.FAILED, note="The payment failed; the order is cancelled.")


def _on_session_expired(session: dict[str, Any]) -> None:
    _close_session(session, status=Payment.Status.EXPIRED, note="The payment page expired; the order is cancelled.")


def _close_session(session: dict[str, Any], *, status: str, note: str) -> None:
    """The attempt ended unpaid: mark it, and cancel the order unless it is paid or another attempt lives."""
    try:
        payment = _payment_for_session(session)
    except UnknownCheckoutSession:
        logger.warning("Ignoring Checkout Session %s: not one of ours.", session.get("id"))
        return
    close_payment(payment=payment, status=status, note=note)


def close_payment(*, payment: Payment, status: str, note: str) -> None:
    """An attempt ended unpaid (session expired, card declined): mark it, and cancel the order (its stock
    released) unless it is paid or another attempt lives. Safe to repeat."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.PAID:  # delivered out of order: paid wins
            return
        if payment.status != status:
            payment.status = status
            payment.save(update_fields=["status", "updated_at"])
        others_alive = (
            order.payments.exclude(pk=payment.pk)
            .filter(
                Q(status=Payment.Status.PROCESSING)
                | Q(status=Payment.Status.OPEN, checkout_session_id__isnull=False, expires_at__gt=timezone.now())
                | Q(
                    status=Payment.Status.OPEN,
                    checkout_session_id__isnull=True,
                    created_at__gt=timezone.now() - SESSION_CREATE_GRACE,
                )
            )
            .exists()
        )
        if order.status == S.PENDING_PAYMENT and not others_alive:
            cancel_unpaid_order(order=order, note=note)


# PaymentIntents made without Checkout (buy now with a saved card): the same recording as a paid session.


def _payment_for_intent(intent: dict[str, Any]) -> Payment | None:
    """Our attempt a PaymentIntent pays; None when not ours, or when a Checkout Session made it (the session's
    own events record those)."""
    payment = Payment.objects.filter(payment_intent_id=intent.get("id") or "-").first()
    if payment is None:  # the webhook came before we saved the intent's id: the metadata we sent names it
        metadata = intent.get("metadata") or {}
        payment_id, number = metadata.get("payment_id"), metadata.get("order_number")
        if payment_id and str(payment_id).isdigit() and number:
            payment = Payment.objects.filter(pk=int(payment_id), order__number=number).first()
    if payment is None or payment.checkout_session_id:
        return None
    return payment


def fulfill_payment_intent(*, intent: dict[str, Any]) -> Order | None:
    """Record a succeeded PaymentIntent of ours on its order, once, however often and concurrently it comes
    (the buy-now answer and the webhook); None when the intent is not one of ours or not succeeded."""
    payment = _payment_for_intent(intent)
    if payment is None or intent.get("status") != "succeeded":
        return None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == Payment.Status.PAID:
            return order
        paid = {
            "currency": intent.get("currency"),
            "amount_total": intent.get("amount_received") or intent.get("amount"),
            "payment_intent": intent["id"],
        }
        _record_paid_session(order=order, payment=payment, session=paid)
    return order


def _on_payment_intent_succeeded(intent: dict[str, Any]) -> None:
    if fulfill_payment_intent(intent=intent) is None:
        logger.info("payment_intent.succeeded for %s: not a buy-now payment of ours.", intent.get("id"))


def _on_payment_intent_failed(intent: dict[str, Any]) -> None:
    payment = _payment_for_intent(intent)
    if payment is None:
        return
    error = intent.get("last_payment_error") or {}
    message = error.get("message") or "The payment failed."
    close_payment(payment=payment, status=Payment.Status.FAILED, note=f"{message} The order is cancelled.")


def _on_charge_refunded(charge: dict[str, Any]) -> None:
    refunds = (charge.get("refunds") or {}).get("data") or []
    for stripe_refund in refunds:
        sync_refund(stripe_refund=stripe_refund)
    if not refunds:
        logger.info("charge.refunded for %s carries no refunds; the refund.* events bring them.", charge.get("id"))


def _on_refund_changed(stripe_refund: dict[str, Any]) -> None:
    sync_refund(stripe_refund=stripe_refund)


def _on_account_updated(account: dict[str, Any]) -> None:
    sync_seller_account(account=account)


EVENT_HANDLERS = {
    "account.updated": _on_account_updated,
    "checkout.session.completed": _on_session_completed,
    "checkout.session.async_payment_succeeded": _on_async_payment_succeeded,
    "checkout.session.async_payment_failed": _on_async_payment_failed,
    "checkout.session.expired": _on_session_expired,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund_changed,
    "refund.updated": _on_refund_changed,
    "refund.failed": _on_refund_changed,
    "payment_intent.succeeded": _on_payment_intent_succeeded,
    "payment_intent.payment_failed": _on_payment_intent_failed,
}


def process_event(*, event_pk: int) -> bool:
    """Apply a stored event once: its effect and its "processed" mark commit together. False if done before."""
    try:
        with transaction.atomic():
            event = _claim_event(event_pk)
            if event is None:
                return False
            outcome = handle_event(event.payload)  # no savepoint: whatever it raises rolls it all back
    except PaymentNotYetKnown as early:
        # Rolled back; kept, not dropped: recording that payment queues this event again (and the sweep
        # retries an event whose payment was recorded while this one was being marked).
        with transaction.atomic():
            event = StripeEvent.objects.select_for_update().filter(pk=event_pk, processed_at__isnull=True).first()
            if event is not None:
                StripeEvent.objects.filter(pk=event.pk).update(waiting_for=early.payment_intent_id)
                logger.info("Stripe event %s (%s) waits for its payment.", event.event_id, event.type)
        return False
    logger.info("Stripe event %s (%s) %s.", event.event_id, event.type, outcome)
    return True


def _claim_event(event_pk: int) -> StripeEvent | None:
    """Mark an unprocessed event processed and read it, in one statement (inside the caller's transaction, which
    rolls the mark back with the work if that fails); None when it is gone or was processed before.

    The UPDATE locks the row, so a concurrent run of the same event waits for this one's commit, then finds it
    processed and changes nothing (PostgreSQL and SQLite >= 3.35 both speak UPDATE ... RETURNING).
    """
    table = connection.ops.quote_name(StripeEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET processed_at = %s, attempts = attempts + 1, last_error = '', waiting_for = '' "  # noqa: S608
            "WHERE id = %s AND processed_at IS NULL RETURNING event_id, type, payload",
            [timezone.now(), event_pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    event_id, kind, payload = row
    payload = StripeEvent._meta.get_field("payload").from_db_value(payload, None, connection)
    return StripeEvent(pk=event_pk, event_id=event_id, type=kind, payload=payload)


def record_event_failure(*, event_pk: int, error: BaseException) -> None:
    StripeEvent.objects.filter(pk=event_pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
    )


# ---------------------------------------------------------------------------------- refunds


def refund_order(
    *,
    order: Order,
    amount: Decimal | None = None,
    lines: list[tuple[int, int]] | None = None,
    by=None,
    reason: str = "",
) -> Refund:
    """Refund an amount, some line quantities, or (neither given) everything still refundable.

    Never more than was paid minus what is refunded or being refunded. The Refund row is written
    first (pending), then sent to Stripe outside any lock with its own idempotency key.
    Raises RefundNotAllowed (nothing changes), RefundFailed (Stripe refused), or a stripe error when
    Stripe could not be reached (the refund stays pending and is retried).
    """
    if amount is not None and lines:
        raise ValueError("Give an amount or lines, not both.")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        pending = list(order.refunds.filter(status=Refund.Status.PENDING))
        refundable = order.amount_paid - order.amount_refunded - sum((r.amount for r in pending), Decimal("0"))
        refund_lines: list[dict[str, int]] = []
        if lines:
            refund_lines, amount = _check_line_refund(order=order, lines=lines, pending=pending)
        elif amount is None:
            amount = refundable
        amount = Decimal(amount).quantize(Decimal("0.01"))
        if amount <= 0:
            raise RefundNotAllowed("nothing_to_refund", f"Nothing is left to refund on order {order.number}.")
        if amount > refundable:
            raise RefundNotAllowed(
                "exceeds_paid",
                f"At most {refundable} {order.currency} can still be refunded on order {order.number}; "
                f"{amount} {order.currency} was asked for.",
            )
        payment = _payment_to_refund(order=order, amount=amount, pending=pending)
        refund = _new_refund(order=order, payment=payment, amount=amount, lines=refund_lines, by=by, reason=reason)
    return submit_refund(refund=refund)


def _check_line_refund(
    *, order: Order, lines: list[tuple[int, int]], pending: list[Refund], include_shipping: bool = False
) -> tuple[list[dict[str, int]], Decimal]:
    asked: Counter[int] = Counter()
    for line_id, quantity in lines:
        if int(quantity) < 0:
            raise RefundNotAllowed("invalid_quantity", "Quantities to refund cannot be negative.")
        asked[int(line_id)] += int(quantity)
    asked = Counter({line_id: quantity for line_id, quantity in asked.items() if quantity > 0})
    if not asked:
        raise RefundNotAllowed("nothing_to_refund", "Choose at least one unit to refund.")
    being_refunded: Counter[int] = Counter()
    for refund in pending:
        for item in refund.lines:
            being_refunded[int(item["order_line_id"])] += int(item["quantity"])
    order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order, pk__in=list(asked))}
    total = Decimal("0")
    own_charges = Decimal("0")  # the tax and duty the lines themselves carry, for the units asked
    for line_id, quantity in sorted(asked.items()):
        line = order_lines.get(line_id)
        if line is None:
            raise RefundNotAllowed("unknown_line", f"Line {line_id} is not a line of order {order.number}.")
        left = line.quantity - line.quantity_refunded - being_refunded[line_id]
        if quantity > left:
            raise RefundNotAllowed(
                "exceeds_quantity", f"Only {left} of {line.sku} can still be refunded; {quantity} was asked for."
            )
        total += line.unit_price * quantity
        before = line.quantity_refunded + being_refunded[line_id]
        own_charges += line_charges_share(line, before=before, units=quantity)
    return [{"order_line_id": line_id, "quantity": quantity} for line_id, quantity in sorted(asked.items())], (
        total + _charges_share(order, total, include_shipping=include_shipping, own_charges=own_charges)
    )


def line_charges_share(line: OrderLine, *, before: int, units: int) -> Decimal:
    """The line's own tax and duty for `units` more units after `before` were refunded: per unit in proportion,
    the last unit taking what rounding left, so all the units together give back exactly what the line paid."""
    charged = line.tax_amount + line.duty_amount
    if not charged:
        return Decimal("0")

    def share(count: int) -> Decimal:
        return quantize_money(charged * count / line.quantity, line.currency)

    return share(min(before + units, line.quantity)) - share(min(before, line.quantity))


def _charges_share(order: Order, items: Decimal, *, include_shipping: bool, own_charges: Decimal) -> Decimal:
    """Tax and duty (and, when asked, shipping) going back with items worth `items`.

    Lines that carry their own tax and duty (orders placed with the landed-cost engine) give back theirs
    (`own_charges`); an order whose lines carry none shares its tax in proportion of the items' value.
    Shipping is always shared in proportion of the items' value.
    """
    if not order.subtotal:
        return Decimal("0")
    lines_carry_charges = order.lines.filter(Q(tax_amount__gt=0) | Q(duty_amount__gt=0)).exists()
    charges = Decimal("0") if lines_carry_charges else order.tax_total + order.duty_total
    if include_shipping:
        charges += order.shipping_total
    return (charges * items / order.subtotal).quantize(Decimal("0.01")) + (
        own_charges if lines_carry_charges else Decimal("0")
    )


def open_full_refund(*, order: Order, reason: str, key: str, by=None) -> Refund | None:
    """Write a pending refund of all that is left of the payment, once per key; None when nothing is left.

    For a caller holding the order's lock in its own transaction (a shopper's cancellation): the refund is
    sent to Stripe after commit by the `refund_requested` handler, so the decision and the refund commit
    together and a crash between them cannot lose the refund.
    """
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    pending = list(order.refunds.filter(status=Refund.Status.PENDING))
    amount = order.amount_paid - order.amount_refunded - sum((r.amount for r in pending), Decimal("0"))
    if amount <= 0:
        return None
    payment = _payment_to_refund(order=order, amount=amount, pending=pending)
    refund = _new_refund(order=order, payment=payment, amount=amount, lines=[], by=by, reason=reason)
    refund.idempotency_key = key
    refund.save(update_fields=["idempotency_key"])
    events.refund_requested.publish(refund_id=refund.pk)
    return refund


def open_line_refund(
    *, order: Order, lines: list[tuple[int, int]], include_shipping: bool, reason: str, key: str, by=None
) -> Refund:
    """Write a pending refund of line units (their tax, and shipping when asked, in proportion), once per key.

    For a caller inside its own transaction (a return's decision): the refund is sent to Stripe after
    commit by the `refund_requested` handler. A second call with the same key answers the first refund.
    Raises RefundNotAllowed when the units or the money are no longer refundable (nothing is written).
    """
    existing = Refund.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        pending = list(order.refunds.filter(status=Refund.Status.PENDING))
        refund_lines, amount = _check_line_refund(
            order=order, lines=lines, pending=pending, include_shipping=include_shipping
        )
        refundable = order.amount_paid - order.amount_refunded - sum((r.amount for r in pending), Decimal("0"))
        amount = min(amount, refundable)  # never more than was paid, whatever the shares add up to
        if amount <= 0:
            raise RefundNotAllowed("nothing_to_refund", f"Nothing is left to refund on order {order.number}.")
        payment = _payment_to_refund(order=order, amount=amount, pending=pending)
        refund = _new_refund(order=order, payment=payment, amount=amount, lines=refund_lines, by=by, reason=reason)
        refund.idempotency_key = key
        refund.save(update_fields=["idempotency_key"])
        events.refund_requested.publish(refund_id=refund.pk)
    return refund


def _payment_to_refund(*, order: Order, amount: Decimal, pending: list[Refund]) -> Payment:
    being_refunded: Counter[int] = Counter()
    for refund in pending:
        being_refunded[refund.payment_id] += refund.amount
    candidates = [
        (payment.amount_paid - payment.amount_refunded - being_refunded[payment.pk], payment)
        for payment in order.payments.filter(status=Payment.Status.PAID).exclude(payment_intent_id="")
    ]
    candidates.sort(key=lambda pair: (-pair[0], pair[1].pk))
    if not candidates or candidates[0][0] < amount:
        raise RefundNotAllowed(
            "split_payment", f"No single payment of order {order.number} has {amount} {order.currency} left to refund."
        )
    return candidates[0][1]


def _new_refund(
    *, order: Order, payment: Payment, amount: Decimal, lines: list[dict[str, int]], by, reason: str
) -> Refund:
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        idempotency_key=f"refund:new:{uuid4().hex}",
        amount=amount,
        currency=payment.currency,
        reason=reason[:200],
        lines=lines,
        by=by if by is not None and getattr(by, "is_authenticated", False) else None,
    )
    refund.idempotency_key = f"refund:{refund.pk}"
    refund.save(update_fields=["idempotency_key"])
    return refund


def submit_refund(*, refund: Refund) -> Refund:
    """Send a pending refund to Stripe (same idempotency key every time) and record the answer.

    Raises RefundFailed when Stripe refuses it (it is then marked failed), and Stripe's own error when
    Stripe could not be reached (it stays pending, to be sent again).
    """
    refund = Refund.objects.select_related("order", "payment").get(pk=refund.pk)
    if refund.status != Refund.Status.PENDING or refund.stripe_refund_id:
        return refund
    try:
        result = gateway.create_refund(
            payment_intent=refund.payment.payment_intent_id,
            amount_minor=gateway.to_minor_units(refund.amount, refund.currency),
            idempotency_key=refund.idempotency_key,
            metadata={"order_number": refund.order.number, "refund_id": str(refund.pk)},
        )
    except (stripe.InvalidRequestError, stripe.CardError) as error:
        message = getattr(error, "user_message", None) or str(error)
        _apply_refund_status(refund_pk=refund.pk, status=Refund.Status.FAILED, note=f"Stripe refused it: {message}")
        raise RefundFailed("refund_refused", f"Stripe refused the refund: {message}") from error
    return sync_refund(stripe_refund=result, refund_pk=refund.pk) or refund


def sync_refund(*, stripe_refund: dict[str, Any], refund_pk: int | None = None) -> Refund | None:
    """Bring our Refund in line with Stripe's (created by us or in Stripe's dashboard); safe to repeat."""
    refund = _refund_for(stripe_refund, refund_pk=refund_pk)
    if refund is None:
        logger.warning("Stripe refund %s matches no payment of ours.", stripe_refund.get("id"))
        return None
    status = {
        "succeeded": Refund.Status.SUCCEEDED,
        "failed": Refund.Status.FAILED,
        "canceled": Refund.Status.FAILED,
    }.get(stripe_refund.get("status") or "", Refund.Status.PENDING)
    reason = stripe_refund.get("failure_reason") or stripe_refund.get("status") or ""
    return _apply_refund_status(
        refund_pk=refund.pk,
        status=status,
        stripe_refund_id=stripe_refund.get("id") or "",
        note=f"Stripe: {reason}" if status == Refund.Status.FAILED else "",
    )


def _refund_for(stripe_refund: dict[str, Any], *, refund_pk: int | None) -> Refund | None:
    stripe_id = stripe_refund.get("id")
    if refund_pk is not None:
        return Refund.objects.filter(pk=refund_pk).first()
    if stripe_id and (refund := Refund.objects.filter(stripe_refund_id=stripe_id).first()):
        return refund
    ours = (stripe_refund.get("metadata") or {}).get("refund_id")
    if ours and str(ours).isdigit():
        refund = Refund.objects.filter(pk=int(ours), stripe_refund_id__isnull=True).first()
        if refund is not None and refund.payment.payment_intent_id == _id_of(stripe_refund.get("payment_intent")):
            return refund
    # Made outside the shop (Stripe's dashboard): recorded so the order's amounts stay true.
    intent = _id_of(stripe_refund.get("payment_intent"))
    if not (intent and stripe_id):
        return None
    payment = Payment.objects.filter(payment_intent_id=intent).first()
    if payment is None:
        raise PaymentNotYetKnown(intent)
    try:
        with transaction.atomic():
            return Refund.objects.create(
                order_id=payment.order_id,
                payment=payment,
                stripe_refund_id=stripe_id,
                idempotency_key=f"stripe:{stripe_id}",
                amount=gateway.from_minor_units(int(stripe_refund.get("amount") or 0), payment.currency),
                currency=payment.currency,
                reason="Refunded in Stripe's dashboard",
            )
    except IntegrityError:  # recorded by a concurrent delivery
        return Refund.objects.get(stripe_refund_id=stripe_id)


def _apply_refund_status(*, refund_pk: int, status: str, stripe_refund_id: str = "", note: str = "") -> Refund:
    """Move a refund to pending, succeeded or failed, and the order's and payment's amounts with it, once."""
    order_id = Refund.objects.values_list("order_id", flat=True).get(pk=refund_pk)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        refund = Refund.objects.select_for_update().get(pk=refund_pk)
        fields = ["updated_at"]
        if stripe_refund_id and refund.stripe_refund_id != stripe_refund_id:
            refund.stripe_refund_id = stripe_refund_id
            fields.append("stripe_refund_id")
        was = refund.status
        if status in (Refund.Status.PENDING, was):  # an older snapshot never undoes a final status
            refund.save(update_fields=fields)
            return refund
        refund.status = status
        refund.save(update_fields=[*fields, "status"])
        if status == Refund.Status.SUCCEEDED:
            _count_refund(order=order, refund=refund, sign=1)
        elif was == Refund.Status.SUCCEEDED:  # a refund that had succeeded failed later (e.g. a closed card)
            _count_refund(order=order, refund=refund, sign=-1)
            record_order_event(
                order=order, kind=K.REFUND_FAILED, params={**_money(refund), "later": True, "note": note}
            )
        else:
            record_order_event(order=order, kind=K.REFUND_FAILED, params={**_money(refund), "note": note})
    return refund


def _count_refund(*, order: Order, refund: Refund, sign: int) -> None:
    amount = refund.amount * sign
    Payment.objects.filter(pk=refund.payment_id).update(
        amount_refunded=F("amount_refunded") + amount, updated_at=timezone.now()
    )
    order.amount_refunded += amount
    order.save(update_fields=["amount_refunded", "updated_at"])
    for item in refund.lines:
        OrderLine.objects.filter(pk=item["order_line_id"], order=order).update(
            quantity_refunded=F("quantity_refunded") + int(item["quantity"]) * sign
        )
    if sign < 0:
        post_refund_failed(refund=refund)
        return
    post_refund(refund=refund)
    what = {**_money(refund), "reason": refund.reason}
    fully = order.amount_refunded >= order.amount_paid
    # A return's refund leaves the order returned (or partly), never "refunded": the goods came back.
    from_return = refund.idempotency_key.startswith("return:")
    if fully and not from_return and S.REFUNDED in ORDER_TRANSITIONS[order.status]:
        # Stock held for an order that will not ship goes back on sale.
        release_reservations(order_line_ids=list(order.lines.values_list("pk", flat=True)))
        set_order_status(order=order, to=S.REFUNDED, kind=K.REFUNDED, params=what, by=refund.by)
    else:
        record_order_event(order=order, kind=K.REFUNDED, params=what, by=refund.by)
    events.order_refunded.publish(
        order_id=order.pk, number=order.number, refund_id=refund.pk, fully_refunded=order.status == S.REFUNDED
    )


def retry_pending_refunds(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send again the refunds Stripe never answered (same key: never twice); ask Stripe about pending ones."""
    now = timezone.now()
    count = 0
    pending = Refund.objects.filter(status=Refund.Status.PENDING, created_at__lt=now - older_than)
    for refund in pending.order_by("pk")[:200]:
        try:
            if refund.stripe_refund_id:
                sync_refund(stripe_refund=gateway.retrieve_refund(refund.stripe_refund_id), refund_pk=refund.pk)
            elif refund.created_at > now - REFUND_RESUBMIT_WINDOW:
                submit_refund(refund=refund)
            else:
                logger.error("Refund %s was never sent to Stripe within a day; staff must check it.", refund.pk)
                continue
        except (stripe.StripeError, RefundFailed) as error:
            logger.warning("Refund %s still pending: %s", refund.pk, error)
            continue
        count += 1
    return count


# ---------------------------------------------------------------------------------- cancelling


def expire_stale_checkouts() -> int:
    """Cancel the orders whose reservation ran out unpaid, expiring their sessions first; answers how many.

    A session found paid meanwhile is fulfilled instead (fulfill_checkout decides), and an order with a
    payment still settling (async) is left alone. Expired reservations are then deleted.
    """
    now = timezone.now()
    stale = (
        Order.objects.filter(status=S.PENDING_PAYMENT, reserved_until__lt=now)
        .exclude(payments__status=Payment.Status.PROCESSING)
        .order_by("reserved_until")
        .values_list("pk", flat=True)[:STALE_CHECKOUT_BATCH]
    )
    cancelled = 0
    for order in Order.objects.filter(pk__in=list(stale)):
        if _close_open_sessions(order) and cancel_unpaid_order(
            order=order, note="The reservation ran out before the payment arrived."
        ):
            cancelled += 1
    delete_expired_reservations()
    return cancelled


def _close_open_sessions(order: Order) -> bool:
    """Expire the order's open sessions at Stripe; True when none can be paid any more."""
    closed = True
    now = timezone.now()
    for payment in order.payments.filter(status=Payment.Status.OPEN):
        if not payment.checkout_session_id and payment.payment_intent_id:  # buy now, waiting for the bank's page
            closed = _cancel_waiting_intent(payment) and closed
            continue
        if not payment.checkout_session_id:
            if payment.created_at > now - SESSION_CREATE_GRACE:  # its session is being made right now
                closed = False
            continue
        try:
            session = gateway.expire_checkout_session(payment.checkout_session_id)
        except stripe.StripeError as error:
            logger.warning("Could not expire Checkout Session %s: %s", payment.checkout_session_id, error)
            closed = False
            continue
        if session.get("status") == "complete":  # paid (or settling) just now: not ours to cancel
            fulfill_checkout(session_id=session["id"], session=session)
            closed = False
        else:
            Payment.objects.filter(pk=payment.pk, status=Payment.Status.OPEN).update(
                status=Payment.Status.EXPIRED, updated_at=timezone.now()
            )
    return closed


def _cancel_waiting_intent(payment: Payment) -> bool:
    """Cancel a buy-now PaymentIntent never authenticated, so it cannot be paid later; True when it is closed.

    One that succeeded meanwhile is recorded instead (and the order is then not to be cancelled).
    """
    try:
        try:
            intent = saved_cards_gateway.cancel_payment_intent(payment.payment_intent_id)
        except stripe.InvalidRequestError:  # no longer cancellable: it succeeded (or was canceled) meanwhile
            intent = saved_cards_gateway.retrieve_payment_intent(payment.payment_intent_id)
    except stripe.StripeError as error:
        logger.warning("Could not cancel PaymentIntent %s: %s", payment.payment_intent_id, error)
        return False
    if intent.get("status") == "succeeded":
        fulfill_payment_intent(intent=intent)
        return False
    Payment.objects.filter(pk=payment.pk, status=Payment.Status.OPEN).update(
        status=Payment.Status.EXPIRED, updated_at=timezone.now()
    )
    return True


def cancel_order(*, order: Order, by=None, reason: str = "") -> Refund | None:
    """Cancel an order before it ships; a paid one is refunded in full. Answers the refund, if any.

    Raises CancelNotAllowed when the order has shipped or is already closed, or was paid meanwhile.
    """
    order = Order.objects.get(pk=order.pk)
    note = reason or "Cancelled by staff."
    if order.status == S.PENDING_PAYMENT:
        if not _close_open_sessions(order) or not cancel_unpaid_order(order=order, by=by, note=note):
            raise CancelNotAllowed("paid_meanwhile", f"Order {order.number} is being paid right now; look at it again.")
        return None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in (S.PAID, S.ON_HOLD):
            raise CancelNotAllowed(
                "not_cancellable",
                f"Order {order.number} is {order.get_status_display().lower()}: only orders not yet shipped "
                "can be cancelled.",
            )
        release_reservations(order_line_ids=list(order.lines.values_list("pk", flat=True)))
        set_order_status(order=order, to=S.CANCELLED, kind=K.CANCELLED, params={"reason": note}, by=by)
        events.order_cancelled.publish(order_id=order.pk, number=order.number)
        in_flight = order.refunds.filter(status=Refund.Status.PENDING).aggregate(total=Sum("amount"))["total"]
        refundable = order.amount_paid - order.amount_refunded - (in_flight or Decimal("0"))
    if refundable <= 0:
        return None
    return refund_order(order=order, by=by, reason=reason or "Order cancelled before shipping")


# ---------------------------------------------------------------------------------- helpers


def _money(refund: Refund) -> dict[str, str]:
    return {"amount": str(refund.amount), "currency": refund.currency}


def _id_of(value: Any) -> str:
    """A Stripe reference that may be an id or an expanded object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


@dataclass(frozen=True)
class RefundableLine:
    line: OrderLine
    refundable: int


def refundable_lines(*, order: Order) -> list[RefundableLine]:
    """The order's lines with how many units can still be refunded (refunds in flight counted)."""
    being_refunded: Counter[int] = Counter()
    for refund in order.refunds.filter(status=Refund.Status.PENDING):
        for item in refund.lines:
            being_refunded[int(item["order_line_id"])] += int(item["quantity"])
    return [
        RefundableLine(line=line, refundable=max(line.quantity - line.quantity_refunded - being_refunded[line.pk], 0))
        for line in order.lines.all()
    ]


__all__ = [
    "CancelNotAllowed",
    "PaymentError",
    "PaymentNotStartable",
    "RefundFailed",
    "RefundNotAllowed",
    "UnknownCheckoutSession",
    "cancel_order",
    "close_payment",
    "expire_stale_checkouts",
    "fulfill_checkout",
    "fulfill_payment_intent",
    "handle_event",
    "open_full_refund",
    "open_line_refund",
    "open_payment_page",
    "process_event",
    "record_event_failure",
    "refund_order",
    "refundable_lines",
    "release_hold",
    "retry_pending_refunds",
    "start_payment",
    "submit_refund",
    "sync_refund",
]
