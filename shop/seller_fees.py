"""The fee rules in force at a time: the take rate of a category (or its parents, or the default), pick and pack.

The tables come from the cache (`shop.reference_data`); the rule in force at the time is chosen here, per call.
"""

from datetime import datetime
from decimal import Decimal

from marketplace.fragments import cached_rows
from shop.models import Category, FulfillmentFee, TakeRate
from shop.reference_data import FEES_VERSION


class NoFeeRule(LookupError):
    """No rule is in force: staff must add one (a sale is never charged a fee made up in code)."""


def take_rates_at(*, category_ids: set[int | None], at: datetime) -> dict[int | None, Decimal]:
    """Category id (None: no category) -> the take rate in force at `at`: its own, a parent's, else the default.

    Raises NoFeeRule when neither the category's chain nor the default has a rate in force.
    """
    parents = cached_rows(FEES_VERSION, "category-parents", _category_parents)
    rules: dict[int | None, list[TakeRate]] = {}
    for rule in cached_rows(FEES_VERSION, "take-rates", _take_rates):  # the newest first
        if rule.effective_from <= at:
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
    in_force = (
        fee
        for fee in cached_rows(FEES_VERSION, "fulfillment-fees", _fulfillment_fees)  # the newest first
        if fee.currency == currency and fee.effective_from <= at
    )
    rule = next(in_force, None)
    return rule.pick_pack_per_unit if rule else Decimal("0")


# The tables as the cache keeps them (`shop.reference_data`): every row, whatever its dates.


def _category_parents() -> dict[int, int | None]:
    return dict(Category.objects.values_list("pk", "parent_id"))


def _take_rates() -> list[TakeRate]:
    return list(TakeRate.objects.order_by("-effective_from"))


def _fulfillment_fees() -> list[FulfillmentFee]:
    return list(FulfillmentFee.objects.order_by("-effective_from"))
