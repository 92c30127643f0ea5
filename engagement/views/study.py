"""The ECT's study page: their schedule as a term-by-term timeline, and recording a module."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from engagement import coaching, study
from engagement.forms import RecordModuleForm
from engagement.models import Engagement, ProgrammeVersion
from engagement.permissions import require_own_ect
from participants import access, breadcrumbs
from participants.forms import apply_service_errors
from schools.models import HalfTermName


def _timeline(ect, today):
    """The schedule grouped by half term: [(label, [ScheduledPeriod, …]), …]."""
    groups = []
    for item in study.schedule(ect, as_of=today):
        year, name = item.period.half_term
        label = f"{HalfTermName(name).label} {year}/{str(year + 1)[-2:]} ({item.cohort})"
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(item)
    return groups


@login_required
def ect_study(request, ect_code):
    """GET shows the schedule; POST (the ECT only) records a module, then shows it updated."""
    ect = access.get_ect(request.viewer, ect_code)
    is_self = ect.id in request.viewer.own_ect_ids
    form = RecordModuleForm(request.POST or None, ect=ect, initial={"module": study.next_module(ect)})
    recorded = None
    if request.method == "POST":
        require_own_ect(request.viewer, ect)
        if form.is_valid():
            try:
                recorded = study.record_module(ect, form.cleaned_data["module"], form.cleaned_data["done_on"], request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                form = RecordModuleForm(ect=ect, initial={"module": study.next_module(ect)})
    today = timezone.localdate()
    programme = ProgrammeVersion.objects.get(code=ect.programme)
    context = {
        "ect": ect,
        "is_self": is_self,
        "form": form,
        "recorded": recorded,
        "timeline": _timeline(ect, today),
        "programme": programme,
        "cadence": programme.study_cadence(ect.cohort) if ect.cohort else None,
        "action_step": coaching.current_action_step(ect),
        "engagement": Engagement.objects.filter(ect=ect).first(),
        "today": today,
        "crumbs": breadcrumbs.in_person(request.viewer, ect.person, [ect.school], [ect.id]),
    }
    template = "engagement/ect_study.html#study" if request.htmx else "engagement/ect_study.html"
    return render(request, template, context)
