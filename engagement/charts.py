"""Small server-rendered SVG charts (no JavaScript; they print and go into PDFs as they are).

Each series has its own stroke pattern as well as colour, so colour is never the only cue.
"""

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from engagement.models import DECLARATION_THRESHOLD

SERIES_STYLES = [
    {"colour": "#1d70b8", "dash": "", "marker": "circle"},
    {"colour": "#6f3b00", "dash": "6 4", "marker": "square"},
]


def _marker(kind, x, y, colour):
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def line_chart(title, labels, series, width=640, height=220):
    """A percent (0–100) line chart. `series` is [(name, [value or None per label]), …]."""
    # Room for "100%" on the left and half of the last week's label on the right (centred on its point), also
    # in the larger text a phone is given (app.css).
    left, right, top, bottom = 60, 32, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def x(i):
        return left + i * step

    def y(value):
        return top + plot_h * (1 - value / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title" class="chart" preserveAspectRatio="xMidYMid meet">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for pct in (0, 25, 50, 75, 100):
        # the threshold the DfE's declarations need evidence of is marked
        stroke = '"#6b7785" stroke-dasharray="2 3"' if pct == DECLARATION_THRESHOLD else '"#d9dde1"'
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(pct):.1f}" y2="{y(pct):.1f}" stroke={stroke} stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(pct) + 4:.1f}" font-size="11" text-anchor="end" fill="#33404d">{pct}%</text>'
        )
    every = max(1, len(labels) // 8)
    last = len(labels) - 1
    for i, label in enumerate(labels):
        if i % every == 0 or i == last:
            # Every other label counted back from the latest is "minor": a phone's larger text hides those.
            minor = ' class="minor"' if (last - i) % (2 * every) else ""
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - 14}" font-size="11" text-anchor="middle" fill="#33404d"{minor}>{escape(label)}</text>'
            )
    for (name, values), style in zip(series, SERIES_STYLES):
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
            parts.append(f'<polyline points="{path}" fill="none" stroke="{style["colour"]}" stroke-width="2.5"{dash}/>')
        parts += [_marker(style["marker"], px, py, style["colour"]) for px, py in points]
    parts.append("</svg>")
    return mark_safe("".join(parts))


def legend(series_names):
    items = []
    for name, style in zip(series_names, SERIES_STYLES):
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        swatch = (
            f'<svg width="28" height="12" aria-hidden="true"><line x1="0" x2="28" y1="6" y2="6" stroke="{style["colour"]}" '
            f'stroke-width="2.5"{dash}/>{_marker(style["marker"], 14, 6, style["colour"])}</svg>'
        )
        items.append(format_html('<li>{} {}</li>', mark_safe(swatch), name))
    return format_html('<ul class="chart-legend">{}</ul>', mark_safe("".join(items)))


NOT_ENOUGH_WEEKS = mark_safe('<span class="muted">Not enough weeks yet</span>')


SPARKLINE_WIDTH, SPARKLINE_HEIGHT = 96, 24


def sparkline_points(values, width=SPARKLINE_WIDTH, height=SPARKLINE_HEIGHT):
    """The points of a tiny percent trend's line, or None with fewer than two values (numbers only:
    they can be cached)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return None
    step = (width - 4) / max(len(values) - 1, 1)
    return " ".join(f"{2 + i * step:.1f},{2 + (height - 4) * (1 - v / 100):.1f}" for i, v in points)


def sparkline_svg(points, label, width=SPARKLINE_WIDTH, height=SPARKLINE_HEIGHT):
    """A tiny percent trend for a table cell from its `sparkline_points`; `label` describes it for screen readers."""
    if points is None:
        return NOT_ENOUGH_WEEKS
    return mark_safe(
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" class="sparkline">'
        f'<polyline points="{points}" fill="none" stroke="#1d70b8" stroke-width="2"/></svg>'
    )
