"""The one writer of an order line's creator attribution (decided by creators at payment)."""

from shop.models import OrderLine


def record_line_attribution(
    *, order_line_id: int, tag_id: int | None, creator_id: int | None, creator_handle: str = ""
) -> None:
    """Keep on the order line which tag and creator the sale is credited to (None for neither)."""
    OrderLine.objects.filter(pk=order_line_id).update(
        attribution_tag_id=tag_id, attribution_creator_id=creator_id, attribution_creator_handle=creator_handle
    )
