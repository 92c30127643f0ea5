"""The Lead dashboard (a school's engagement, for its induction tutors and hub staff), the hub
dashboard (every school, for hub staff), people's period-by-period history and CSV downloads."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from engagement import compute, dashboards, export, refresh
from engagement.forms import ReportForm
from engagement.models import DECLARATION_THRESHOLD, Engagement
from engagement.reports import evidence
from participants import access, breadcrumbs
from participants.models import ECT


def _table_params(request):
    return {
        "strand": request.GET.get("strand", ""),
        "status": request.GET.get("status", ""),
        "q": request.GET.get("q", "").strip(),
        "sort": request.GET.get("sort", "status"),
        "descending": request.GET.get("dir") == "desc",
    }


def _sort_links(request, keys, sort, descending):
    """Each sortable column's link: by that column (the other way round when it is the order shown), from page 1,
    and for the order shown its direction as the rows run ("descending" for a column that sorts highest first)."""
    links = {}
    for key in keys:
        params = request.GET.copy()
        params["sort"] = key
        if sort == key and not descending:
            params["dir"] = "desc"
        else:
            params.pop("dir", None)
        params.pop("page", None)
        runs_down = (key in dashboards.HIGHEST_FIRST) != descending
        links[key] = {"href": f"?{params.urlencode()}", "current": sort == key, "direction": "descending" if runs_down else "ascending"}
    return links


@login_required
@vary_on_headers("HX-Request")
def lead_dashboard(request, school_code):
    school = access.get_school(request.viewer, school_code)
    params = _table_params(request)
    rows, counts = dashboards.people(school, **params)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    sort_links = _sort_links(request, dashboards.SORTS, params["sort"], params["descending"])
    events = dashboards.people_attendance(request.hub, timezone.localdate(), school)
    context = {
        "school": school, "page": page, "rows": dashboards.person_rows(page.object_list, events), "sort_links": sort_links,
        "threshold": dashboards.DECLARATION_THRESHOLD, "no_mentor_label": dashboards.NO_MENTOR_LABEL, **params,
    }
    if request.htmx:
        return render(request, "engagement/lead_dashboard.html#table", context)
    today = timezone.localdate()
    state = dashboards.school_state(request.hub, today)
    summary = dashboards.summary(counts, dashboards.school_trend(school, state.computed_at, today))
    context.update(
        headlines=summary.headlines,
        chart=dashboards.trend_chart(summary.week_labels, summary.series),
        calendar=state.calendar,
        computed=state.computed_at,
        has_people=dashboards.has_people(school, summary.headlines),
        today=today,
        report_form=ReportForm(),
    )
    return render(request, "engagement/lead_dashboard.html", context)


@login_required
@require_POST
def recalculate(request, school_code):
    """Queue a recompute of the school's people (tutors of the school and hub staff); answers at once."""
    school = access.get_school(request.viewer, school_code)
    if refresh.recalculate_school(school):
        messages.success(request, "Recalculating: the figures will be updated within a minute.")
    else:
        messages.info(request, "A recalculation is already under way: the figures will be updated within a minute.")
    return redirect("lead_dashboard", school.code)


def _csv(rows, filename):
    buffer = io.StringIO()
    export.write_csv(rows, buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def lead_dashboard_csv(request, school_code):
    school = access.get_school(request.viewer, school_code)
    rows = export.rows_stored(Engagement.objects.filter(school=school))
    return _csv(rows, f"engagement-{school.urn}-{timezone.localdate()}.csv")


@login_required
@vary_on_headers("HX-Request")
def hub_dashboard(request):
    access.require_hub_staff(request.viewer)
    q, concern = request.GET.get("q", "").strip(), request.GET.get("concern", "")
    sort, descending = request.GET.get("sort", "name"), request.GET.get("dir") == "desc"
    today, state = timezone.localdate(), dashboards.hub_state(request.hub)
    figures = dashboards.hub_figures(request.hub, state, today)
    rows = dashboards.schools(access.visible_schools(request.viewer), figures, q=q, concern=concern, sort=sort, descending=descending)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    events, never_signed_in = dashboards.schools_live_counts(request.hub, today, [school_id for school_id, *_ in page.object_list])
    context = {
        "page": page, "rows": dashboards.school_rows(page.object_list, figures, events, never_signed_in), "q": q, "concern": concern,
        "sort": sort, "descending": descending, "sort_links": _sort_links(request, dashboards.SCHOOL_SORTS, sort, descending),
        "threshold": dashboards.DECLARATION_THRESHOLD, "no_mentor_label": dashboards.NO_MENTOR_LABEL,
    }
    if request.htmx:
        return render(request, "engagement/hub_dashboard.html#table", context)
    summary = dashboards.summary(dashboards.hub_counts(request.hub, state), figures.trend)
    context.update(
        headlines=summary.headlines, chart=dashboards.trend_chart(summary.week_labels, summary.series), today=today,
        report_form=ReportForm(),
    )
    return render(request, "engagement/hub_dashboard.html", context)


@login_required
def hub_dashboard_csv(request):
    access.require_hub_staff(request.viewer)
    rows = export.rows_stored(Engagement.objects.all())
    return _csv(rows, f"engagement-{request.hub.slug}-{timezone.localdate()}.csv")


@login_required
def ect_engagement(request, ect_code):
    ect = access.get_ect(request.viewer, ect_code)
    today = timezone.localdate()
    history = compute.period_history(ect.hub_id, today, ect_id=ect.id)
    summary = Engagement.objects.filter(ect=ect).first()
    return render(
        request,
        "engagement/person_engagement.html",
        {
            "person": ect.person, "school": ect.school, "ect": ect, "groups": [(None, history)], "summary": summary, "strand": "study",
            "evidence": evidence.by_milestone(evidence.for_ect(ect, today)), "threshold": DECLARATION_THRESHOLD, "today": today,
            "crumbs": breadcrumbs.in_person(request.viewer, ect.person, [ect.school], [ect.id]),
        },
    )


@login_required
def mentor_engagement(request, role_code):
    mentor = access.visible_mentor_roles(request.viewer).filter(code=role_code).select_related("person__user", "school").first()
    if mentor is None:
        raise Http404("Not found")
    today = timezone.localdate()
    history = compute.period_history(mentor.hub_id, today, mentor_id=mentor.id)
    mentees = {e.id: e for e in ECT.objects.filter(id__in={h.track_id for h in history}).select_related("person__user")}
    groups = []
    for outcome in history:
        mentee = mentees[outcome.track_id]
        if not groups or groups[-1][0] != mentee:
            groups.append((mentee, []))
        groups[-1][1].append(outcome)
    summary = Engagement.objects.filter(mentor=mentor).first()
    return render(
        request,
        "engagement/person_engagement.html",
        {
            "person": mentor.person, "school": mentor.school, "groups": groups, "summary": summary, "strand": "coaching",
            "evidence": evidence.by_milestone(evidence.for_mentor(mentor, today)), "threshold": DECLARATION_THRESHOLD, "today": today,
            "crumbs": breadcrumbs.in_person(request.viewer, mentor.person, [mentor.school]),
        },
    )
