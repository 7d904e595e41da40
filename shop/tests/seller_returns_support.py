"""Returns as two sellers see them: one delivered order holds a product of each (this module holds no tests)."""

from decimal import Decimal

from shop.models import Order, OrderLine, Refund, ReturnLine, ReturnRequest, Seller


def seller_of(line: OrderLine) -> Seller:
    return line.variant.product.seller


def plain_returns(order: Order, count: int, *, lines: list[OrderLine], refunded: bool = False) -> list[ReturnRequest]:
    """Return rows straight from the models (the pages only read them); each returns one unit of `lines`.

    With `refunded`, each gets a succeeded refund of those units, as the returns services leave it.
    """
    start = ReturnRequest.objects.count()
    returns = ReturnRequest.objects.bulk_create(
        ReturnRequest(
            number=f"{order.number}-P{start + index}",
            order=order,
            status=ReturnRequest.Status.COMPLETED if refunded else ReturnRequest.Status.APPROVED,
            reason=ReturnRequest.Reason.DOESNT_FIT,
            comment=f"Comment {start + index}",
            cost_bearer=ReturnRequest.CostBearer.SELLER,
            value=sum((line.unit_price for line in lines), Decimal("0")),
            currency=order.currency,
        )
        for index in range(count)
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=ret, order_line=line, quantity=1, quantity_accepted=1 if refunded else 0)
        for ret in returns
        for line in lines
    )
    if refunded:
        payment = order.payments.get()
        for ret in returns:
            ret.refund = Refund.objects.create(
                order=order,
                payment=payment,
                idempotency_key=f"return:{ret.pk}",
                amount=sum((line.unit_price for line in lines), Decimal("0")),
                currency=order.currency,
                status=Refund.Status.SUCCEEDED,
                reason=f"Return {ret.number}: Doesn't fit",
                lines=[{"order_line_id": line.pk, "quantity": 1} for line in lines],
            )
            ret.save(update_fields=["refund"])
    return returns
