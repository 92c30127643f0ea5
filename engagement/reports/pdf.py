"""The engagement reports as PDF: WeasyPrint renders `templates/reports/school.html` and `hub.html`
from `engagement.reports.data` with the print style sheet `static/css/report.css` (A4, page
numbers, the hub's name and contact on every page, table headers repeated on each page) and the
shipped DejaVu Sans, so a report looks the same on every machine.

Accessible where WeasyPrint allows: a tagged PDF (headings, real tables with header cells) with its
title and language (en-GB), all text as text (the charts are SVG). Nothing is fetched but the
style sheet and fonts under `static/`. Call inside the hub's scope.
"""

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from engagement.reports import data

STATIC = Path(settings.BASE_DIR) / "static"


def _fetcher():
    """WeasyPrint's URL fetcher, limited to the files under `static/`; a file missing stops the rendering."""
    from weasyprint.urls import URLFetcher

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(STATIC.as_uri() + "/"):
                raise ValueError(f"reports fetch nothing outside static/: {url}")
            return super().fetch(url, headers)

    return StaticOnly(allowed_protocols=("file",), fail_on_errors=True)


def render(template, report):
    """The PDF (bytes) of a report template with its `data` dict."""
    from weasyprint import HTML  # a second to import: only where reports are made

    html = render_to_string(template, {"report": report})
    document = HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=_fetcher())
    return document.write_pdf(pdf_tags=True, custom_metadata=True)


def render_school_report(hub, school, as_of) -> bytes:
    """The school's engagement report as of `as_of`, as PDF."""
    return render("reports/school.html", data.school_report(hub, school, as_of))


def render_hub_report(hub, as_of) -> bytes:
    """The hub's engagement report (every school) as of `as_of`, as PDF."""
    return render("reports/hub.html", data.hub_report(hub, as_of))
