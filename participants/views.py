"""Pages for hubs, schools and people. Each view fetches through `access`, calls a service, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from ectprogramme import once
from ectprogramme.formats import human_date
from participants import access, breadcrumbs, confirmations, email_changes, onboarding, pairing, queries, services, timeline
from participants.forms import (
    MentorTrainingForm,
    AddPersonForm,
    ChangeHubRoleForm,
    ChangeMentorForm,
    ECTDetailsForm,
    ECTStatusForm,
    EndRoleForm,
    GrantHubRoleForm,
    InviteForm,
    PairMentorsForm,
    PersonDetailsForm,
    TransferForm,
    apply_service_errors,
)
from participants.models import HubRole, Mentor
from participants.roles import SESSION_ROLE_KEY, active_role, roles_for
from participants.tenancy import SESSION_HUB_KEY
from schools.forms import HubSettingsForm, SchoolForm

PAGE_SIZE = 25


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Landing and switching -------------------------------------------------------------------


@login_required
def home(request):
    role = active_role(request, roles_for(request.viewer))
    if role is None:
        return render(request, "participants/no_role.html")
    return redirect(role.url)


@login_required
@require_POST
def switch_hub(request):
    by_code = {str(person.hub.code): person for person in request.memberships}
    if request.POST.get("hub") in by_code:
        request.session[SESSION_HUB_KEY] = request.POST["hub"]
        request.session.pop(SESSION_ROLE_KEY, None)
        onboarding.record_sign_in(by_code[request.POST["hub"]])
    return redirect("home")


@login_required
@require_POST
def switch_role(request):
    roles = {role.key: role for role in roles_for(request.viewer)}
    role = roles.get(request.POST.get("role"))
    if role is None:
        return redirect("home")
    request.session[SESSION_ROLE_KEY] = role.key
    return redirect(role.url)


@login_required
def membership_confirm(request, token):
    """The account's owner confirms a hub's membership from the e-mailed link (GET shows a button:
    mail scanners open links; POST confirms). Anyone else's link is a 404."""
    try:
        person = confirmations.person_for_token(token)
    except confirmations.ExpiredLink:
        return render(request, "participants/membership_confirm.html", {"state": "expired"}, status=410)
    except confirmations.InvalidLink:
        person = None
    if person is None or person.user_id != request.user.pk:
        return render(request, "participants/membership_confirm.html", {"state": "invalid"}, status=404)
    if person.is_confirmed:
        return render(request, "participants/membership_confirm.html", {"state": "used", "hub": person.hub})
    if request.method == "POST":
        services.confirm_membership(person, request.user)
        person.refresh_from_db(fields=["confirmed_at"])
        onboarding.record_sign_in(person)
        request.session[SESSION_HUB_KEY] = str(person.hub.code)
        request.session.pop(SESSION_ROLE_KEY, None)
        messages.success(request, f"You have joined {person.hub.name}.")
        return redirect("home")
    return render(request, "participants/membership_confirm.html", {"state": "pending", "hub": person.hub})


# --- Hub and schools ---------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def hub_overview(request):
    access.require_hub_staff(request.viewer)
    q = request.GET.get("q", "")
    schools = queries.search_schools(queries.schools_with_counts(access.visible_schools(request.viewer)), q)
    context = {"page": _page(request, schools.order_by("name")), "q": q}
    if request.htmx:
        return render(request, "participants/hub_overview.html#rows", context)
    context["totals"] = queries.hub_totals()
    return render(request, "participants/hub_overview.html", context)


@login_required
def school_create(request):
    access.require_hub_staff(request.viewer)
    form = SchoolForm(request.POST or None, hub=request.hub)
    if form.is_valid():
        school = form.save()
        messages.success(request, f"{school.name} added.")
        return redirect("school_detail", school.code)
    return render(request, "participants/school_form.html", {"form": form})


