"""Star ratings in templates: the page's CSP allows no inline styles, so the fill is a class per half star."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def half_stars(average) -> int:
    """4.3 -> 9 (four and a half stars): the `stars-N` class that fills N half stars of five."""
    if average in (None, ""):
        return 0
    halves = (Decimal(str(average)) * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return max(0, min(10, int(halves)))
