"""Coaching cycles, drop-ins, pastoral meetings and formal observations in the browser."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ectprogramme.once import form_token
from engagement import coaching
from engagement.forms import FeedbackForm, FormalObservationForm, MeetingForm, ObservationForm
from engagement.models import CoachingCycle
from engagement.permissions import can_unlock, get_cycle, require_current_mentor, require_tutor_of
from participants import access, breadcrumbs
from participants.forms import apply_service_errors


@login_required
def ect_coaching(request, ect_code):
    """The ECT's coaching record: current action step, cycles, meetings, formal observations."""
    ect = access.get_ect(request.viewer, ect_code)
    viewer = request.viewer
    mentor = coaching.current_mentor_role(ect, viewer.mentor_ids) if viewer.mentor_ids else None
    today = timezone.localdate()
    cycles = list(ect.coaching_cycles.select_related("mentor__person__user"))
    for cycle in cycles:
        cycle.locked = coaching.is_locked(cycle, today)
        cycle.can_edit = cycle.mentor_id in viewer.mentor_ids and not cycle.locked
    windows = coaching.formal_observation_windows(ect)
    for window in windows:
        window.current_status = window.status(today)
    context = {
        "ect": ect,
        "cycles": cycles,
        "meetings": ect.mentor_meetings.select_related("mentor__person__user"),
        "action_step": coaching.current_action_step(ect),
        "windows": windows,
        "formal_observations": ect.formal_observations.select_related("tutor__person__user"),
        "is_mentor": mentor is not None,
        "is_tutor": ect.school_id in viewer.tutor_school_ids,
        "can_unlock": can_unlock(viewer, ect),
        "today": today,
        "crumbs": breadcrumbs.in_person(viewer, ect.person, [ect.school], [ect.id]),
    }
    return render(request, "engagement/ect_coaching.html", context)


@login_required
def cycle_create(request, ect_code):
    """A mentor records an observation, and optionally the feedback at the same time."""
    ect = access.get_ect(request.viewer, ect_code)
    mentor = require_current_mentor(request.viewer, ect)
    observation = ObservationForm(request.POST or None, prefix="observation", initial={"observed_on": timezone.localdate()})
    with_feedback = request.POST.get("with_feedback") == "on"
    # The feedback is only read (and checked) when the mentor says they have given it.
    feedback = FeedbackForm(request.POST if with_feedback else None, prefix="feedback", initial={"feedback_on": timezone.localdate()})
    token = form_token(request)
    # Both forms are checked, so that every mistake shows at once.
    if request.method == "POST" and all([observation.is_valid(), not with_feedback or feedback.is_valid()]):
        fields = dict(observation.cleaned_data)
        if with_feedback:
            fields.update(feedback.cleaned_data)
        try:
            coaching.record_observation(ect, mentor, form_token=token, **fields)
        except ValidationError as error:
            apply_service_errors(observation, error, *([feedback] if feedback.is_bound else []))
        else:
            messages.success(request, "Coaching cycle saved." if with_feedback else "Observation saved; add the feedback when you have given it.")
            return redirect("ect_coaching", ect.code)
    return render(
        request,
        "engagement/cycle_form.html",
        {"ect": ect, "observation": observation, "feedback": feedback, "with_feedback": with_feedback, "cycle": None, "form_token": token},
    )


@login_required
def cycle_edit(request, cycle_code):
    """The mentor who recorded a cycle edits it or adds the feedback, within the edit window."""
    cycle = get_cycle(request.viewer, cycle_code)
    if cycle.mentor_id not in request.viewer.mentor_ids:
        raise PermissionDenied
    locked = coaching.is_locked(cycle)
    observation = ObservationForm(request.POST or None, instance=cycle, prefix="observation")
    with_feedback = request.POST.get("with_feedback") == "on" if request.method == "POST" else True
    feedback = FeedbackForm(
        request.POST if request.method == "POST" and with_feedback else None,
        instance=cycle, prefix="feedback", initial={"feedback_on": cycle.feedback_on or timezone.localdate()},
    )
    if request.method == "POST" and not locked and all([observation.is_valid(), not with_feedback or feedback.is_valid()]):
        fields = {name: observation.cleaned_data[name] for name in coaching.OBSERVATION_FIELDS}
        if with_feedback:
            fields.update({name: feedback.cleaned_data[name] for name in coaching.FEEDBACK_FIELDS})
        cycle.refresh_from_db()
        try:
            coaching.update_cycle(cycle, **fields)
        except ValidationError as error:
            apply_service_errors(observation, error, *([feedback] if feedback.is_bound else []))
        else:
            messages.success(request, "Coaching cycle saved.")
            return redirect("ect_coaching", cycle.ect.code)
    return render(
        request,
        "engagement/cycle_form.html",
        {"ect": cycle.ect, "cycle": cycle, "observation": observation, "feedback": feedback, "with_feedback": with_feedback, "locked": locked},
    )


@login_required
@require_POST
def cycle_unlock(request, cycle_code):
    cycle = get_cycle(request.viewer, cycle_code)
    if not can_unlock(request.viewer, cycle.ect):
        raise PermissionDenied
    coaching.unlock(cycle)
    messages.success(request, f"Unlocked: {cycle.mentor.person} can edit this cycle for {coaching.EDIT_WINDOW_DAYS} days.")
    return redirect("ect_coaching", cycle.ect.code)


@login_required
def meeting_create(request, ect_code):
    ect = access.get_ect(request.viewer, ect_code)
    mentor = require_current_mentor(request.viewer, ect)
    form = MeetingForm(request.POST or None, initial={"met_on": timezone.localdate()})
    token = form_token(request)
    if form.is_valid():
        try:
            coaching.record_meeting(ect, mentor, form_token=token, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{form.instance.get_kind_display() if form.instance.kind else 'Meeting'} saved.")
            return redirect("ect_coaching", ect.code)
    return render(request, "engagement/meeting_form.html", {"ect": ect, "form": form, "form_token": token})


@login_required
def formal_observation_create(request, ect_code):
    ect = access.get_ect(request.viewer, ect_code)
    tutor = require_tutor_of(request.viewer, ect)
    form = FormalObservationForm(request.POST or None, initial={"observed_on": timezone.localdate()})
    token = form_token(request)
    if form.is_valid():
        try:
            coaching.record_formal_observation(ect, tutor, form_token=token, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Formal observation saved.")
            return redirect("ect_coaching", ect.code)
    return render(request, "engagement/formal_observation_form.html", {"ect": ect, "form": form, "form_token": token})


@login_required
def school_coaching(request, school_code):
    """Every coaching cycle at the school, newest first (induction tutors and hub staff)."""
    school = access.get_school(request.viewer, school_code)
    cycles = (
        CoachingCycle.objects.filter(ect__school=school)
        .select_related("ect__person__user", "mentor__person__user")
        .order_by("-observed_on", "-id")
    )
    page = Paginator(cycles, 25).get_page(request.GET.get("page"))
    context = {"school": school, "page": page, "crumbs": breadcrumbs.in_school(request.viewer, school)}
    return render(request, "engagement/school_coaching.html", context)
