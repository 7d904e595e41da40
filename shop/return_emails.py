"""The shopper's emails about a return, one per step; the approval carries the label (PDF) and its QR code."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from fulfillment.carriers.labels import drop_off_qr_png
from fulfillment.selectors import inbound_returns
from shop.checkout.links import order_url
from shop.models import Order, ReturnRequest, SentEmail

E = SentEmail.Kind


def _paragraphs(kind: str, ret: ReturnRequest, inbound) -> tuple[str, list[str]]:
    number = ret.number
    ship_by = f"{ret.ship_by:%-d %b %Y}" if ret.ship_by else ""
    refund_when = (
        "as soon as the carrier scans your parcel"
        if ret.refund_at == ReturnRequest.RefundAt.FIRST_SCAN
        else "once we have received and checked it"
    )
    tracking = inbound.shipment.tracking_number if inbound and inbound.shipment else ""
    amount = f"{ret.refund.amount} {ret.refund.currency}" if ret.refund else ""
    texts = {
        E.RETURN_REQUESTED: (
            f"We received your return request {number}",
            [
                f"Thank you. Your return {number} ({ret.get_reason_display().lower()}) waits for a quick look.",
                "We answer within two business days; you do not need to do anything until then.",
            ],
        ),
        E.RETURN_APPROVED: (
            f"Your return {number} is approved: here is your free label",
            [
                f"Your return {number} is approved. Returning it is free.",
                "Print the attached label and stick it on the parcel, or show the attached QR code at a drop-off "
                "point and they print it for you.",
                f"Please send it by {ship_by}." if ship_by else "",
                f"Tracking number of your return: {tracking}." if tracking else "",
                f"We refund you {refund_when}.",
            ],
        ),
        E.RETURN_REJECTED: (
            f"Your return request {number} was not accepted",
            [
                f"We looked at your return request {number} and could not accept it.",
                f"Why: {ret.decision_message}",
                "Reply to this email if you think we got it wrong.",
            ],
        ),
        E.RETURN_RECEIVED: (
            f"We received your return {number}",
            [
                f"Your parcel for return {number} arrived at our returns centre. We check it and tell you when the "
                "refund is on its way.",
            ],
        ),
        E.RETURN_REFUNDED: (
            f"Your return {number} is refunded",
            [
                f"We refunded {amount} for return {number}.",
                "The money reaches your account within 5 to 10 business days, depending on your bank.",
            ],
        ),
        E.RETURN_REMINDER: (
            f"Your return {number}: the label is not used yet",
            [
                f"Your free return label for {number} has not been scanned yet. Please send the parcel by {ship_by}; "
                "after that date the label stops working.",
            ],
        ),
        E.RETURN_EXPIRED: (
            f"Your return {number} has expired",
            [
                f"Return {number} was not sent by {ship_by}, so its label no longer works.",
                "Still within the return window? Ask for a new return from your order page.",
            ],
        ),
    }
    return texts.get(kind) or (
        f"Your parcel of order {ret.order.number} came back to us",
        [
            "The carrier could not deliver your parcel and brought it back to our warehouse.",
            f"Once it is checked in we refund you {refund_when}; you do not need to do anything.",
        ],
    )


def return_message(*, order: Order, kind: str, ret: ReturnRequest) -> EmailMultiAlternatives:
    """One return email: plain text with an HTML alternative, a link to the order page, attachments for the label."""
    inbound = inbound_returns(return_ids=[ret.pk]).get(ret.pk)
    subject, paragraphs = _paragraphs(kind, ret, inbound)
    context = {"order": order, "paragraphs": [p for p in paragraphs if p], "order_url": order_url(order)}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/return_update.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string("emails/return_update.html", context), "text/html")
    if kind == E.RETURN_APPROVED and inbound is not None and inbound.live_label is not None:
        with inbound.live_label.pdf.open("rb") as pdf:
            message.attach(f"return-label-{ret.number}.pdf", pdf.read(), "application/pdf")
        message.attach(f"drop-off-code-{ret.number}.png", drop_off_qr_png(inbound.drop_off_code), "image/png")
    return message