@login_required
def school_edit(request, school_code):
    access.require_hub_staff(request.viewer)
    school = access.get_school(request.viewer, school_code)
    form = SchoolForm(request.POST or None, instance=school, hub=request.hub)
    if form.is_valid():
        form.save()
        messages.success(request, "School details saved.")
        return redirect("school_detail", school.code)
    return render(request, "participants/school_form.html", {"form": form, "school": school})


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def school_detail(request, school_code):
    school = access.get_school(request.viewer, school_code)
    q = request.GET.get("q", "")
    ects = queries.ects_with_current(queries.search_people(school.ects.all(), q, prefix="person__"))
    context = {"school": school, "ect_page": _page(request, ects), "q": q}
    if request.htmx:
        return render(request, "participants/school_detail.html#ect-rows", context)
    can_manage = access.can_manage_school_people(request.viewer, school)
    context.update(
        tutors=queries.tutors_at(school),
        mentors=queries.mentors_at(school),
        can_manage=can_manage,
        crumbs=breadcrumbs.above_school(request.viewer, school),
    )
    if can_manage:
        context.update(_pairing_context(school, None, 1, once.form_token(request)))
    return render(request, "participants/school_detail.html", context)


def _pairing_context(school, data, page_number, form_token):
    """The "ECTs without a mentor" form: a page of them, a picker of the school's current mentors each."""
    page = Paginator(pairing.ects_without_mentor(school), PAGE_SIZE).get_page(page_number)
    # A post names its rows: one paired meanwhile by someone else is shown with its problem.
    ects = page.object_list if data is None else pairing.posted_ects(school, data)
    form = PairMentorsForm(data, ects=ects, mentors=pairing.current_mentors(school))
    return {"pair_form": form, "unmentored_page": page, "form_token": form_token}


@login_required
def school_pair_mentors(request, school_code):
    """ECTs without a mentor at the school, each with a mentor picker, saved in one go (tutors of the
    school and hub staff)."""
    school = access.get_school_for_people_change(request.viewer, school_code)
    page_number = request.POST.get("page") or request.GET.get("page")
    if request.method == "POST":
        token = once.form_token(request)
        if pairing.already_paired(token):
            messages.success(request, "Mentors saved.")
            return redirect("school_pair_mentors", school.code)
        context = _pairing_context(school, request.POST, page_number, token)
        form = context["pair_form"]
        if form.is_valid():
            choices = form.choices()
            if not choices:
                form.add_error(None, "Choose a mentor for at least one ECT.")
            else:
                try:
                    made = pairing.pair_mentors(school, choices, request.user, token)
                except ValidationError as error:
                    form.add_row_errors(error)
                else:
                    messages.success(request, f"Mentor saved for {len(made)} {'ECT' if len(made) == 1 else 'ECTs'}.")
                    return redirect("school_pair_mentors", school.code)
    else:
        context = _pairing_context(school, None, page_number, once.form_token(request))
    context.update(school=school, crumbs=breadcrumbs.in_school(request.viewer, school))
    return render(request, "participants/school_pair_mentors.html", context)


