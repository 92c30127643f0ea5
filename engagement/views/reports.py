"""Engagement reports (PDF) made in the background: ask for one, see it being made, download it.
The rules (who sees which report, asking twice) are in `engagement.reports.stored`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from engagement.forms import MonthlyReportForm, ReportForm
from engagement.reports import monthly, stored
from participants import access

PER_PAGE = 25


def _ask(request, school=None):
    """Handle the ask form: a message and back to the list, or the form's errors."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        return form
    report, created = stored.ask(request.hub, form.cleaned_data["as_of"], request.viewer.person, school=school)
    if created:
        messages.success(request, f"Your {report.get_kind_display().lower()} is being made: it appears below when it is ready.")
    else:
        messages.info(request, "That report is already being made: it is the one below.")
    return None


def _list(request, reports, template, context, form):
    page = Paginator(reports.select_related("school", "requested_by"), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, "form": form or ReportForm(), **context})


@login_required
def hub_reports(request):
    """Every report of the hub (hub staff); a POST asks for the hub's report."""
    access.require_hub_staff(request.viewer)
    form = None
    if request.method == "POST":
        form = _ask(request)
        if form is None:
            return redirect("hub_reports")
    return _list(request, stored.visible_reports(request.viewer), "engagement/reports.html", {}, form)


@login_required
def school_reports(request, school_code):
    """A school's reports (hub staff, the school's induction tutors); a POST asks for the school's report."""
    school = access.get_school(request.viewer, school_code)
    form = None
    if request.method == "POST":
        form = _ask(request, school=school)
        if form is None:
            return redirect("school_reports", school.code)
    reports = stored.visible_reports(request.viewer).filter(school=school)
    monthly_form = MonthlyReportForm(initial={"monthly_email": monthly.wants_monthly(school)})
    return _list(request, reports, "engagement/reports.html", {"school": school, "monthly_form": monthly_form}, form)


@login_required
@require_POST
def school_monthly_report(request, school_code):
    """Turn the school's monthly report e-mail to its induction tutors on or off (hub staff, the school's tutors)."""
    school = access.get_school(request.viewer, school_code)
    form = MonthlyReportForm(request.POST)
    form.is_valid()  # a checkbox: always valid, unticked means off
    on = form.cleaned_data.get("monthly_email", False)
    monthly.set_monthly(school, on, request.viewer.person)
    if on:
        messages.success(request, "The school's report will be e-mailed to its induction tutors on the 1st of every month.")
    else:
        messages.success(request, "The school's report will no longer be e-mailed every month.")
    return redirect("school_reports", school.code)


@login_required
@vary_on_headers("HX-Request")
def report_status(request, report_code):
    """One report's row (polled by htmx while it is being made), or a page with it."""
    report = stored.get_report(request.viewer, report_code)
    if request.htmx:
        return render(request, "engagement/reports.html#row", {"report": report})
    return render(request, "engagement/report.html", {"report": report})


@login_required
def report_download(request, report_code):
    report = stored.get_report(request.viewer, report_code)
    if report.status != report.Status.READY or not report.file:
        raise Http404("Not found")
    try:
        handle = report.file.open("rb")
    except FileNotFoundError:
        raise Http404("Not found") from None
    return FileResponse(handle, as_attachment=True, filename=stored.download_name(report), content_type="application/pdf")
