"""Which hazards may travel where, and by what kind of service: the rule table, and the decision (a pure function).

`refusing_rules` decides over plain rules (tested without the database); `restriction_rules` loads the
rows in effect on a day in one query. The shop asks these before it sells (product page, checkout).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django_countries import countries

from fulfillment.models import ANY_COUNTRY, Hazard, ServiceKind, ShippingRestriction

# The shop's methods: domestic "standard" goes by road; everything else (express, every international
# parcel) flies. A real carrier's service would say so itself.
GROUND_METHODS = frozenset({"standard"})


@dataclass(frozen=True)
class RestrictionRule:
    """One row of the rule table, as plain data."""

    hazard: str
    destination: str
    service_kind: str
    allowed: bool
    note: str
    source: str
    effective_from: dt.date

    @property
    def hazard_label(self) -> str:
        return str(Hazard(self.hazard).label)

    @property
    def where(self) -> str:
        """ "to every country by air services", "to Australia by any service" ..."""
        place = "every country" if self.destination == ANY_COUNTRY else countries.name(self.destination)
        return f"to {place} by {ServiceKind(self.service_kind).label.lower()}"


def service_kind_for(*, shipping_method: str, domestic: bool) -> str:
    """How a parcel sent by the shop's `shipping_method` travels: ground or air."""
    return ServiceKind.GROUND if domestic and shipping_method in GROUND_METHODS else ServiceKind.AIR


def applicable_rule(
    rules: Iterable[RestrictionRule], *, hazard: str, destination: str, service_kind: str
) -> RestrictionRule | None:
    """The rule that decides for this hazard, destination and kind of service; None: no rule, allowed."""
    matching = [
        rule
        for rule in rules
        if rule.hazard == hazard
        and rule.destination in (destination, ANY_COUNTRY)
        and rule.service_kind in (service_kind, ServiceKind.ANY)
    ]
    if not matching:
        return None
    return max(
        matching,
        key=lambda rule: (rule.destination != ANY_COUNTRY, rule.service_kind != ServiceKind.ANY, rule.effective_from),
    )


def refusing_rules(
    rules: Iterable[RestrictionRule], *, hazards: Iterable[str], destination: str, service_kind: str
) -> list[RestrictionRule]:
    """The rules that refuse any of these hazards to this destination by this kind of service (empty: it may go)."""
    rules = list(rules)
    refused = []
    for hazard in sorted(set(hazards)):
        rule = applicable_rule(rules, hazard=hazard, destination=destination, service_kind=service_kind)
        if rule is not None and not rule.allowed:
            refused.append(rule)
    return refused


def restriction_rules(
    *, hazards: Iterable[str], destinations: Iterable[str] | None = None, on: dt.date | None = None
) -> list[RestrictionRule]:
    """The rules in effect on `on` (today) for these hazards (and destinations, with `*`), one query.

    No hazards: no query.
    """
    hazards = sorted(set(hazards))
    if not hazards:
        return []
    day = on or timezone.localdate()
    rows = ShippingRestriction.objects.filter(hazard__in=hazards, effective_from__lte=day).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=day)
    )
    if destinations is not None:
        rows = rows.filter(destination__in=[ANY_COUNTRY, *sorted(set(destinations))])
    return [
        RestrictionRule(
            hazard=row.hazard,
            destination=row.destination,
            service_kind=row.service_kind,
            allowed=row.allowed,
            note=row.note,
            source=row.source,
            effective_from=row.effective_from,
        )
        for row in rows.order_by("pk")
    ]
