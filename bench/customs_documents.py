"""Customs documents benchmark: CN22, CN23 and commercial invoice PDFs per second, against the shipping label's PDF.

Run on purpose, not as a test:  .venv/bin/python bench/customs_documents.py [--seconds 2] [--rounds 5]
In-process, no database: each round renders every kind in a loop for `--seconds` (kinds interleaved, so a
noisy neighbour slows them all alike), starting with the baseline, the 4x6 shipping label's PDF
(`fulfillment.carriers.labels.render_pdf`) of an international parcel. Reports documents/s per kind, the median
over rounds, and its ratio to the label measured in the same run (the ratio of the medians, and the median of
each round's ratio, steadier on a shared machine). The declarations are what a label to London
carries: 1 line (the common case) and 5 lines.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# bench/fulfillment.py shares the app's name: keep bench/ off the path so `import fulfillment` finds the app.
sys.path[:] = [str(BASE_DIR)] + [p for p in sys.path if Path(p or ".").resolve() != BASE_DIR / "bench"]


def setup_django() -> None:
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()


def kinds() -> dict[str, object]:
    """name -> a call that renders one document; the first is the baseline."""
    from fulfillment.carriers.base import Address
    from fulfillment.carriers.labels import LabelData, render_pdf
    from fulfillment.customs import Declaration, DeclarationLine, DocumentKind, Party
    from fulfillment.documents.customs import render

    label = LabelData(
        carrier_name="Intl Post", service_name="Intl Tracked Packet",
        from_address=Address("Glow Theory", "1 Dock Road", "Newark", "07102", "US", state="NJ"),
        to_address=Address("John Smith", "1 High St", "London", "SW1A 1AA", "GB"),
        tracking_number="LX123456785US", reference="MK-7K3Q-9XPM", weight_grams=800, ship_date=dt.date(2026, 12, 3),
    )  # fmt: skip
    exporter = Party(
        name="Glow Theory Ltd", line1="1 Dock Road", city="Newark", postal_code="07102", region="NJ", country="US",
        eori="US123456789000", vat_number="GB123456789", ioss_number="IM3720000001",
    )  # fmt: skip
    importer = Party(name="John Smith", line1="1 High St", city="London", postal_code="SW1A 1AA", country="GB")

    def declaration(lines: int, *, postal: bool) -> Declaration:
        return Declaration(
            shipment_reference="MK-7K3Q-9XPM", tracking_number="LX123456785US", invoice_number="MK-7K3Q-9XPM",
            invoice_date=dt.date(2026, 12, 3), currency="USD", exporter=exporter, importer=importer,
            lines=tuple(
                DeclarationLine(f"Cotton t-shirt, size {n}", 1 + n % 2, Decimal("19.99"), 180, "610910", "PT")
                for n in range(lines)
            ),
            incoterm="DDP", gross_weight_grams=800, value_in_sdr=Decimal("30"), postal=postal,
        )  # fmt: skip

    one, five = declaration(1, postal=True), declaration(5, postal=True)
    one_express, five_express = declaration(1, postal=False), declaration(5, postal=False)
    return {
        "baseline: shipping label PDF, 4x6 (render_pdf)": lambda: render_pdf(label),
        "CN22, 4x6, 1 line": lambda: render(one, DocumentKind.CN22),
        "CN22, 4x6, 5 lines": lambda: render(five, DocumentKind.CN22),
        "CN23, A4, 1 line": lambda: render(one, DocumentKind.CN23),
        "CN23, A4, 5 lines": lambda: render(five, DocumentKind.CN23),
        "commercial invoice, A4, 1 line": lambda: render(one_express, DocumentKind.COMMERCIAL_INVOICE),
        "commercial invoice, A4, 5 lines": lambda: render(five_express, DocumentKind.COMMERCIAL_INVOICE),
    }


def one_round(renderers: dict, seconds: float) -> dict[str, float]:
    """Documents/s of each kind, each rendered in a loop for `seconds`."""
    rates = {}
    for name, render in renderers.items():
        render()  # warm: imports and font loading
        calls, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            render()
            calls += 1
        rates[name] = calls / elapsed
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per kind per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (medians are reported)")
    args = parser.parse_args()
    setup_django()
    renderers = kinds()
    rounds = []
    for index in range(args.rounds):
        rounds.append(one_round(renderers, args.seconds))
        print(f"round {index + 1}: " + ", ".join(f"{rate:.0f}" for rate in rounds[-1].values()), flush=True)
    baseline_name = next(iter(renderers))
    baseline = statistics.median(r[baseline_name] for r in rounds)
    print(
        f"\n`.venv/bin/python bench/customs_documents.py --seconds {args.seconds:g} --rounds {args.rounds}` "
        f"(in-process, medians of {args.rounds} rounds)\n"
    )
    print("| document | PDFs/s | ms each | ratio to the label (of medians) | ratio to the label (median per round) |")
    print("|---|---:|---:|---:|---:|")
    for name in renderers:
        rate = statistics.median(r[name] for r in rounds)
        per_round = statistics.median(r[name] / r[baseline_name] for r in rounds)
        print(f"| {name} | {rate:,.0f} | {1000 / rate:.1f} | {rate / baseline:.0%} | {per_round:.0%} |")


if __name__ == "__main__":
    main()
