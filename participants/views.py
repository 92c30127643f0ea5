"""Pages for hubs, schools and people. Each view fetches through `access`, calls a service, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from participants import access, breadcrumbs, queries, services
from participants.forms import (
    AddPersonForm,
    ChangeMentorForm,
    ECTDetailsForm,
    ECTStatusForm,
    EndRoleForm,
    InviteForm,
    PersonDetailsForm,
    apply_service_errors,
)
from participants.models import HubRole
from participants.roles import SESSION_ROLE_KEY, active_role, roles_for
from participants.tenancy import SESSION_HUB_KEY
from schools.forms import SchoolForm

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
    codes = {str(person.hub.code) for person in request.memberships}
    if request.POST.get("hub") in codes:
        request.session[SESSION_HUB_KEY] = request.POST["hub"]
        request.session.pop(SESSION_ROLE_KEY, None)
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
    context.update(
        tutors=queries.tutors_at(school),
        mentors=queries.mentors_at(school),
        can_manage=access.can_manage_school_people(request.viewer, school),
        crumbs=breadcrumbs.above_school(request.viewer, school),
    )
    return render(request, "participants/school_detail.html", context)


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
    people = queries.people_with_roles(queries.search_people(access.visible_people(request.viewer), q))
    context = {"page": _page(request, people.order_by("user__last_name", "user__first_name")), "q": q}
    template = "participants/people_list.html#rows" if request.htmx else "participants/people_list.html"
    return render(request, template, context)


@login_required
def person_detail(request, person_code):
    person = access.get_person(request.viewer, person_code)
    roles = queries.person_page(person)
    schools = [role.school for kind in ("ects", "mentor_roles", "tutor_roles") for role in roles[kind]]
    context = {
        "person": person,
        "can_manage": access.can_manage_person(request.viewer, person),
        "can_edit_details": access.can_change_account(request.viewer, person),
        "changes": person.changes.select_related("actor")[:200],
        "crumbs": breadcrumbs.above_person(request.viewer, person, schools, [ect.id for ect in roles["ects"]]),
        **roles,
    }
    return render(request, "participants/person_detail.html", context)


@login_required
@vary_on_headers("HX-Request")  # a fragment and the full page share a URL: keep them apart in caches
def person_edit(request, person_code):
    """Edit name and e-mail; with htmx this is the inline form on the person's page."""
    person = access.get_person_for_account_change(request.viewer, person_code)
    user = person.user
    initial = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    form = PersonDetailsForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.update_details(person, request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if request.htmx:
                return render(request, "participants/person_detail.html#details", {"person": person, "can_edit_details": True})
            messages.success(request, "Details saved.")
            return redirect("person_detail", person.code)
    template = "participants/person_edit.html#form" if request.htmx else "participants/person_edit.html"
    return render(request, template, {"person": person, "form": form})


@login_required
@require_POST
def person_setup_email(request, person_code):
    person = access.get_person_for_change(request.viewer, person_code)
    services.invite(person, request.user)
    messages.success(request, f"A set-up e-mail is on its way to {person.user.email}.")
    return redirect("person_detail", person.code)


@login_required
@require_POST
def school_setup_emails(request, school_code):
    """Send set-up e-mails to everyone at the school who has never signed in (e.g. after an import)."""
    school = access.get_school_for_people_change(request.viewer, school_code)
    count = services.invite_never_signed_in(school, request.user)
    if count:
        messages.success(request, f"Set-up e-mails are on their way to {count} people who have never signed in.")
    else:
        messages.info(request, "Everyone at this school has already signed in.")
    return redirect("school_detail", school.code)


@login_required
def invite(request):
    access.require_hub_staff(request.viewer)
    form = InviteForm(request.POST or None, schools=access.visible_schools(request.viewer))
    if form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            person = services.get_or_create_person(request.hub, data["email"], data["first_name"], data["last_name"], request.user)
            if data["role"] == "induction_tutor":
                services.add_induction_tutor(person, data["school"], request.user)
            elif not (data["role"] == HubRole.STAFF and person.is_hub_admin):
                services.set_hub_role(person, data["role"], request.user)
            services.invite(person, request.user)
        messages.success(request, f"{person} has been invited; a set-up e-mail is on its way to {person.user.email}.")
        return redirect("person_detail", person.code)
    return render(request, "participants/invite.html", {"form": form})


@login_required
def role_end(request, role_code):
    role = access.get_school_role_for_change(request.viewer, role_code)
    form = EndRoleForm(request.POST or None)
    if form.is_valid():
        try:
            services.finish_school_role(role, request.user, on=form.cleaned_data["on"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "Role ended.")
            return redirect("person_detail", role.person.code)
    return render(request, "participants/role_end.html", {"form": form, "role": role})


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


# --- Mentor home -----------------------------------------------------------------------------


@login_required
def mentor_home(request):
    if not request.viewer.is_mentor:
        return redirect("home")
    return render(request, "participants/mentor_home.html", {"mentees": queries.current_mentees(request.viewer.mentor_ids)})

