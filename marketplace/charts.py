"""A small server-rendered SVG line chart (no JavaScript, no inline styles: presentation attributes only).

Accessible: the SVG has role="img", a <title> and a <desc>; the page shows the same numbers in a
table next to it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 600, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    color: str  # a presentation attribute, allowed under the CSP (an inline style would not be)


def _points(values: Sequence[float], top: float) -> str:
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = inner_w / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD_LEFT + i * step:.1f},{PAD_TOP + inner_h - (value / top if top else 0) * inner_h:.1f}"
        for i, value in enumerate(values)
    )


def line_chart(*, title: str, description: str, labels: Sequence[str], series: Sequence[Series]) -> SafeString:
    """An SVG of one line per series, each scaled to its own maximum (the table holds the exact numbers)."""
    parts = [
        format_html(
            '<svg class="earnings-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="chart-title chart-desc" '
            'xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            HEIGHT,
        ),
        format_html('<title id="chart-title">{}</title><desc id="chart-desc">{}</desc>', title, description),
        format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-opacity="0.3"/>',
            PAD_LEFT,
            HEIGHT - PAD_BOTTOM,
            WIDTH - PAD_RIGHT,
            HEIGHT - PAD_BOTTOM,
        ),
    ]
    if labels:
        for index in (0, len(labels) - 1):
            x = PAD_LEFT + index * (WIDTH - PAD_LEFT - PAD_RIGHT) / max(len(labels) - 1, 1)
            anchor = "start" if index == 0 else "end"
            parts.append(
                format_html(
                    '<text x="{}" y="{}" font-size="11" text-anchor="{}" fill="currentColor">{}</text>',
                    f"{x:.1f}",
                    HEIGHT - 8,
                    anchor,
                    labels[index],
                )
            )
    for index, item in enumerate(series):
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" font-size="11" fill="currentColor">{}</text>',
                PAD_LEFT + 8 + index * 130,
                PAD_TOP,
                item.color,
                PAD_LEFT + 22 + index * 130,
                PAD_TOP + 9,
                item.name,
            )
        )
        top = max(item.values, default=0)
        parts.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{} (max {})</title></polyline>',
                item.color,
                _points(item.values, top),
                item.name,
                top,
            )
        )
    parts.append(mark_safe("</svg>"))
    # Every piece was escaped by format_html.
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308


__all__ = ["Series", "line_chart"]
