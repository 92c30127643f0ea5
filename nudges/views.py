"""Nudge pages: the outbox and its messages, who opted out and the hub's nudge settings (hub staff),
a school's pause (its tutors and hub staff), a tutor's manual nudge or praise."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from ectprogramme.formats import human_date
from ectprogramme.once import form_token
from nudges import hub_settings, manual, pauses, queries, wording
from nudges.forms import HubNudgeSettingsForm, ManualMessageForm, OutboxFilterForm, PauseForm, RuleWordingForm
from nudges.models import AUTOMATIC_RULES, HubNudgeSettings, Nudge, Rule
from participants import access, breadcrumbs
from participants.forms import apply_service_errors
from participants.models import Person
from schools.models import School

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


# --- Settings (hub staff) -----------------------------------------------------------------------


def _rule_items(request, settings, bound):
    """Each rule's form and the preview of its wording for a sample person."""
    sender, who = request.viewer.person.full_name or request.user.email, hub_settings.sample(request.hub)
    items = []
    for rule, setting in hub_settings.rule_settings(request.hub).items():
        initial = {"enabled": setting.enabled, **dict(zip(("subject", "body"), wording.wording(rule, setting)))}
        form = RuleWordingForm(request.POST if bound else None, rule=rule, initial=initial)
        items.append(_rule_item(request.hub, rule, form, settings, sender, who))
    return items


def _rule_item(hub, rule, form, settings, sender, who):
    values = hub_settings.sample_values(hub, rule, settings, sender, who)
    subject, paragraphs = hub_settings.preview(rule, *form.wording(), values)
    return {
        "rule": rule, "label": Rule(rule).label, "form": form, "placeholders": wording.PLACEHOLDERS[rule],
        "automatic": rule in AUTOMATIC_RULES, "subject": subject, "paragraphs": paragraphs, "sample": values["first_name"],
    }


@login_required
def nudge_settings(request):
    """Each rule on or off and its wording with a live preview, the praise streak, the weekly cap and
    the send time. An htmx POST naming a rule in `preview` answers that rule's preview only."""
    access.require_hub_staff(request.viewer)
    settings = HubNudgeSettings.for_hub(request.hub)
    if request.htmx and request.POST.get("preview") in Rule.values:
        rule = request.POST["preview"]
        form = RuleWordingForm(request.POST, rule=rule)
        form.is_valid()
        sender = request.viewer.person.full_name or request.user.email
        context = {"item": _rule_item(request.hub, rule, form, settings, sender, hub_settings.sample(request.hub))}
        return render(request, "nudges/settings.html#preview", context)
    general = HubNudgeSettingsForm(request.POST or None, instance=settings)
    items = _rule_items(request, settings, bound=request.method == "POST")
    if request.method == "POST" and all([general.is_valid(), *(item["form"].is_valid() for item in items)]):
        rules = {item["rule"]: item["form"].cleaned_data for item in items}
        hub_settings.save(request.hub, request.user, general.cleaned_data, rules)
        messages.success(request, "Nudge settings saved.")
        return redirect("nudges:settings")
    errors = request.method == "POST"
    return render(request, "nudges/settings.html", {"general": general, "items": items, "has_errors": errors})


# --- A tutor's manual nudge or praise ---------------------------------------------------------------


def _back(request, person):
    """Where to go after sending: the page the tutor came from (the Lead dashboard, say), else the person's."""
    back = request.POST.get("next") or request.GET.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return reverse("person_detail", args=[person.code])


@login_required
@vary_on_headers("HX-Request")
def manual_nudge(request, person_code):
    """Preview and send a nudge or praise to one person (their school's induction tutors and hub staff).
    An htmx request answers the preview only; a double POST (the same form token) sends one e-mail."""
    person, school_id = manual.get_person_to_nudge(request.viewer, person_code)
    school = School.objects.get(pk=school_id)
    token = form_token(request)
    kind = request.GET.get("kind") if request.GET.get("kind") in manual.KINDS else "nudge"
    sending = request.method == "POST" and not request.htmx
    form = ManualMessageForm(request.POST if request.method == "POST" else None, initial={"kind": kind})
    valid = form.is_valid()
    if valid:
        kind = form.cleaned_data["kind"]
    line = form.cleaned_data.get("personal_line", "") if valid else ""
    if sending and valid:
        manual.send(person, school, kind, request.viewer.person, line, token, request.user)
        messages.success(request, f"{'Praise' if kind == 'praise' else 'A nudge'} is on its way to {person}.")
        return redirect(_back(request, person))
    message = manual.compose(person, school, kind, request.viewer.person, line)
    context = {
        "person": person, "school": school, "form": form, "message": message, "form_token": token,
        "next": _back(request, person), "crumbs": breadcrumbs.in_person(request.viewer, person, [school]),
    }
    if request.htmx:
        return render(request, "nudges/manual.html#preview", context)
    return render(request, "nudges/manual.html", context)
