"""The fee rules in force at a time: the take rate of a category (or its parents, or the default), pick and pack."""

from datetime import datetime
from decimal import Decimal

from shop.models import Category, FulfillmentFee, TakeRate


class NoFeeRule(LookupError):
    """No rule is in force: staff must add one (a sale is never charged a fee made up in code)."""


def take_rates_at(*, category_ids: set[int | None], at: datetime) -> dict[int | None, Decimal]:
    """Category id (None: no category) -> the take rate in force at `at`: its own, a parent's, else the default.

    Raises NoFeeRule when neither the category's chain nor the default has a rate in force.
    """
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    rules: dict[int | None, list[TakeRate]] = {}
    for rule in TakeRate.objects.filter(effective_from__lte=at).order_by("-effective_from"):
        rules.setdefault(rule.category_id, []).append(rule)
    answer = {}
    for category_id in category_ids:
        node, seen = category_id, set()
        while node is not None and node not in rules and node not in seen:
            seen.add(node)
            node = parents.get(node)
        chosen = rules.get(node) or rules.get(None)
        if not chosen:
            raise NoFeeRule(f"No platform take rate is in force on {at:%Y-%m-%d} (add one in the admin).")
        answer[category_id] = chosen[0].rate_percent
    return answer


def pick_pack_fee_at(*, currency: str, at: datetime) -> Decimal:
    """The pick-and-pack fee per unit in force at `at` in a currency; zero when our network has none set."""
    rule = FulfillmentFee.objects.filter(currency=currency, effective_from__lte=at).order_by("-effective_from").first()
    return rule.pick_pack_per_unit if rule else Decimal("0")
