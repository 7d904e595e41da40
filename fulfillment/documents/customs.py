"""Customs documents as PDF: the CN22 (4 x 6 in, beside the label), the CN23 and the commercial invoice (A4).

Each line shows description, quantity, net weight, value, HS code and origin; the header shows the
category ("sale of goods"), the incoterm (DDP or DAP) and the sender's IOSS / VAT number where one
applies. Rendered from a `fulfillment.customs.Declaration`, nothing else.
"""

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fulfillment.carriers.labels import PAGE_HEIGHT_PT, PAGE_WIDTH_PT
from fulfillment.customs import Declaration, DocumentKind


def _grams(grams: int) -> str:
    return f"{grams / 1000:.3f} kg"


def _money(declaration: Declaration, amount) -> str:
    return f"{amount:.2f} {declaration.currency}"


def render_cn22(declaration: Declaration) -> bytes:
    """The CN22 customs declaration on a 4 x 6 in page (printed beside the label)."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_WIDTH_PT, PAGE_HEIGHT_PT))
    canvas.setTitle(f"CN22 {declaration.tracking_number}")
    margin, width, y = 10, PAGE_WIDTH_PT, PAGE_HEIGHT_PT - 24
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(margin, y, "CUSTOMS DECLARATION CN22")
    canvas.setFont("Helvetica", 7)
    canvas.drawRightString(width - margin, y + 10, "May be opened officially")
    y -= 14
    canvas.drawString(margin, y, f"Category: [X] {declaration.category}    Incoterm: {declaration.incoterm}")
    y -= 10
    canvas.drawString(margin, y, f"Tracking: {declaration.tracking_number}    Ref: {declaration.shipment_reference}")
    if declaration.tax_id_on_parcel:
        y -= 10
        canvas.drawString(margin, y, f"IOSS / VAT no.: {declaration.tax_id_on_parcel}")
    y -= 8
    canvas.line(margin, y, width - margin, y)
    y -= 11
    canvas.setFont("Helvetica-Bold", 6.5)
    for x, title in ((margin, "Description"), (120, "Qty"), (140, "Net wt"), (180, "Value"), (222, "HS / origin")):
        canvas.drawString(x, y, title)
    canvas.setFont("Helvetica", 6.5)
    for line in declaration.lines[:12]:
        y -= 10
        canvas.drawString(margin, y, line.description[:30])
        canvas.drawString(120, y, str(line.quantity))
        canvas.drawString(140, y, _grams(line.net_weight_grams * line.quantity))
        canvas.drawString(180, y, f"{line.value:.2f}")
        canvas.drawString(222, y, f"{line.hs_code} {line.origin_country}")
    if len(declaration.lines) > 12:
        y -= 10
        canvas.drawString(margin, y, f"... and {len(declaration.lines) - 12} more lines (see the electronic record)")
    y -= 8
    canvas.line(margin, y, width - margin, y)
    y -= 11
    canvas.setFont("Helvetica-Bold", 7)
    canvas.drawString(margin, y, f"Total gross weight: {_grams(declaration.gross_weight_grams)}")
    canvas.drawRightString(width - margin, y, f"Total value: {_money(declaration, declaration.total_value)}")
    y -= 16
    canvas.setFont("Helvetica", 6)
    text = canvas.beginText(margin, y)
    text.textLines(
        "I certify that the particulars given in this declaration are correct and\n"
        "that this item does not contain any dangerous article prohibited by postal regulations."
    )
    canvas.drawText(text)
    y -= 26
    canvas.drawString(margin, y, f"Sender: {', '.join(declaration.exporter.lines()[:3])}"[:90])
    y -= 9
    canvas.drawString(
        margin, y, f"Date and signature: {declaration.invoice_date:%Y-%m-%d}  {declaration.exporter.name}"[:90]
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _a4(declaration: Declaration, *, title: str, extra_rows: list[list[str]]) -> bytes:
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, title=title)
    parties = Table(
        [
            [Paragraph("<b>Exporter</b>", small), Paragraph("<b>Importer</b>", small)],
            [
                Paragraph("<br/>".join(declaration.exporter.lines()), small),
                Paragraph("<br/>".join(declaration.importer.lines()), small),
            ],
            [
                Paragraph(
                    f"EORI: {declaration.exporter.eori or '-'}<br/>VAT: {declaration.exporter.vat_number or '-'}"
                    f"<br/>IOSS: {declaration.exporter.ioss_number or '-'}",
                    small,
                ),
                Paragraph(f"Tax id: {declaration.importer.vat_number or '-'}", small),
            ],
        ],
        colWidths=[90 * mm, 90 * mm],
    )
    parties.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    facts = Table(
        [
            ["Invoice number", declaration.invoice_number, "Invoice date", f"{declaration.invoice_date:%Y-%m-%d}"],
            ["Tracking number", declaration.tracking_number, "Incoterm", declaration.incoterm],
            ["Reason for export", declaration.category, "Currency", declaration.currency],
            *extra_rows,
        ],
        colWidths=[35 * mm, 55 * mm, 35 * mm, 55 * mm],
    )
    facts.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("FONTSIZE", (0, 0), (-1, -1), 8)]))
    rows = [["Description", "Qty", "Unit value", "Value", "Net weight", "HS code", "Origin"]]
    rows += [
        [
            Paragraph(line.description, small),
            str(line.quantity),
            f"{line.unit_value:.2f}",
            f"{line.value:.2f}",
            _grams(line.net_weight_grams * line.quantity),
            line.hs_code,
            line.origin_country,
        ]
        for line in declaration.lines
    ]
    rows.append(
        [
            "Total",
            str(sum(line.quantity for line in declaration.lines)),
            "",
            _money(declaration, declaration.total_value),
            _grams(declaration.net_weight_grams),
            "",
            "",
        ]
    )
    goods = Table(rows, colWidths=[60 * mm, 12 * mm, 22 * mm, 28 * mm, 22 * mm, 22 * mm, 14 * mm], repeatRows=1)
    goods.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ]
        )
    )
    story = [
        Paragraph(title, styles["Title"]),
        parties,
        Spacer(1, 4 * mm),
        facts,
        Spacer(1, 4 * mm),
        goods,
        Spacer(1, 6 * mm),
        Paragraph(
            "I declare that the information in this document is true and correct and that the goods "
            f"originate as stated. {declaration.exporter.name}, {declaration.invoice_date:%Y-%m-%d}.",
            small,
        ),
    ]
    doc.build(story)
    return out.getvalue()


def render_cn23(declaration: Declaration) -> bytes:
    return _a4(
        declaration,
        title="CUSTOMS DECLARATION CN23",
        extra_rows=[
            [
                "Postal charges",
                _money(declaration, declaration.shipping_cost),
                "Gross weight",
                _grams(declaration.gross_weight_grams),
            ],
            ["Category", f"[X] {declaration.category}", "IOSS / VAT", declaration.tax_id_on_parcel or "-"],
        ],
    )


def render_commercial_invoice(declaration: Declaration) -> bytes:
    return _a4(
        declaration,
        title="COMMERCIAL INVOICE",
        extra_rows=[
            [
                "Freight",
                _money(declaration, declaration.shipping_cost),
                "Gross weight",
                _grams(declaration.gross_weight_grams),
            ],
            ["Terms of sale", declaration.incoterm, "IOSS / VAT", declaration.tax_id_on_parcel or "-"],
        ],
    )


RENDERERS = {
    DocumentKind.CN22: render_cn22,
    DocumentKind.CN23: render_cn23,
    DocumentKind.COMMERCIAL_INVOICE: render_commercial_invoice,
}


def render(declaration: Declaration, kind: str) -> bytes:
    return RENDERERS[kind](declaration)
