"""The printable pick list (A4 PDF): lines per bin and SKU in walking order, then a packing section per order."""

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fulfillment.models import PickList
from fulfillment.selectors import PickItem, pick_list_items

NO_BIN = "(no bin)"


@dataclass(frozen=True)
class PickRow:
    """What to take from one bin: a SKU, how many in all, and which orders take how many."""

    bin_location: str
    sku: str
    product_title: str
    variant_label: str
    quantity: int
    orders: tuple[tuple[str, int], ...]


def pick_rows(items: Iterable[PickItem]) -> list[PickRow]:
    """Aggregate per (bin, SKU), sorted by bin then SKU; items with no bin come last (ask a supervisor)."""
    grouped: dict[tuple[str, str], list[PickItem]] = defaultdict(list)
    for item in items:
        grouped[(item.bin_location, item.sku)].append(item)
    rows = []
    for (bin_location, sku), group in sorted(grouped.items(), key=lambda kv: (kv[0][0] == "", kv[0][0], kv[0][1])):
        per_order: dict[str, int] = defaultdict(int)
        for item in group:
            per_order[item.order_number] += item.quantity
        rows.append(
            PickRow(
                bin_location=bin_location,
                sku=sku,
                product_title=group[0].product_title,
                variant_label=group[0].variant_label,
                quantity=sum(per_order.values()),
                orders=tuple(sorted(per_order.items())),
            )
        )
    return rows


def render_pick_list(*, title: str, subtitle: str, items: list[PickItem]) -> bytes:
    """The PDF bytes: the pick table (with a total), then one packing block per order."""

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    rows = pick_rows(items)
    total = sum(row.quantity for row in rows)
    data = [["Bin", "SKU", "Product / variant", "Qty", "Orders"]]
    for row in rows:
        product = row.product_title + (f" - {row.variant_label}" if row.variant_label else "")
        orders = "<br/>".join(f"{number} x{units}" for number, units in row.orders)  # one order a line
        data.append(
            [
                row.bin_location or NO_BIN,
                row.sku,
                Paragraph(_escape(product), small),
                str(row.quantity),
                Paragraph(orders, small),
            ]
        )
    data.append(["", "", "Total units", str(total), ""])
    table = Table(data, colWidths=[22 * mm, 30 * mm, 60 * mm, 12 * mm, 56 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (3, 0), (3, -1), "RIGHT"),
            ]
        )
    )
    story = [
        Paragraph(_escape(title), styles["Title"]),
        Paragraph(_escape(subtitle), styles["BodyText"]),
        Spacer(1, 4 * mm),
        table,
    ]
    story += [Spacer(1, 8 * mm), Paragraph("Packing", styles["Heading2"])]
    by_order: dict[str, list[PickItem]] = defaultdict(list)
    for item in items:
        by_order[item.order_number].append(item)
    for number, its_items in by_order.items():
        lines = [["SKU", "Product / variant", "Qty", "Bin"]] + [
            [
                item.sku,
                Paragraph(
                    _escape(item.product_title + (f" - {item.variant_label}" if item.variant_label else "")), small
                ),
                str(item.quantity),
                item.bin_location or NO_BIN,
            ]
            for item in its_items
        ]
        block = Table(lines, colWidths=[30 * mm, 100 * mm, 12 * mm, 30 * mm])
        block.setStyle(
            TableStyle([("FONT", (0, 0), (-1, 0), "Helvetica-Bold"), ("LINEBELOW", (0, 0), (-1, 0), 0.25, colors.grey)])
        )
        units = sum(item.quantity for item in its_items)
        heading = f"Order {number}: {units} unit(s), ship to {its_items[0].ship_to}"
        story.append(KeepTogether([Paragraph(_escape(heading), styles["Heading4"]), block, Spacer(1, 4 * mm)]))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=12 * mm, rightMargin=12 * mm)
    document.build(story)
    return buffer.getvalue()


def pick_list_pdf(*, pick_list_id: int) -> bytes:
    """The pick list's PDF, from the database (two queries)."""

    pick_list = PickList.objects.select_related("warehouse").get(pk=pick_list_id)
    items = pick_list_items(pick_list_id=pick_list_id)
    orders = len({item.order_number for item in items})
    return render_pick_list(
        title=f"Pick list {pick_list.pk} - {pick_list.warehouse.code}",
        subtitle=f"{pick_list.warehouse.name} · created {pick_list.created_at:%Y-%m-%d %H:%M} UTC · {orders} order(s)",
        items=items,
    )


def _escape(text: str) -> str:
    """Paragraph text is mini-HTML: product names with & or < must not break it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
