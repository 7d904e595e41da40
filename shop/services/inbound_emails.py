"""The seller's email when one of their inbound shipments was received: what went on sale, what differed.

Sent from the handler of `fulfillment.inbound_shipment_received`, which the outbox runs to completion
once per receipt (its HandledEvent row commits with the send; a crash in between may send twice, never none).
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse

from shop.models import Seller, SellerMember


def send_inbound_received_email(
    *, seller_id: int, shipment_id: int, number: str, warehouse: str, discrepancies: list[dict]
) -> bool:
    """Tell the seller's owners (or its support address) what the receipt found; False with nobody to tell."""
    seller = Seller.objects.filter(pk=seller_id).first()
    if seller is None:
        return False
    owners = list(
        SellerMember.objects.filter(seller=seller, role=SellerMember.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    to = owners or ([seller.support_email] if seller.support_email else [])
    if not to:
        return False
    link = settings.SITE_URL + reverse("dashboard:inbound-detail", kwargs={"pk": shipment_id})
    if discrepancies:
        lines = "\n".join(
            f"- {row['sku']}: {row['expected']} announced, {row['received']} received"
            + "".join(f", {row[key]} {key}" for key in ("short", "over", "damaged") if row[key])
            for row in discrepancies
        )
        found = f"Some lines did not match what you announced:\n\n{lines}\n\nDamaged units are not put on sale."
    else:
        found = "Every line arrived as announced."
    EmailMessage(
        subject=f"Shipment {number} was received at {warehouse}",
        body=(
            f"Hello {seller.name},\n\nOur team at {warehouse} counted your shipment {number}; its units are on "
            f"sale now.\n\n{found}\n\nEach line's count: {link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    ).send(fail_silently=False)
    return True
