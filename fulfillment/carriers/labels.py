"""4x6 inch shipping labels as PDF (reportlab, 288 x 432 pt) and ZPL (203 dpi, 812 x 1218 dots).

Each label shows the service, from and to addresses, a GS1-128 routing barcode with AI (420) and
the destination postal code, a Code 128 tracking barcode with the number printed under it, the
order reference, "parcel n of m", the weight and the date. A return label also carries a QR code
(segno) of its drop-off code, so a drop-off point can print the label for a shopper without a printer.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

import segno
from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfgen.canvas import Canvas

from .base import Address

PAGE_WIDTH_PT, PAGE_HEIGHT_PT = 288, 432  # 4 x 6 in
ZPL_DPI = 203
ZPL_WIDTH_DOTS, ZPL_HEIGHT_DOTS = 812, 1218
ROUTING_AI = "420"
FNC1 = "\xf1"  # reportlab's Code 128 FNC1 character


@dataclass(frozen=True)
class LabelData:
    carrier_name: str
    service_name: str
    from_address: Address
    to_address: Address
    tracking_number: str
    reference: str = ""
    parcel_index: int = 1  # 1-based
    parcel_count: int = 1
    weight_grams: int = 0
    ship_date: dt.date | None = None
    drop_off_code: str = ""  # a return: printed as a QR code


def routing_postal_code(postal_code: str) -> str:
    """Destination postal code as GS1 (420) data: upper case, letters and digits only, at most 20."""
    return re.sub(r"[^0-9A-Z]", "", postal_code.upper())[:20]


def routing_human_readable(postal_code: str) -> str:
    """The routing barcode's printed text, e.g. `(420) 94103`."""
    return f"({ROUTING_AI}) {routing_postal_code(postal_code)}"


def _weight_text(grams: int) -> str:
    return f"{grams / 1000:.2f} kg"


def _date_text(data: LabelData) -> str:
    return (data.ship_date or dt.date.today()).isoformat()


def _parcel_text(data: LabelData) -> str:
    return f"Parcel {data.parcel_index} of {data.parcel_count}"


# --- PDF -----------------------------------------------------------------------------------


def render_pdf(label_data: LabelData) -> bytes:
    """One 4x6 label as a one-page PDF."""
    return render_pdf_batch([label_data])


def render_pdf_batch(labels: Iterable[LabelData]) -> bytes:
    """Many labels as one PDF, one 4x6 page per label."""

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH_PT, PAGE_HEIGHT_PT), invariant=True)
    canvas.setTitle("Shipping labels")
    pages = 0
    for data in labels:
        _draw_label(canvas, data)
        canvas.showPage()
        pages += 1
    if not pages:
        raise ValueError("no labels to render")
    canvas.save()
    return buffer.getvalue()


def _fit_code128(value: str, *, max_width: float, bar_height: float):
    """A Code 128 barcode for the value, its bars narrowed until it fits max_width."""

    bar_width = 1.4
    while True:
        barcode = Code128(value, barWidth=bar_width, barHeight=bar_height, humanReadable=False, quiet=False)
        if barcode.width <= max_width or bar_width <= 0.5:
            return barcode
        bar_width -= 0.1


def _draw_label(canvas, data: LabelData) -> None:
    margin, width, top = 10, PAGE_WIDTH_PT, PAGE_HEIGHT_PT
    inner = width - 2 * margin

    # Service band.
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(margin, top - 26, data.service_name[:28])
    canvas.setFont("Helvetica", 8)
    canvas.drawRightString(width - margin, top - 14, data.carrier_name[:40])
    canvas.drawRightString(width - margin, top - 26, _date_text(data))
    canvas.line(margin, top - 34, width - margin, top - 34)

    # From.
    y = top - 46
    canvas.setFont("Helvetica", 7)
    canvas.drawString(margin, y, "FROM:")
    for line in data.from_address.lines():
        y -= 8
        canvas.drawString(margin + 28, y, line[:60])
    y -= 8
    canvas.line(margin, y, width - margin, y)

    # To.
    y -= 16
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(margin, y, "SHIP TO:")
    canvas.setFont("Helvetica-Bold", 12)
    for line in data.to_address.lines():
        y -= 14
        canvas.drawString(margin + 10, y, line[:36])
    y -= 10
    canvas.line(margin, y, width - margin, y)

    # Routing barcode, GS1-128: FNC1 + (420) + postal code.
    postal = routing_postal_code(data.to_address.postal_code)
    routing = _fit_code128(f"{FNC1}{ROUTING_AI}{postal}", max_width=inner, bar_height=50)
    y -= 58
    routing.drawOn(canvas, (width - routing.width) / 2, y)
    canvas.setFont("Helvetica", 9)
    y -= 11
    canvas.drawCentredString(width / 2, y, routing_human_readable(data.to_address.postal_code))
    y -= 8
    canvas.line(margin, y, width - margin, y)

    # Tracking barcode, Code 128, number printed under it.
    tracking = _fit_code128(data.tracking_number, max_width=inner, bar_height=60)
    y -= 68
    tracking.drawOn(canvas, (width - tracking.width) / 2, y)
    canvas.setFont("Helvetica-Bold", 11)
    y -= 13
    canvas.drawCentredString(width / 2, y, data.tracking_number)

    if data.drop_off_code:
        _draw_drop_off(canvas, data.drop_off_code, x=margin, y=44, size=66)

    # Footer: reference, parcel n of m, weight.
    canvas.line(margin, 40, width - margin, 40)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(margin, 27, f"Ref: {data.reference}"[:40])
    canvas.drawRightString(width - margin, 27, _parcel_text(data))
    canvas.drawString(margin, 14, f"Weight: {_weight_text(data.weight_grams)}")
    canvas.drawRightString(width - margin, 14, _date_text(data))


