"""A master shipment's manifest: one row per parcel, as CSV (for the airline and the broker) and as an A4 PDF."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

CSV_HEADER = ("tracking_number", "weight_grams", "declared_value", "currency", "hs_codes", "consignee_country")


@dataclass(frozen=True)
class ManifestRow:
    tracking_number: str
    weight_grams: int
    declared_value: Decimal
    currency: str
    hs_codes: str  # space-separated, as declared on the parcel's customs document
    consignee_country: str


@dataclass(frozen=True)
class ManifestHeader:
    awb: str
    lane: str
    origin: str  # the hub and its airport
    destination: str  # the import gateway
    airline: str
    cutoff: str  # the departure's cut-off, as text


def manifest_csv(rows: Sequence[ManifestRow]) -> str:
    """The manifest as CSV text: a header line, then one line per parcel in the given order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                row.tracking_number,
                row.weight_grams,
                f"{row.declared_value:.2f}",
                row.currency,
                row.hs_codes,
                row.consignee_country,
            )
        )
    return out.getvalue()


def manifest_pdf(header: ManifestHeader, rows: Sequence[ManifestRow]) -> bytes:
    """The manifest as an A4 landscape PDF: the master's particulars, the parcel table, the totals."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Manifest {header.awb}",
    )
    styles = getSampleStyleSheet()
    total_weight = sum(row.weight_grams for row in rows)
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row.currency] = totals.get(row.currency, Decimal("0")) + row.declared_value
    value_text = ", ".join(f"{amount:.2f} {currency}" for currency, amount in sorted(totals.items())) or "0.00"
    story = [
        Paragraph(f"Master air waybill {header.awb}", styles["Title"]),
        Paragraph(
            f"Lane {header.lane} · {header.airline} · from {header.origin} to {header.destination} · "
            f"cut-off {header.cutoff}",
            styles["Normal"],
        ),
        Paragraph(
            f"{len(rows)} parcels · {total_weight / 1000:.3f} kg · declared value {value_text}", styles["Normal"]
        ),
        Spacer(1, 5 * mm),
    ]
    table = [["#", "Tracking number", "Weight (g)", "Declared value", "HS codes", "Consignee country"]]
    for i, row in enumerate(rows, start=1):
        table.append(
            [
                str(i),
                row.tracking_number,
                str(row.weight_grams),
                f"{row.declared_value:.2f} {row.currency}",
                row.hs_codes,
                row.consignee_country,
            ]
        )
    grid = Table(table, repeatRows=1, colWidths=[12 * mm, 55 * mm, 28 * mm, 40 * mm, 80 * mm, 35 * mm])
    grid.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ]
        )
    )
    story.append(grid)
    doc.build(story)
    return buffer.getvalue()
