"""The landed-cost tables as checked on 2026-12-03: duty, tax, de-minimis and exchange-rate rows with sources.

Loaded into every database by migration `0007_landed_cost_demo_tables`, so the demo, the tests and a
fresh production database start from the same rows. The figures follow the team's `FACTS.md` (secondary
sources): STAFF MUST VERIFY every row against its source before going live. Tariff rates are plausible
chapter-level figures for the demo (real rates vary by subheading); exchange rates are demo figures.

Keeping the tables current happens in the admin (Shop > Duty rates, Tax rates, De-minimis thresholds,
Exchange rates): a change is a new row with its own `effective_from`, and the old row gets an
`effective_to`. This module is a snapshot: do not edit it to change a rule (databases that already ran
the migration would never see the edit); add rows in the admin or in a new data migration.

A duty row with an empty HS prefix is the country's default: every code starts with "", and any longer
matching prefix wins over it.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

VERIFY = (
    "Demo row from FACTS.md (secondary sources, checked 2026-12-03): "
    "staff must verify it against the source before going live."
)
RECORD_START = date(2025, 1, 1)  # where no change date is known: the start of our record, not of the rule
TODAY = date(2026, 12, 3)

EU_COUNTRIES = ("DE", "FR", "NL", "IT", "ES")
EU_VAT = {"DE": "19", "FR": "20", "NL": "21", "IT": "22", "ES": "21"}
IOSS_START = date(2021, 7, 1)
EU_DUTY_RELIEF_END = date(2026, 6, 30)
EU_FLAT_DUTY_START = date(2026, 7, 1)
EU_FLAT_DUTY_END = date(2028, 6, 30)

SOURCES = {
    "US-tariff": "USITC, Harmonized Tariff Schedule of the United States; https://hts.usitc.gov/",
    "US-de-minimis": "19 U.S.C. 1321 as amended by the Trade Facilitation and Trade Enforcement Act of 2015 "
    "(800 USD from 2016-03-10); CBP, https://www.cbp.gov/",
    "US-CN-de-minimis": "Executive Order 14256 of 2025-04-02 (de minimis ended for goods from China and Hong Kong "
    "from 2025-05-02); https://www.federalregister.gov/",
    "US-suspension": "Executive Order 14324 of 2025-07-30, Suspending Duty-Free De Minimis Treatment for All "
    "Countries (from 2025-08-29); https://www.federalregister.gov/",
    "US-CA": "California CDTFA, Sales and Use Tax Rates; https://www.cdtfa.ca.gov/",
    "US-NY": "New York State Department of Taxation and Finance, sales tax rates; https://www.tax.ny.gov/",
    "US-TX": "Texas Comptroller of Public Accounts, sales and use tax; https://comptroller.texas.gov/",
    "US-WA": "Washington State Department of Revenue, sales and use tax rates; https://dor.wa.gov/",
    "US-FL": "Florida Department of Revenue, sales and use tax; https://floridarevenue.com/",
    "US-none": "State law: no statewide sales tax (AK, DE, MT, NH, OR); Streamlined Sales Tax Governing Board, "
    "https://www.streamlinedsalestax.org/",
    "EU-tariff": "European Commission, TARIC (Integrated Tariff of the European Union); "
    "https://ec.europa.eu/taxation_customs/dds2/taric/",
    "EU-VAT": "European Commission, VAT rates applied in the Member States; https://taxation-customs.ec.europa.eu/",
    "EU-IOSS": "European Commission, Import One-Stop Shop (IOSS); https://vat-one-stop-shop.ec.europa.eu/",
    "EU-relief": "Council Regulation (EC) No 1186/2009, art. 23 (duty relief up to 150 EUR), ended after 2026-06-30; "
    "https://eur-lex.europa.eu/",
    "EU-flat-duty": "Council of the EU, interim flat customs duty of 3 EUR on items in low-value parcels, "
    "2026-07-01 to 2028-07-01; https://www.consilium.europa.eu/",
    "GB-tariff": "UK Global Tariff, UK Integrated Online Tariff; https://www.trade-tariff.service.gov.uk/",
    "GB-VAT": "HMRC, VAT and overseas goods sold directly to customers in the UK; "
    "https://www.gov.uk/guidance/vat-and-overseas-goods-sold-directly-to-customers-in-the-uk",
    "AU-tariff": "Australian Border Force, Working Tariff (Schedule 3 of the Customs Tariff Act 1995); "
    "https://www.abf.gov.au/",
    "AU-GST": "Australian Taxation Office, GST on low value imported goods; https://www.ato.gov.au/",
    "CA-tariff": "CBSA, Customs Tariff (CUSMA tariff treatment for originating goods); https://www.cbsa-asfc.gc.ca/",
    "CA-GST": "Canada Revenue Agency, GST/HST rates; https://www.canada.ca/en/revenue-agency/",
    "CA-LVS": "CBSA, CUSMA courier low value shipment thresholds (40 CAD tax, 150 CAD duty) and the 20 CAD "
    "threshold for other imports; https://www.cbsa-asfc.gc.ca/",
    "JP-tariff": "Japan Customs, Customs Tariff Schedules of Japan (simplified tariff up to 200,000 JPY); "
    "https://www.customs.go.jp/english/",
    "JP-tax": "National Tax Agency Japan, consumption tax 10 % (8 % for food); https://www.nta.go.jp/english/",
    "JP-de-minimis": "Japan Customs, exemption of consignments of a total customs value of 10,000 JPY or less; "
    "https://www.customs.go.jp/english/",
    "FX": "demo figures, verify before going live",
}

# Chapter-level tariff figures per destination: default "", cosmetics 33, apparel 61/62, footwear 64,
# electronics 85. Plausible demo rates only: real rates vary by subheading.
TARIFFS: dict[str, dict[str, str]] = {
    "US": {"": "5", "33": "2", "61": "16", "62": "12", "64": "10", "85": "2.5"},
    "EU": {"": "4", "33": "0", "61": "12", "62": "12", "64": "8", "85": "2"},
    "GB": {"": "4", "33": "0", "61": "12", "62": "12", "64": "8", "85": "2"},
    "CA": {"": "6.5", "33": "6.5", "61": "18", "62": "17", "64": "18", "85": "0"},
    "AU": {"": "5", "33": "5", "61": "5", "62": "5", "64": "5", "85": "0"},
    "JP": {"": "5", "33": "0", "61": "10", "62": "10", "64": "30", "85": "0"},
}
TARIFF_NOTE = "Plausible chapter-level rate for the demo; look the exact code up in the tariff. "

# 1 USD in each currency on 2026-12-03 (demo figures); the other pairs are crossed from these.
USD_RATES = {"EUR": "0.86", "GBP": "0.75", "CAD": "1.39", "AUD": "1.52", "JPY": "155"}

Row = tuple[str, dict[str, Any]]  # (model name, field values)


def duty(country: str, prefix: str, rate: str, *, source: str, start: date, **fields: Any) -> Row:
    note = fields.pop("note", TARIFF_NOTE)
    return "DutyRate", {
        "country": country,
        "hs_prefix": prefix,
        "rate_percent": Decimal(rate),
        "effective_from": start,
        "source": SOURCES[source],
        "note": f"{note} {VERIFY}".strip(),
        **fields,
    }


def tax(country: str, region: str, name: str, rate: str, *, source: str, start: date, **fields: Any) -> Row:
    note = fields.pop("note", "")
    return "TaxRate", {
        "country": country,
        "region": region,
        "name": name,
        "rate_percent": Decimal(rate),
        "effective_from": start,
        "source": SOURCES[source],
        "note": f"{note} {VERIFY}".strip(),
        **fields,
    }


def de_minimis(
    country: str, kind: str, threshold: str, currency: str, *, source: str, start: date, **fields: Any
) -> Row:
    note = fields.pop("note", "")
    return "DeMinimis", {
        "country": country,
        "kind": kind,
        "threshold": Decimal(threshold),
        "currency": currency,
        "effective_from": start,
        "source": SOURCES[source],
        "note": f"{note} {VERIFY}".strip(),
        **fields,
    }


def _tariff(country: str, table: str, *, source: str, start: date, basis: str) -> Iterator[Row]:
    for prefix, rate in TARIFFS[table].items():
        yield duty(country, prefix, rate, source=source, start=start, basis=basis)


def _united_states() -> Iterator[Row]:
    yield from _tariff("US", "US", source="US-tariff", start=RECORD_START, basis="goods")
    additional = "MFN plus the additional duties on goods of Chinese origin (IEEPA, Section 301), approximated; "
    yield duty(
        "US",
        "",
        "30",
        source="US-tariff",
        start=RECORD_START,
        origin_country="CN",
        note=additional + "they change often.",
    )
    yield duty(
        "US",
        "85",
        "27.5",
        source="US-tariff",
        start=RECORD_START,
        origin_country="CN",
        note=additional + "electronics.",
    )
    # Who collects the duty is a business choice: we ship into the US delivered duty paid.
    dutiable = {"collected_at_or_under": "marketplace", "collected_above": "marketplace"}
    yield de_minimis(
        "US", "duty", "800", "USD", source="US-de-minimis", start=date(2016, 3, 10),
        effective_to=date(2025, 8, 28), collected_at_or_under="exempt", collected_above="marketplace",
        note="Duty-free up to 800 USD per person per day; above it we collect the duty at sale (DDP).",
    )  # fmt: skip
    yield de_minimis(
        "US", "duty", "0", "USD", source="US-CN-de-minimis", start=date(2025, 5, 2), effective_to=date(2025, 8, 28),
        shipped_from="CN,HK", **dutiable,
        note="No duty-free threshold for parcels from China and Hong Kong; we collect the duty at sale (DDP).",
    )  # fmt: skip
    yield de_minimis(
        "US", "duty", "0", "USD", source="US-suspension", start=date(2025, 8, 29), **dutiable,
        note="De minimis suspended for every country: every import is dutiable whatever its value; we collect the "
        "duty at sale (DDP). Postal items could pay a flat 80/160/200 USD per item until 2026-02-28 (not modelled: "
        "we ship by courier). From mid-2026 postal entries up to 2,500 USD need a 10-digit HTS code.",
    )  # fmt: skip
    # Sales tax: every state with one has a marketplace facilitator law, so we collect at sale.
    states = [
        ("CA", "7.25", False, "Statewide base rate; district taxes add up to about 3 %. Separately stated shipping by "
         "common carrier is not taxable."),
        ("NY", "4", True, "State rate; local rates add (New York City 8.875 % in all). Shipping is taxable."),
        ("TX", "6.25", True, "State rate; local rates add up to 2 %. Shipping is taxable."),
        ("WA", "6.5", True, "State rate; local rates add. Shipping is taxable."),
        ("FL", "6", False, "State rate; county surtaxes add. Separately stated delivery charges are treated as not "
         "taxable here: check."),
    ]  # fmt: skip
    for state, rate, shipping_taxable, note in states:
        yield tax(
            "US", state, "sales tax", rate, source=f"US-{state}", start=RECORD_START,
            shipping_taxable=shipping_taxable, duty_taxable=False, note=note,
        )  # fmt: skip
    for state in ("AK", "DE", "MT", "NH", "OR"):
        note = "No statewide sales tax." + (
            " Alaska boroughs levy local sales taxes (ARSSTC): not modelled." if state == "AK" else ""
        )
        yield tax(
            "US",
            state,
            "sales tax",
            "0",
            source="US-none",
            start=RECORD_START,
            shipping_taxable=False,
            duty_taxable=False,
            note=note,
        )


def _european_union() -> Iterator[Row]:
    for country in EU_COUNTRIES:
        yield from _tariff(country, "EU", source="EU-tariff", start=IOSS_START, basis="goods_and_shipping")
        yield duty(
            country, "", "0", source="EU-flat-duty", start=EU_FLAT_DUTY_START, effective_to=EU_FLAT_DUTY_END,
            fixed_amount=Decimal("3.00"), fixed_currency="EUR", fixed_per="subheading", scope="low_value_scheme",
            note="3 EUR per distinct tariff subheading (6-digit HS) in a parcel of at most 150 EUR, instead of the "
            "normal rates, until 2028-07-01 (then normal rates). Sources differ on whether it covers all B2C parcels "
            "or only those declared under IOSS: this row says IOSS; if that proves wrong, close it and add a row "
            "with scope 'all low-value B2C parcels'.",
        )  # fmt: skip
        yield tax(
            country, "", "VAT", EU_VAT[country], source="EU-VAT", start=IOSS_START,
            note="Standard rate, on the goods, shipping and duty.",
        )  # fmt: skip
        yield de_minimis(
            country, "tax", "150", "EUR", source="EU-IOSS", start=IOSS_START,
            collected_at_or_under="marketplace", collected_above="carrier",
            note="Import VAT on every consignment. Up to 150 EUR intrinsic value we, as deemed supplier, collect it "
            "at sale under IOSS; above, VAT is charged at import.",
        )  # fmt: skip
        yield de_minimis(
            country, "duty", "150", "EUR", source="EU-relief", start=IOSS_START, effective_to=EU_DUTY_RELIEF_END,
            collected_at_or_under="exempt", collected_above="carrier",
            note="No duty up to 150 EUR intrinsic value; above, duty at import.",
        )  # fmt: skip
        yield de_minimis(
            country, "duty", "150", "EUR", source="EU-flat-duty", start=EU_FLAT_DUTY_START,
            collected_at_or_under="marketplace", collected_above="carrier",
            note="The duty relief has ended: up to 150 EUR the flat duty row applies and we collect it at sale "
            "with the IOSS VAT; above, normal duty at import.",
        )  # fmt: skip


def _united_kingdom() -> Iterator[Row]:
    start = date(2021, 1, 1)
    yield from _tariff("GB", "GB", source="GB-tariff", start=start, basis="goods_and_shipping")
    yield tax(
        "GB", "", "VAT", "20", source="GB-VAT", start=start, note="Standard rate, on the goods, shipping and duty."
    )
    yield de_minimis(
        "GB", "tax", "135", "GBP", source="GB-VAT", start=start,
        collected_at_or_under="marketplace", collected_above="carrier",
        note="Up to 135 GBP the marketplace charges VAT at sale; above, VAT at the border. The relief is to be "
        "abolished by March 2029: add a row when the date is set.",
    )  # fmt: skip
    yield de_minimis(
        "GB", "duty", "135", "GBP", source="GB-VAT", start=start,
        collected_at_or_under="exempt", collected_above="carrier",
        note="No duty up to 135 GBP; above, duty at the border.",
    )  # fmt: skip


def _australia() -> Iterator[Row]:
    start = date(2018, 7, 1)
    yield from _tariff("AU", "AU", source="AU-tariff", start=start, basis="goods")
    yield tax("AU", "", "GST", "10", source="AU-GST", start=start, note="On the goods, shipping and duty.")
    yield de_minimis(
        "AU", "tax", "1000", "AUD", source="AU-GST", start=start,
        collected_at_or_under="marketplace", collected_above="carrier",
        note="Up to 1,000 AUD the marketplace collects GST at sale; above, GST and duty at the border.",
    )  # fmt: skip
    yield de_minimis(
        "AU", "duty", "1000", "AUD", source="AU-GST", start=start,
        collected_at_or_under="exempt", collected_above="carrier",
        note="No duty up to 1,000 AUD; above, at the border.",
    )  # fmt: skip


def _canada() -> Iterator[Row]:
    start = date(2020, 7, 1)
    yield from _tariff("CA", "CA", source="CA-tariff", start=start, basis="goods")
    for origin in ("US", "MX"):
        yield duty(
            "CA", "", "0", source="CA-tariff", start=start, origin_country=origin,
            note="CUSMA tariff treatment for goods originating in the US or Mexico (proof of origin needed).",
        )  # fmt: skip
    yield tax(
        "CA",
        "",
        "GST",
        "5",
        source="CA-GST",
        start=start,
        note="On the duty-paid value and shipping. Quebec: QST is not collected at the border.",
    )
    for province, rate in (("ON", "13"), ("NB", "15"), ("NL", "15"), ("PE", "15")):
        yield tax("CA", province, "HST", rate, source="CA-GST", start=start, note="HST includes the 5 % GST.")
    yield tax(
        "CA", "NS", "HST", "15", source="CA-GST", start=start, effective_to=date(2025, 3, 31),
        note="HST includes the 5 % GST; cut to 14 % from 2025-04-01 (next row).",
    )  # fmt: skip
    yield tax("CA", "NS", "HST", "14", source="CA-GST", start=date(2025, 4, 1), note="HST includes the 5 % GST.")
    courier = {
        "shipped_from": "MX,US",
        "channel": "courier",
        "collected_at_or_under": "exempt",
        "collected_above": "carrier",
    }
    yield de_minimis(
        "CA",
        "tax",
        "40",
        "CAD",
        source="CA-LVS",
        start=start,
        note="Courier from the US or Mexico: no tax up to 40 CAD.",
        **courier,
    )
    yield de_minimis(
        "CA",
        "duty",
        "150",
        "CAD",
        source="CA-LVS",
        start=start,
        note="Courier from the US or Mexico: no duty up to 150 CAD.",
        **courier,
    )
    other = {"collected_at_or_under": "exempt", "collected_above": "carrier"}
    note = "Mail, and parcels from other countries: nothing due up to 20 CAD."
    yield de_minimis("CA", "tax", "20", "CAD", source="CA-LVS", start=start, note=note, **other)
    yield de_minimis("CA", "duty", "20", "CAD", source="CA-LVS", start=start, note=note, **other)


def _japan() -> Iterator[Row]:
    yield from _tariff("JP", "JP", source="JP-tariff", start=RECORD_START, basis="goods_and_shipping")
    yield tax(
        "JP", "", "consumption tax", "10", source="JP-tax", start=RECORD_START,
        note="Standard rate (8 % for food: not modelled), on the goods, shipping and duty.",
    )  # fmt: skip
    for kind in ("duty", "tax"):
        yield de_minimis(
            "JP", kind, "10000", "JPY", source="JP-de-minimis", start=RECORD_START,
            collected_at_or_under="exempt", collected_above="carrier",
            note="Up to 10,000 JPY total customs value no duty and no consumption tax; above, at delivery.",
        )  # fmt: skip


def _exchange_rates() -> Iterator[Row]:
    currencies = ["USD", *USD_RATES]
    per_usd = {"USD": Decimal(1), **{code: Decimal(rate) for code, rate in USD_RATES.items()}}
    for i, base in enumerate(currencies):
        for quote in currencies[i + 1 :]:
            yield (
                "ExchangeRate",
                {
                    "base": base,
                    "quote": quote,
                    "rate": (per_usd[quote] / per_usd[base]).quantize(Decimal("0.00000001")),
                    "effective_from": TODAY,
                    "source": SOURCES["FX"],
                    "note": "Crossed from the USD figures. " + VERIFY if base != "USD" else VERIFY,
                },
            )


def rows() -> Iterator[Row]:
    """Every row of the 2026-12-03 tables, in loading order."""
    yield from _united_states()
    yield from _european_union()
    yield from _united_kingdom()
    yield from _australia()
    yield from _canada()
    yield from _japan()
    yield from _exchange_rates()


# What identifies a row (its unique constraint): loading twice adds nothing.
NATURAL_KEYS = {
    "DutyRate": ("country", "hs_prefix", "origin_country", "scope", "effective_from"),
    "TaxRate": ("country", "region", "effective_from"),
    "DeMinimis": ("country", "kind", "shipped_from", "channel", "effective_from"),
    "ExchangeRate": ("base", "quote", "effective_from"),
}
DEFAULTS = {"origin_country": "", "scope": "all", "shipped_from": "", "channel": ""}


def load_landed_cost_tables(apps: Any) -> int:
    """Add the rows that are missing (by natural key) through `apps` (a migration's app registry); returns how many."""
    added = 0
    for model_name, values in rows():
        model = apps.get_model("shop", model_name)
        key = {name: values.get(name, DEFAULTS.get(name)) for name in NATURAL_KEYS[model_name]}
        _, created = model.objects.get_or_create(**key, defaults=values)
        added += created
    return added