def _draw_drop_off(canvas, code: str, *, x: float, y: float, size: float) -> None:
    """The drop-off QR code as vector squares (sharp at any printer resolution), and what it is for."""
    matrix = segno.make_qr(code, error="m").matrix
    module = size / len(matrix)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(
                    x + col_index * module, y + size - (row_index + 1) * module, module, module, stroke=0, fill=1
                )
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(x + size + 10, y + size - 14, "RETURN")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(x + size + 10, y + size - 28, "No printer? Show this code")
    canvas.drawString(x + size + 10, y + size - 38, "at a drop-off point.")
    canvas.drawString(x + size + 10, y + size - 50, code[:40])


def drop_off_qr_svg(code: str, *, scale: int = 4) -> str:
    """The drop-off QR code as inline SVG for the return's page."""
    return segno.make_qr(code, error="m").svg_inline(scale=scale, border=2)


def drop_off_qr_png(code: str, *, scale: int = 6) -> bytes:
    """The drop-off QR code as PNG, attached to the return's email."""
    out = io.BytesIO()
    segno.make_qr(code, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


# --- ZPL -----------------------------------------------------------------------------------


def _zpl_text(text: str) -> str:
    """Field data safe inside ^FH^FD...^FS: ^, ~ and _ as _xx hex escapes."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in text)


def _code128_modules(data_chars: int) -> int:
    return (data_chars + 2) * 11 + 13 + 20  # symbols + start + check, stop, quiet zones


def _module_width(modules: int, *, max_dots: int = ZPL_WIDTH_DOTS - 60) -> int:
    return max(1, min(3, max_dots // modules))


def _zpl_code128_data(value: str) -> tuple[str, int]:
    """(^FD data with subset invocation, approximate symbol count) for a Code 128 value."""
    if value.isdigit() and len(value) % 2 == 0:
        return f">;{value}", len(value) // 2
    return f">:{_zpl_text(value)}", len(value)


def _zpl_gs1_routing(postal: str) -> tuple[str, int]:
    """GS1-128 data for (420) + postal code: start C + FNC1 when all digits, else start B + FNC1."""
    data = f"{ROUTING_AI}{postal}"
    if data.isdigit() and len(data) % 2 == 0:
        return f">;>8{data}", len(data) // 2 + 1
    return f">:>8{_zpl_text(data)}", len(data) + 1


def render_zpl(label_data: LabelData) -> str:
    """One 4x6 label as ZPL II at 203 dpi."""
    d = label_data
    out = ["^XA", "^CI28", f"^PW{ZPL_WIDTH_DOTS}", f"^LL{ZPL_HEIGHT_DOTS}", "^LH0,0"]

    def text(x: int, y: int, size: int, value: str) -> None:
        out.append(f"^FO{x},{y}^A0N,{size},{size}^FH^FD{_zpl_text(value)}^FS")

    def rule(y: int) -> None:
        out.append(f"^FO20,{y}^GB772,3,3^FS")

    text(30, 25, 48, d.service_name[:28])
    text(560, 25, 22, d.carrier_name[:20])
    text(560, 55, 22, _date_text(d))
    rule(90)

    y = 105
    text(30, y, 20, "FROM:")
    for line in d.from_address.lines():
        text(110, y, 20, line[:60])
        y += 24
    rule(y + 6)

    y += 24
    text(30, y, 26, "SHIP TO:")
    y += 34
    for line in d.to_address.lines():
        text(60, y, 38, line[:36])
        y += 42
    rule(y + 6)

    postal = routing_postal_code(d.to_address.postal_code)
    routing_data, routing_symbols = _zpl_gs1_routing(postal)
    y += 30
    out.append(f"^FO60,{y}^BY{_module_width(_code128_modules(routing_symbols))}^BCN,150,N,N,N^FD{routing_data}^FS")
    y += 160
    out.append(f"^FO0,{y}^FB{ZPL_WIDTH_DOTS},1,0,C^A0N,28,28^FH^FD{_zpl_text(routing_human_readable(postal))}^FS")
    y += 40
    rule(y)

    tracking_data, tracking_symbols = _zpl_code128_data(d.tracking_number)
    y += 30
    out.append(f"^FO40,{y}^BY{_module_width(_code128_modules(tracking_symbols))}^BCN,200,N,N,N^FD{tracking_data}^FS")
    y += 210
    out.append(f"^FO0,{y}^FB{ZPL_WIDTH_DOTS},1,0,C^A0N,36,36^FH^FD{_zpl_text(d.tracking_number)}^FS")

    if d.drop_off_code:
        # ^BQ: QR code, model 2, magnification 4, error correction M.
        out.append(f"^FO40,950^BQN,2,4^FH^FDMA,{_zpl_text(d.drop_off_code)}^FS")
        text(220, 965, 40, "RETURN")
        text(220, 1015, 24, "No printer? Show this code at a drop-off point.")
        text(220, 1050, 24, d.drop_off_code[:40])

    rule(1110)
    text(30, 1130, 28, f"Ref: {d.reference}"[:40])
    text(520, 1130, 28, _parcel_text(d))
    text(30, 1170, 28, f"Weight: {_weight_text(d.weight_grams)}")
    text(520, 1170, 28, _date_text(d))
    out.append("^XZ")
    return "\n".join(out)


def render_zpl_batch(labels: Iterable[LabelData]) -> str:
    """Many labels as one ZPL stream (one ^XA...^XZ block per label)."""
    return "\n".join(render_zpl(data) for data in labels)
