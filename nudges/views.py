"""Nudge pages: the outbox and its messages, who opted out and the hub's nudge settings (hub staff),
a school's pause (its tutors and hub staff), a tutor's manual nudge or praise."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from ectprogramme.formats import human_date
from nudges import pauses, queries
from nudges.forms import OutboxFilterForm, PauseForm
from nudges.models import Nudge
from participants import access, breadcrumbs
from participants.forms import apply_service_errors
from participants.models import Person

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Outbox (hub staff) ------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def outbox(request):
    """Every message the hub has made, newest first, with filters."""
    access.require_hub_staff(request.viewer)
    form = OutboxFilterForm(request.GET or None, schools=access.visible_schools(request.viewer))
    filters = form.filters() if form.is_bound else {}
    context = {"form": form, "page": _page(request, queries.outbox(**filters)), "filtered": any(filters.values())}
    template = "nudges/outbox.html#rows" if request.htmx else "nudges/outbox.html"
    return render(request, template, context)


@login_required
def nudge_detail(request, nudge_code):
    """One message and the e-mail that carried it, as sent (text and HTML parts)."""
    access.require_hub_staff(request.viewer)
    nudge = (
        Nudge.objects.filter(code=nudge_code)
        .select_related("recipient__user", "about", "school", "email", "created_by")
        .first()
    )
    if nudge is None:
        raise Http404("Not found")
    carried = [other for other in nudge.email.nudges.select_related("about") if other.pk != nudge.pk] if nudge.email else []
    sender = Person.objects.filter(user_id=nudge.created_by_id).first() if nudge.created_by_id else None
    context = {"nudge": nudge, "email": nudge.email, "carried": carried, "sender": sender}
    return render(request, "nudges/nudge_detail.html", context)


@login_required
def opted_out(request):
    """Everyone in the hub who has stopped automatic nudges (hub staff)."""
    access.require_hub_staff(request.viewer)
    return render(request, "nudges/opted_out.html", {"page": _page(request, queries.opted_out())})


# --- A school's pause ------------------------------------------------------------------------


@login_required
def school_pause(request, school_code):
    """Pause automatic nudges to the school's people until a date (by default the end of this term)."""
    school = access.get_school_for_people_change(request.viewer, school_code)
    today = timezone.localdate()
    current = pauses.current_pause(school, today)
    initial = {"until": current.until if current else pauses.end_of_current_term(school.hub, today)}
    form = PauseForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            pause = pauses.pause_school(school, form.cleaned_data["until"], request.user, today)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Automatic nudges to {school.name} are paused until {human_date(pause.until)}.")
            return redirect("school_detail", school.code)
    context = {"form": form, "school": school, "current": current, "crumbs": breadcrumbs.in_school(request.viewer, school)}
    return render(request, "nudges/school_pause.html", context)


@login_required
@require_POST
def school_resume(request, school_code):
    school = access.get_school_for_people_change(request.viewer, school_code)
    if pauses.resume_school(school):
        messages.success(request, f"Automatic nudges to {school.name} start again from the next run.")
    return redirect("school_detail", school.code)
