"""The geometry of the small SVG charts (no JavaScript; they print and go into PDFs as they are):
numbers and labels only, drawn by `templates/engagement/_trend_chart.svg` (the weekly trend and
its legend) and by the schools' rows (`_school_rows.html`, the sparklines), for the pages and the
PDF reports alike.

Each series has its own stroke pattern as well as colour, so colour is never the only cue.
"""

from engagement.models import DECLARATION_THRESHOLD

SERIES_STYLES = [
    {"colour": "#1d70b8", "dash": "", "marker": "circle"},
    {"colour": "#6f3b00", "dash": "6 4", "marker": "square"},
]
MARKER_HALF = 3.5  # a marker's radius, or half a square's side


def _marker(kind, x, y):
    """Where a marker is drawn: its centre for a circle, its corner for a square (as strings)."""
    if kind == "square":
        return f"{x - MARKER_HALF:.1f}", f"{y - MARKER_HALF:.1f}"
    return f"{x:.1f}", f"{y:.1f}"


def line_chart(title, labels, series, width=640, height=220):
    """A percent (0–100) line chart, for `_trend_chart.svg`. `series` is [(name, [value or None per label]), …].

    Gives the box, the grid lines (25 points apart, the `DECLARATION_THRESHOLD` one marked), the week
    labels (at most about eight; every other one counted back from the latest is "minor", hidden on a
    phone) and each series' line, markers and style, all as strings ready to write.
    """
    # Room for "100%" on the left and half of the last week's label on the right (centred on its point), also
    # in the larger text a phone is given (app.css).
    left, right, top, bottom = 60, 32, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def x(i):
        return left + i * step

    def y(value):
        return top + plot_h * (1 - value / 100)

    grid = [
        {"y": f"{y(pct):.1f}", "text_y": f"{y(pct) + 4:.1f}", "percent": pct, "threshold": pct == DECLARATION_THRESHOLD}
        for pct in (0, 25, 50, 75, 100)
    ]
    every = max(1, len(labels) // 8)
    last = len(labels) - 1
    weeks = [
        {"x": f"{x(i):.1f}", "label": label, "minor": bool((last - i) % (2 * every))}
        for i, label in enumerate(labels)
        if i % every == 0 or i == last
    ]
    lines = []
    for (name, values), style in zip(series, SERIES_STYLES):
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        lines.append({
            **style,
            "name": name,
            "points": " ".join(f"{px:.1f},{py:.1f}" for px, py in points) if len(points) > 1 else "",
            "markers": [_marker(style["marker"], px, py) for px, py in points],
            "legend_marker": _marker(style["marker"], 14, 6),
        })
    return {
        "title": title, "width": width, "height": height, "left": left, "right": width - right, "label_x": left - 6,
        "label_y": height - 14, "grid": grid, "weeks": weeks, "series": lines,
    }


SPARKLINE_WIDTH, SPARKLINE_HEIGHT = 96, 24  # as `_school_rows.html` draws them


def sparkline_points(values, width=SPARKLINE_WIDTH, height=SPARKLINE_HEIGHT):
    """The points of a tiny percent trend's line, or None with fewer than two values (numbers only:
    they can be cached)."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return None
    step = (width - 4) / max(len(values) - 1, 1)
    return " ".join(f"{2 + i * step:.1f},{2 + (height - 4) * (1 - v / 100):.1f}" for i, v in points)
