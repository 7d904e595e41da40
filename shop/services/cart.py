"""The shopper's cart: one per logged-in user, or per session; merged into the user's at log-in."""

import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from fulfillment.selectors import available_by_variant
from shop.models import Cart, CartLine, Product, Variant
from shop.selectors import cart_lines_as_shown, contents_of

MAX_LINE_QUANTITY = 99
CART_SESSION_KEY = "cart_token"


def cart_for_request(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """The visitor's cart (the user's when logged in, else the session's); made on demand."""
    if request.user.is_authenticated:
        cart = Cart.objects.filter(user=request.user).first()
        if cart is None and create:
            cart = _get_or_create(user=request.user)
        return cart
    # A token kept in the session data, not the session key: log-in rotates the key, keeps the data.
    token = request.session.get(CART_SESSION_KEY)
    cart = Cart.objects.filter(session_key=token, user__isnull=True).first() if token else None
    if cart is None and create:
        if not token:  # keep an existing token: the visitor's tag clicks are recorded under it
            token = secrets.token_urlsafe(24)
            request.session[CART_SESSION_KEY] = token
        cart = _get_or_create(session_key=token)
    return cart


def _get_or_create(**owner) -> Cart:
    try:
        with transaction.atomic():
            return Cart.objects.get_or_create(**owner)[0]
    except IntegrityError:  # created by a concurrent request
        return Cart.objects.get(**owner)


def _check_quantity(*, variant: Variant, quantity: int) -> int:
    """Refuse a quantity out of 1..99 or beyond what is free; answers the free units."""
    if quantity < 1:
        raise ValidationError({"quantity": "The quantity must be at least 1."})
    if quantity > MAX_LINE_QUANTITY:
        raise ValidationError({"quantity": f"At most {MAX_LINE_QUANTITY} of one item per order."})
    available = getattr(variant, "free_units", None)  # read with the variant (selectors.variants_to_add)
    if available is None:
        available = available_by_variant(variant_ids=[variant.pk]).get(variant.pk, 0)
    if quantity > available:
        message = (
            f"{variant} is sold out."
            if available == 0
            else f"Only {available} of {variant} available; you asked for {quantity}."
        )
        raise ValidationError({"quantity": message})
    return available


def _check_buyable(variant: Variant) -> None:
    if not variant.is_active or variant.product.status != Product.Status.ACTIVE:
        raise ValidationError({"variant": f"{variant} is not for sale."})


def _check_same_currency(*, lines: list[CartLine], variant: Variant) -> None:
    """A cart is paid in one currency: refuse a variant priced in another one than its lines (variants loaded)."""
    other = next((line.variant.currency for line in lines if line.variant.currency != variant.currency), None)
    if other:
        message = f"Your cart is priced in {other} and {variant} in {variant.currency}; check out the cart first."
        raise ValidationError({"variant": message})


def add_to_cart(
    *,
    cart: Cart,
    variant: Variant,
    quantity: int = 1,
    attribution_tag_id: int | None = None,
    attribution_creator_id: int | None = None,
) -> CartLine:
    """Add units of a variant (to its line if present); never more than is available.

    The line's `cart.contents` is the cart as it stands after the add (selectors.CartContents), built from
    the lines read in the add's transaction: the caller answers with it without reading the cart again.
    """
    _check_buyable(variant)
    with transaction.atomic():
        # Touching the cart locks its row (concurrent adds queue here), as a SELECT ... FOR UPDATE did.
        now = timezone.now()
        if not Cart.objects.filter(pk=cart.pk).update(updated_at=now):
            raise Cart.DoesNotExist("The cart is gone.")
        cart.updated_at = now
        # Its lines once, as the cart shows them: the currency check, the line to add to, the answer.
        lines = list(cart_lines_as_shown(cart=cart))
        _check_same_currency(lines=lines, variant=variant)
        line = next((line for line in lines if line.variant_id == variant.pk), None)
        new_quantity = (line.quantity if line else 0) + quantity
        available = _check_quantity(variant=variant, quantity=new_quantity)
        if line is None:
            line = CartLine(cart=cart, variant=variant)
            lines.append(line)
        line.cart = cart
        line.quantity = new_quantity
        if attribution_tag_id is not None:  # the latest tag the shopper came from wins
            line.attribution_tag_id = attribution_tag_id
            line.attribution_creator_id = attribution_creator_id
        line.save()
    line.available = available
    cart.contents = contents_of(lines)
    return line


def add_to_visitors_cart(*, request: HttpRequest, variant: Variant, quantity: int = 1) -> CartLine:
    """Add to the visitor's cart, made on demand; a refused first add leaves no cart and no cart token behind."""
    cart = cart_for_request(request)
    if cart is not None:
        return add_to_cart(cart=cart, variant=variant, quantity=quantity)
    # A new cart has no lines to check against: refuse before anything is written.
    _check_buyable(variant)
    available = _check_quantity(variant=variant, quantity=quantity)
    if request.user.is_authenticated:
        owner = {"user": request.user}
    else:  # keep an existing token: the visitor's tag clicks are recorded under it
        owner = {"session_key": request.session.get(CART_SESSION_KEY) or secrets.token_urlsafe(24)}
    try:
        with transaction.atomic():
            cart = Cart.objects.create(**owner)
            line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    except IntegrityError:  # a concurrent first add made the cart (this one rolled back): add to that one
        line = add_to_cart(cart=Cart.objects.get(**owner), variant=variant, quantity=quantity)
    else:
        line.available = available
        cart.contents = contents_of([line])
    if "session_key" in owner:
        request.session[CART_SESSION_KEY] = owner["session_key"]
    return line


def set_line_quantity(*, line: CartLine, quantity: int) -> CartLine:
    """Change a line's quantity (1 to what is available)."""
    _check_quantity(variant=line.variant, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity", "updated_at"])
    return line


def remove_line(*, line: CartLine) -> None:
    line.delete()


def merge_session_cart(*, request: HttpRequest, user) -> Cart | None:
    """At log-in: move the anonymous cart's lines into the user's cart (quantities add up, capped).

    Lines priced in another currency than the user's cart are left out: a cart has one currency.
    """
    token = request.session.pop(CART_SESSION_KEY, None)
    if not token:
        return None
    anonymous = Cart.objects.filter(session_key=token, user__isnull=True).first()
    if anonymous is None:
        return Cart.objects.filter(user=user).first()
    with transaction.atomic():
        mine = _get_or_create(user=user)
        locked = mine.lines.select_for_update(of=("self",)).select_related("variant")
        existing = {line.variant_id: line for line in locked}
        currency = next((line.variant.currency for line in existing.values()), None)
        for line in anonymous.lines.select_related("variant"):
            if currency is not None and line.variant.currency != currency:
                continue  # a cart is priced in one currency; the user's saved cart sets it
            kept = existing.get(line.variant_id)
            if kept is None:
                line.cart = mine
                line.save(update_fields=["cart", "updated_at"])
                continue
            available = available_by_variant(variant_ids=[line.variant_id]).get(line.variant_id, 0)
            kept.quantity = max(1, min(kept.quantity + line.quantity, available, MAX_LINE_QUANTITY))
            if line.attribution_tag_id is not None:
                kept.attribution_tag_id = line.attribution_tag_id
                kept.attribution_creator_id = line.attribution_creator_id
            kept.save()
        anonymous.delete()
    return mine


def remove_ordered_lines(*, cart_id: int, variant_ids: list[int]) -> int:
    """Once an order is paid: take what was bought out of the cart it came from (by id: no read of the cart)."""
    deleted, _ = CartLine.objects.filter(cart_id=cart_id, variant_id__in=variant_ids).delete()
    return deleted