@login_required
def person_add(request, school_code):
    school = access.get_school_for_people_change(request.viewer, school_code)
    form = AddPersonForm(request.POST or None, school=school)
    if form.is_valid():
        try:
            person = _add_person(request, school, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{person} added to {school.name}.")
            return redirect("school_detail", school.code)
    return render(request, "participants/person_add.html", {"form": form, "school": school})


@transaction.atomic
def _add_person(request, school, data):
    actor = request.user
    person = services.get_or_create_person(request.hub, data["email"], data["first_name"], data["last_name"], actor)
    if data["role"] == "ect":
        ect = services.add_ect(
            person, school, actor,
            programme=data["programme"], cohort_start_year=data["cohort_start_year"],
            induction_start_date=data["start_date"], fte=data["fte"],
        )
        if data["mentor"]:
            services.change_mentor(ect, data["mentor"], actor, on=data["start_date"])
    elif data["role"] == "mentor":
        services.add_mentor(person, school, actor, started_on=data["start_date"])
    else:
        services.add_induction_tutor(person, school, actor, started_on=data["start_date"])
    return person


# --- People ----------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def people_list(request):
    if not (request.viewer.is_hub_staff or request.viewer.is_tutor):
        return redirect("home")
    q = request.GET.get("q", "")
    people = queries.search_people(access.visible_people(request.viewer), q)
    people = queries.people_with_roles(people, access.care_school_ids(request.viewer))
    context = {"page": _page(request, people.order_by("last_name", "first_name")), "q": q}
    template = "participants/people_list.html#rows" if request.htmx else "participants/people_list.html"
    return render(request, template, context)


def _timeline_context(request, person, school_ids):
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    entries = timeline.page(person, school_ids, request.viewer, kind=request.GET.get("kind", ""), number=number)
    return {"timeline": entries, "timeline_kinds": timeline.kinds()}


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def person_detail(request, person_code):
    """A person's roles and timeline (a page of it, of one kind or all; with htmx only the timeline);
    a tutor sees only their roles and entries at the tutor's own schools."""
    person = access.get_person(request.viewer, person_code)
    school_ids = access.person_school_ids(request.viewer, person)
    if request.htmx and request.GET.get("timeline"):
        context = {"person": person, **_timeline_context(request, person, school_ids)}
        return render(request, "participants/person_detail.html#timeline", context)
    manageable = access.manageable_school_ids(request.viewer)
    roles = queries.person_page(person, school_ids)
    schools = [role.school for kind in ("ects", "mentor_roles", "tutor_roles") for role in roles[kind]]
    context = {
        "person": person,
        "sees_all": school_ids is None,
        "school_ids": school_ids,
        "can_manage": access.can_manage_person(request.viewer, person),
        "manages_every_school": manageable is None,
        "manageable_school_ids": manageable or (),
        "can_edit_details": access.can_change_account(request.viewer, person),
        "email_change": email_changes.pending_change(person),
        "crumbs": breadcrumbs.above_person(request.viewer, person, schools, [ect.id for ect in roles["ects"]]),
        **roles,
        **_timeline_context(request, person, school_ids),
    }
    return render(request, "participants/person_detail.html", context)


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def person_edit(request, person_code):
    """Edit the name and ask for a change of e-mail (confirmed from the new address); with htmx this
    is the inline form on the person's page."""
    person = access.get_person_for_account_change(request.viewer, person_code)
    initial = {"first_name": person.first_name, "last_name": person.last_name, "email": person.user.email}
    form = PersonDetailsForm(request.POST or None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                services.update_details(person, request.user, first_name=data["first_name"], last_name=data["last_name"])
                change = email_changes.request_email_change(person, request.user, data["email"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if request.htmx:
                context = {
                    "person": person, "can_edit_details": True, "sees_all": True,
                    "email_change": email_changes.pending_change(person),
                }
                return render(request, "participants/person_detail.html#details", context)
            messages.success(request, "Details saved.")
            if change:
                messages.info(request, f"The e-mail address changes once {change.new_email} confirms it; {change.old_email} has been told.")
            return redirect("person_detail", person.code)
    template = "participants/person_edit.html#form" if request.htmx else "participants/person_edit.html"
    return render(request, template, {"person": person, "form": form})


def _email_change_link(request, token, action):
    """The page behind a link of an e-mail change (`participants.email_changes`): a GET shows what the
    link will do and a button (mail scanners open links), the POST does it. Anyone holding the link
    may use it, signed in or not; a forged, expired or used link gets a page saying so."""
    try:
        change = email_changes.change_for_token(token, action)
        if request.method == "POST":
            act = email_changes.confirm_email_change if action == email_changes.CONFIRM else email_changes.cancel_email_change
            change = act(token)
            return render(request, "participants/email_change_done.html", {"change": change, "action": action})
    except email_changes.LinkNotValid:
        return render(request, "participants/email_change_invalid.html", {"action": action}, status=404)
    return render(request, "participants/email_change_confirm.html", {"change": change, "action": action})


@require_http_methods(["GET", "POST"])
def email_change_confirm(request, token):
    return _email_change_link(request, token, email_changes.CONFIRM)


@require_http_methods(["GET", "POST"])
def email_change_cancel(request, token):
    return _email_change_link(request, token, email_changes.CANCEL)


@login_required
@require_POST
def person_setup_email(request, person_code):
    person = access.get_person_for_change(request.viewer, person_code)
    try:
        services.resend_setup_email(person, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A set-up e-mail is on its way to {person.user.email}.")
    return redirect("person_detail", person.code)


@login_required
@require_POST
def school_setup_emails(request, school_code):
    """Send set-up e-mails to everyone at the school who has never signed in (e.g. after an import),
    except people e-mailed too recently."""
    school = access.get_school_for_people_change(request.viewer, school_code)
    sent, skipped = services.invite_never_signed_in(school, request.user)
    if sent:
        messages.success(request, f"Set-up e-mails are on their way to {sent} {'person' if sent == 1 else 'people'} who have never signed in.")
    if skipped:
        messages.info(
            request,
            f"{skipped} {'person was' if skipped == 1 else 'people were'} skipped: e-mailed too recently "
            f"(at most one set-up e-mail every {services.SETUP_EMAIL_INTERVAL.seconds // 60} minutes and "
            f"{services.SETUP_EMAILS_PER_DAY} a day).",
        )
    if not sent and not skipped:
        messages.info(request, "Everyone at this school has already signed in.")
    return redirect("school_detail", school.code)


def _onboarding_school_ids(viewer):
    """Hub staff see every school's onboarding (None), induction tutors their schools'; others nothing."""
    if viewer.is_hub_staff:
        return None
    if not viewer.tutor_school_ids:
        raise Http404("Not found")
    return viewer.tutor_school_ids


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def onboarding_list(request):
    """Everyone's onboarding status (tutors: their schools' people), optionally only those who never signed in."""
    people = onboarding.people_in_care(_onboarding_school_ids(request.viewer))
    never = request.GET.get("never") == "1"
    waiting = people.filter(onboarding.never_signed_in())
    context = {
        "page": _page(request, onboarding.with_status(waiting if never else people)),
        "never": never,
        "waiting_count": waiting.count(),
    }
    template = "participants/onboarding.html#rows" if request.htmx else "participants/onboarding.html"
    return render(request, template, context)


@login_required
@require_POST
def onboarding_send(request):
    """Set-up e-mails to everyone shown who never signed in, each person at most once a day."""
    people = onboarding.people_in_care(_onboarding_school_ids(request.viewer))
    result = onboarding.send_setup_emails(people.filter(onboarding.never_signed_in()), request.user)
    if result.queued:
        messages.success(
            request, f"Set-up e-mails queued for {result.queued} {'person' if result.queued == 1 else 'people'} who never signed in."
        )
    else:
        messages.info(request, "No set-up e-mails were queued.")
    if result.already_today:
        messages.info(
            request,
            f"{result.already_today} {'person was' if result.already_today == 1 else 'people were'} skipped: "
            "already sent a set-up e-mail from this page today (at most one a day each).",
        )
    if not result.queued and not result.already_today:
        messages.info(request, "Everyone here has already signed in.")
    return redirect(f"{reverse('onboarding')}?never=1")


@login_required
def invite(request):
    """Invite an induction tutor; hub admins may also invite hub staff and hub admins."""
    access.require_hub_staff(request.viewer)
    form = InviteForm(
        request.POST or None, schools=access.visible_schools(request.viewer), hub_roles=request.viewer.is_hub_admin
    )
    if form.is_valid():
        try:
            person = _invite(request, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{person} has been invited; a set-up e-mail is on its way to {person.user.email}.")
            return redirect("person_detail", person.code)
    return render(request, "participants/invite.html", {"form": form})


@transaction.atomic
def _invite(request, data):
    person = services.get_or_create_person(request.hub, data["email"], data["first_name"], data["last_name"], request.user)
    if data["role"] == "induction_tutor":
        services.add_induction_tutor(person, data["school"], request.user)
    elif not (data["role"] == HubRole.STAFF and person.is_hub_admin):
        services.set_hub_role(person, data["role"], request.user)
    services.resend_setup_email(person, request.user)
    return person


# --- Hub roles and settings (hub admins) ---------------------------------------------------------


@login_required
def hub_roles(request):
    """Who has a hub role, and granting one to someone already in the hub."""
    access.require_hub_admin(request.viewer)
    form = GrantHubRoleForm(request.POST or None)
    if form.is_valid():
        person = access.find_person_by_email(request.viewer, form.cleaned_data["email"])
        if person is None:
            form.add_error("email", "Nobody in the hub has this e-mail address: invite them instead.")
        else:
            try:
                services.set_hub_role(person, form.cleaned_data["hub_role"], request.user)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, f"{person} is now {person.get_hub_role_display().lower()}.")
                return redirect("hub_roles")
    context = {"form": form, "page": _page(request, queries.people_with_hub_roles())}
    return render(request, "participants/hub_roles.html", context)


@login_required
def hub_role_change(request, person_code):
    person = access.get_person_for_hub_role_change(request.viewer, person_code)
    initial = {"hub_role": person.hub_role or ChangeHubRoleForm.NONE}
    form = ChangeHubRoleForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.set_hub_role(person, form.cleaned_data["hub_role"], request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            role = person.get_hub_role_display().lower() if person.hub_role else "without a hub role"
            messages.success(request, f"{person} is now {role}.")
            return redirect("hub_roles")
    return render(request, "participants/hub_role_change.html", {"form": form, "person": person})


@login_required
def hub_settings(request):
    access.require_hub_admin(request.viewer)
    form = HubSettingsForm(request.POST or None, instance=request.hub)
    if form.is_valid():
        form.save()
        messages.success(request, "Hub settings saved.")
        return redirect("hub_settings")
    return render(request, "participants/hub_settings.html", {"form": form})


@login_required
def role_end(request, role_code):
    """End a role; a mentor's current mentees each get a new mentor, or none yet, in the same change."""
    role = access.get_school_role_for_change(request.viewer, role_code)
    mentees, other_mentors = queries.handover(role) if role.finished_on is None else ([], [])
    form = EndRoleForm(request.POST or None, mentees=mentees, other_mentors=other_mentors)
    if form.is_valid():
        try:
            services.finish_school_role(role, request.user, on=form.cleaned_data["on"], new_mentors=form.new_mentors())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Role ended.")
            return redirect("person_detail", role.person.code)
    return render(request, "participants/role_end.html", {"form": form, "role": role, "mentees": mentees})


# --- ECTs ------------------------------------------------------------------------------------


@login_required
def ect_edit(request, ect_code):
    ect = access.get_ect_for_change(request.viewer, ect_code)
    form = ECTDetailsForm(request.POST or None, instance=ect)
    if request.method == "POST" and form.is_valid():
        ect.refresh_from_db()
        services.update_ect(ect, request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, "ECT details saved.")
        return redirect("person_detail", ect.person.code)
    return render(request, "participants/ect_form.html", {"form": form, "ect": ect})


@login_required
def ect_change_mentor(request, ect_code):
    ect = access.get_ect_for_change(request.viewer, ect_code)
    current = services.current_mentor_assignment(ect)
    form = ChangeMentorForm(request.POST or None, ect=ect, initial={"mentor": current.mentor if current else None})
    if form.is_valid():
        try:
            services.change_mentor(ect, form.cleaned_data["mentor"], request.user, on=form.cleaned_data["on"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Mentor updated.")
            return redirect("person_detail", ect.person.code)
    return render(request, "participants/ect_mentor.html", {"form": form, "ect": ect, "current": current})


@login_required
def ect_change_status(request, ect_code):
    ect = access.get_ect_for_change(request.viewer, ect_code)
    current = services.current_status(ect)
    form = ECTStatusForm(request.POST or None, current_status=current.status)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_ect_status(ect, data["status"], request.user, on=data["on"], note=data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Status updated.")
            return redirect("person_detail", ect.person.code)
    return render(request, "participants/ect_status.html", {"form": form, "ect": ect, "current": current})


@login_required
def ect_transfer(request, ect_code):
    """Move an ECT to another school of the hub from a date (hub staff)."""
    ect = access.get_ect_for_transfer(request.viewer, ect_code)
    form = TransferForm(request.POST or None, ect=ect, schools=access.visible_schools(request.viewer))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.transfer_ect(ect, data["school"], request.user, on=data["on"], new_mentor=data["mentor"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{ect.person} moves to {data['school'].name} from {human_date(data['on'])}.")
            return redirect("person_detail", ect.person.code)
    context = {"form": form, "ect": ect, "since": services.current_school_period(ect)}
    return render(request, "participants/ect_transfer.html", context)


@login_required
def mentor_training(request, role_code):
    """Record whether a mentor is new or already trained."""
    role = access.get_mentor_role_for_training(request.viewer, role_code)
    form = MentorTrainingForm(request.POST or None, initial={"previously_trained": role.previously_trained})
    if form.is_valid():
        services.set_previously_trained(role, form.cleaned_data["previously_trained"], request.user)
        state = "previously trained" if role.previously_trained else "new to mentoring"
        messages.success(request, f"{role.person} is recorded as {state}.")
        return redirect("person_detail", role.person.code)
    return render(request, "participants/mentor_training.html", {"form": form, "role": role})


# --- Mentor home -----------------------------------------------------------------------------


@login_required
def mentor_home(request):
    if not request.viewer.is_mentor:
        return redirect("home")
    context = {
        "mentees": queries.current_mentees(request.viewer.mentor_ids),
        "mentor_roles": Mentor.objects.filter(id__in=request.viewer.mentor_ids).select_related("school").order_by("school__name"),
    }
    return render(request, "participants/mentor_home.html", context)

