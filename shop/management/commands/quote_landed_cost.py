"""Print a landed-cost quote from the tables, so staff can check a rule before and after they change it.

    manage.py quote_landed_cost DE --currency EUR --shipping 4.90 --ship-from US \\
        --line 610910:CN:25.00:2 --line 330499:FR:40.00 [--region ON] [--on 2026-07-01] [--channel postal]

Each --line is HS_CODE:ORIGIN:UNIT_VALUE[:QUANTITY[:WEIGHT_GRAMS]], values in --currency.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Channel, Collector, Destination, LandedCost, Line, NoLandedCostRules, quote_landed_cost
from shop.landed_cost_rules import rules_for


def parse_line(text: str) -> Line:
    """HS_CODE:ORIGIN:UNIT_VALUE[:QUANTITY[:WEIGHT_GRAMS]] -> Line."""
    parts = text.split(":")
    if not 3 <= len(parts) <= 5:
        raise CommandError(f"--line {text!r}: expected HS_CODE:ORIGIN:UNIT_VALUE[:QUANTITY[:WEIGHT_GRAMS]]")
    hs_code, origin, value, *rest = parts
    try:
        return Line(
            hs_code=hs_code.strip(),
            origin_country=origin.strip().upper(),
            customs_value=Decimal(value),
            quantity=int(rest[0]) if rest else 1,
            weight_grams=int(rest[1]) if len(rest) > 1 else 0,
        )
    except (InvalidOperation, ValueError) as error:
        raise CommandError(f"--line {text!r}: {error}") from error


class Command(BaseCommand):
    help = "Print the duty, fixed charges and tax the tables give for a cart sent to a country."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("country", help="destination, ISO code (DE, US, JP...)")
        parser.add_argument("--region", default="", help="US state or Canadian province code")
        parser.add_argument("--line", action="append", required=True, type=parse_line, dest="lines")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--shipping", type=Decimal, default=Decimal(0))
        parser.add_argument("--on", type=date.fromisoformat, default=None, help="YYYY-MM-DD; today by default")
        parser.add_argument("--ship-from", default="", help="country the parcel leaves from")
        parser.add_argument("--channel", default=Channel.COURIER, choices=Channel.values)

    def handle(self, *args: object, **options: object) -> None:
        on = options["on"] or timezone.localdate()
        try:
            rules = rules_for(options["country"], on=on)
            quote = quote_landed_cost(
                destination=Destination(options["country"].upper(), options["region"].upper()),
                lines=options["lines"],
                shipping=options["shipping"],
                currency=options["currency"].upper(),
                on=on,
                rules=rules,
                ship_from=options["ship_from"],
                channel=options["channel"],
            )
        except (NoLandedCostRules, MissingExchangeRate, ValueError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(render(quote))


def render(quote: LandedCost) -> str:
    """The quote as plain text: one block per line, the totals, who collects, and why."""
    currency = quote.currency
    destination = quote.destination.country + (f"-{quote.destination.region}" if quote.destination.region else "")
    out = [f"Landed cost to {destination} on {quote.on.isoformat()}, in {currency}", ""]
    for line in quote.lines:
        out.append(
            f"{line.index + 1}. HS {line.hs_code}: value {line.value}, shipping share {line.shipping}, "
            f"duty {line.duty}, fixed {line.fixed}, tax {line.tax}"
        )
        for rule in (line.duty_rule, line.tax_rule):
            if rule is not None:
                out.append(f"     {rule.table} #{rule.id}: {rule.text}")
    out += [
        "",
        f"goods     {quote.goods_total}",
        f"shipping  {quote.shipping_total}",
        f"duty      {quote.duty_total}",
        f"fixed     {quote.fixed_total}",
        f"tax       {quote.tax_total}",
        f"charges   {quote.total}  ({quote.incoterm}: {quote.due_at_sale} at sale, {quote.due_at_door} at the door)",
        f"duty: {_collected(quote.duty_collected_by)}; tax: {_collected(quote.tax_collected_by)}",
        "",
        "Why:",
        *(f"- {text}" for text in quote.explanations),
    ]
    return "\n".join(out)


def _collected(collector: str) -> str:
    return "nothing due" if collector == Collector.EXEMPT else f"collected by {Collector(collector).label}"
