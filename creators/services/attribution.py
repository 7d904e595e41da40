"""Attribution at payment: which creator's tag a paid order line is credited to.

Rules (decided here, once per order, when it is paid):

- Each line goes to the LAST `TagClick` on the line's product made by the same visitor within
  `CREATOR_ATTRIBUTION_WINDOW_DAYS` before `Order.paid_at` (a click exactly at the window's start
  still counts; a click after payment never does).
- The visitor is who paid: the order's user, or the cart token (`Cart.session_key`, the value
  `request.session[CART_SESSION_KEY]` that engagement writes on clicks) of the cart the order was
  placed from. A logged-in buyer matches on the user OR on their cart's token. Logging in merges
  the anonymous cart into the user's cart and drops the token (shop.services.cart.merge_session_cart),
  so clicks made before logging in carry a token we can no longer see. For those, the tag the
  cart line remembers (copied to the order line, and carried over by the merge) is the fallback.
- Fallback: with no matching click, the order line's cart tag counts only if that tag still
  points at the line's product and some click on it exists within the same window, made
  anonymously or by the buyer: a click by another logged-in user never counts. The cart line
  itself proves the shopper came from the tag; the click check keeps the 7-day rule.
- Never a creator whose tag points at another product (a click's `product` must be the line's,
  and so must the tag's current product), never a suspended (or otherwise not approved) creator.
- The result is written on the order line through shop's `record_line_attribution` (None when no
  tag qualifies, so an unqualified cart tag is not left looking credited) and kept for good:
  the commission, unique per line, is made from it. Replays compute the same answer (only clicks
  before payment count), so running this twice is harmless.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q

from creators.models import Commission, Creator, ProductTag, TagClick
from shop.selectors import OrderToAttribute, order_to_attribute
from shop.services.attribution import record_line_attribution


@dataclass(frozen=True)
class LineAttribution:
    order_line_id: int
    tag_id: int | None
    creator_id: int | None


def attribution_window() -> timedelta:
    return timedelta(days=settings.CREATOR_ATTRIBUTION_WINDOW_DAYS)


def _visitor_filter(order: OrderToAttribute) -> Q | None:
    visitor = Q()
    if order.buyer_id:
        visitor |= Q(user_id=order.buyer_id)
    if order.cart_token:
        visitor |= Q(session_key=order.cart_token)
    return visitor or None


def decide_attribution(*, order: OrderToAttribute) -> list[LineAttribution]:
    """Which tag and creator each line of a paid order is credited to (nothing written)."""
    lines = order.lines
    paid_at = order.paid_at
    if paid_at is None or not lines:
        return [LineAttribution(line.order_line_id, None, None) for line in lines]
    since = paid_at - attribution_window()
    product_ids = {line.product_id for line in lines}
    approved = Q(creator__status=Creator.Status.APPROVED)
    in_window = Q(created_at__gte=since, created_at__lte=paid_at, product_id__in=product_ids)
    # The tag must still point at the clicked product (a relinked tag does not carry old clicks).
    same_product = Q(tag__isnull=True) | Q(tag__product_id=F("product_id"))
    last_click: dict[int, TagClick] = {}
    visitor = _visitor_filter(order)
    if visitor is not None:
        clicks = (
            TagClick.objects.filter(in_window & visitor & approved).filter(same_product).order_by("created_at", "id")
        )
        for click in clicks:
            last_click[click.product_id] = click  # ordered oldest first: the last one wins
    cart_tag_ids = {line.tag_id for line in lines if line.tag_id}
    cart_tags = {
        tag.pk: tag
        for tag in ProductTag.objects.filter(pk__in=cart_tag_ids, post__creator__status=Creator.Status.APPROVED)
        .select_related("post")
        .filter(
            Q(clicks__created_at__gte=since, clicks__created_at__lte=paid_at)
            & (Q(clicks__user__isnull=True) | Q(clicks__user_id=order.buyer_id))
        )
        .distinct()
    }
    decided = []
    for line in lines:
        click = last_click.get(line.product_id)
        if click is not None:
            decided.append(LineAttribution(line.order_line_id, click.tag_id, click.creator_id))
            continue
        tag = cart_tags.get(line.tag_id)
        if tag is not None and tag.product_id == line.product_id:
            decided.append(LineAttribution(line.order_line_id, tag.pk, tag.post.creator_id))
        else:
            decided.append(LineAttribution(line.order_line_id, None, None))
    return decided


def attribute_order(*, order_id: int, order: OrderToAttribute | None = None) -> list[LineAttribution]:
    """Decide and record the attribution of every line of a paid order; safe to repeat.

    `order`: the order as `order_to_attribute` read it, when the caller has (not read again).
    """
    order = order or order_to_attribute(order_id=order_id)
    decided = decide_attribution(order=order)
    current = {line.order_line_id: (line.tag_id, line.creator_id, bool(line.creator_handle)) for line in order.lines}
    # A line that already earned a commission keeps the attribution it was paid on. Only a credited line can
    # have earned one (and it stays credited): an order with none (most orders) has nothing to look up.
    credited = [line_id for line_id, (_, creator_id, _) in current.items() if creator_id is not None]
    settled = set(
        Commission.objects.filter(order_line_id__in=credited, kind=Commission.Kind.EARNING).values_list(
            "order_line_id", flat=True
        )
        if credited
        else ()
    )
    changed = [
        item
        for item in decided
        # A line carrying its cart's tag but no handle yet is recorded too (the handle comes with the credit).
        if item.order_line_id not in settled
        and current.get(item.order_line_id) != (item.tag_id, item.creator_id, item.creator_id is not None)
    ]
    handles = dict(
        Creator.objects.filter(pk__in={item.creator_id for item in changed if item.creator_id}).values_list(
            "pk", "handle"
        )
    )
    for item in changed:
        record_line_attribution(
            order_line_id=item.order_line_id,
            tag_id=item.tag_id,
            creator_id=item.creator_id,
            creator_handle=handles.get(item.creator_id, ""),
        )
    return decided
