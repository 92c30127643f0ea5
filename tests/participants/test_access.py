"""What a tutor sees of someone who is also at another school of the hub, and who manages hub roles.

The world: Elm Primary (tutor, mentor, ECTs) and Oak Academy (its own tutor, mentor, ECT) in the
North hub; the South hub beside it.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django_scopes import scopes_disabled

from participants import services
from participants.models import ECT, HubRole, Invitation, Person, PersonChange
from schools.scoping import hub_scope
from tests import factories


def _sign_in(client, person):
    client.force_login(person.user)


def _attach_oak_tutor_as_elm_mentor(world, client):
    """The attack of the issue: Elm's tutor adds Oak's tutor, by e-mail, as a mentor at Elm."""
    with scopes_disabled():
        oak_tutor = world.sibling_tutor.person
        with hub_scope(world.hub):
            services.record_change(oak_tutor, None, "Oak-only note about their tutoring", world.sibling_school)
            services.record_change(oak_tutor, None, "Hub-wide note about their account")
    _sign_in(client, world.tutor.person)
    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        {"role": "mentor", "first_name": "Any", "last_name": "Name", "email": oak_tutor.user.email, "start_date": "2026-09-01"},
    )
    assert response.status_code == 302
    return oak_tutor


# --- A person attached from another school ------------------------------------------------------


def test_a_tutor_sees_someone_also_at_another_school_only_in_their_role_at_the_tutors_school(world, client):
    oak_tutor = _attach_oak_tutor_as_elm_mentor(world, client)

    body = client.get(f"/people/{oak_tutor.code}/").content.decode()

    assert "Mentor at Elm Primary" in body
    assert "Became mentor at Elm Primary" in body
    assert "Oak Academy" not in body
    assert "Oak-only note" not in body
    assert "Hub-wide note" not in body
    assert "Edit details" not in body
    assert "Send a set-up e-mail" not in body


def test_a_tutor_does_not_see_the_other_schools_mentees_of_someone_they_attach(world, client):
    with scopes_disabled():
        oak_mentor = world.sibling_mentor.person
        oak_mentee = world.sibling_ect.person
    _sign_in(client, world.tutor.person)
    client.post(
        f"/schools/{world.school.code}/people/new/",
        {"role": "mentor", "first_name": "A", "last_name": "B", "email": oak_mentor.user.email, "start_date": "2026-09-01"},
    )

    body = client.get(f"/people/{oak_mentor.code}/").content.decode()

    assert "Mentor at Elm Primary" in body
    assert str(oak_mentee) not in body
    assert "Oak Academy" not in body
    assert client.get(f"/people/{oak_mentee.code}/").status_code == 404


def test_a_tutor_cannot_change_the_account_or_other_roles_of_someone_also_at_another_school(world, client):
    oak_tutor = _attach_oak_tutor_as_elm_mentor(world, client)
    details = {"first_name": "Mallory", "last_name": "Intruder", "email": "mallory@intruder.example.org"}

    assert client.post(f"/people/{oak_tutor.code}/edit/", details).status_code == 403
    assert client.post(f"/people/{oak_tutor.code}/setup-email/").status_code == 403
    assert client.post(f"/roles/{world.sibling_tutor.code}/end/", {"on": "2026-09-02"}).status_code == 404

    oak_tutor.user.refresh_from_db()
    assert oak_tutor.user.email != "mallory@intruder.example.org"
    with scopes_disabled():
        world.sibling_tutor.refresh_from_db()
        assert world.sibling_tutor.finished_on is None


def test_the_tutor_still_manages_the_role_at_their_own_school(world, client):
    oak_tutor = _attach_oak_tutor_as_elm_mentor(world, client)
    with scopes_disabled():
        elm_role = oak_tutor.mentor_roles.get(school=world.school)

    body = client.get(f"/people/{oak_tutor.code}/").content.decode()
    assert f"/roles/{elm_role.code}/end/" in body
    assert client.post(f"/roles/{elm_role.code}/end/", {"on": "2026-09-02"}).status_code == 302


def test_the_people_list_shows_a_tutor_only_their_schools_roles(world, client):
    oak_tutor = _attach_oak_tutor_as_elm_mentor(world, client)

    body = client.get("/people/", {"q": oak_tutor.user.email}).content.decode()

    assert "Mentor at Elm Primary" in body
    assert "Oak Academy" not in body


def test_hub_staff_see_every_role_and_the_whole_timeline(world, client):
    oak_tutor = _attach_oak_tutor_as_elm_mentor(world, client)
    _sign_in(client, world.staff)

    body = client.get(f"/people/{oak_tutor.code}/").content.decode()

    for text in ("Mentor at Elm Primary", "Induction tutor at Oak Academy", "Oak-only note", "Hub-wide note"):
        assert text in body


def test_a_tutor_sees_the_whole_timeline_of_someone_only_at_their_school(world, client):
    with scopes_disabled(), hub_scope(world.hub):
        services.update_details(world.mentor.person, None, first_name="Mo", last_name="Mentor")
    _sign_in(client, world.tutor.person)

    body = client.get(f"/people/{world.mentor.person.code}/").content.decode()

    assert "Name changed" in body
    assert "Edit details" in body


def test_a_mentor_still_sees_their_mentees_page(world, client):
    _sign_in(client, world.mentor.person)
    body = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert "ECT at Elm Primary" in body


def test_adding_as_an_ect_someone_who_is_an_ect_at_another_school_does_not_say_where(world, client):
    with scopes_disabled():
        oak_ect = world.sibling_ect.person
    _sign_in(client, world.tutor.person)
    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        {
            "role": "ect", "first_name": "Any", "last_name": "Name", "email": oak_ect.user.email,
            "start_date": "2026-09-01", "programme": "ecte2025", "cohort_start_year": "2026",
        },
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "already registered as an ECT" in body
    assert "Oak Academy" not in body
    with scopes_disabled():
        assert ECT.objects.get(person=oak_ect).school == world.sibling_school


def test_timeline_entries_about_a_school_role_carry_the_school(world):
    with scopes_disabled(), hub_scope(world.hub):
        person = services.get_or_create_person(world.hub, "new@elm.example.org", "New", "Person")
        services.add_mentor(person, world.school, None)
        services.change_mentor(world.unmentored_ect, world.mentor, None)
        entries = {change.summary.split(" ")[0]: change.school for change in PersonChange.objects.all()}
    assert entries["Added"] is None
    assert entries["Became"] == world.school
    assert entries["Mentor"] == world.school
    assert entries["Started"] == world.school


# --- Hub roles -------------------------------------------------------------------------------------


@pytest.fixture
def scoped(world):
    with scopes_disabled(), hub_scope(world.hub):
        yield world


def _hub_role(person):
    with scopes_disabled():
        return Person.objects.get(pk=person.pk).hub_role


def test_hub_staff_cannot_grant_or_raise_hub_roles(scoped):
    world = scoped
    with pytest.raises(PermissionDenied):
        services.set_hub_role(world.staff, HubRole.ADMIN, world.staff.user)
    with pytest.raises(PermissionDenied):
        services.set_hub_role(world.tutor.person, HubRole.STAFF, world.staff.user)
    assert _hub_role(world.staff) == HubRole.STAFF
    assert _hub_role(world.tutor.person) == ""


def test_an_admin_of_another_hub_cannot_grant_roles_here(scoped):
    world = scoped
    with pytest.raises(PermissionDenied):
        services.set_hub_role(world.tutor.person, HubRole.ADMIN, world.other_staff.user)


def test_nobody_changes_their_own_hub_role(scoped):
    world = scoped
    factories.PersonFactory(hub=world.hub, hub_role="admin")
    with pytest.raises(ValidationError):
        services.set_hub_role(world.admin, HubRole.STAFF, world.admin.user)
    assert _hub_role(world.admin) == HubRole.ADMIN


def test_a_hub_keeps_at_least_one_admin(scoped):
    world = scoped
    with pytest.raises(ValidationError):
        services.set_hub_role(world.admin, HubRole.NONE, None)
    assert _hub_role(world.admin) == HubRole.ADMIN


def test_an_admin_grants_changes_and_removes_hub_roles_with_timeline_entries(scoped):
    world = scoped
    person = world.tutor.person
    services.set_hub_role(person, HubRole.STAFF, world.admin.user)
    services.set_hub_role(person, HubRole.ADMIN, world.admin.user)
    services.set_hub_role(person, HubRole.NONE, world.admin.user)
    summaries = list(PersonChange.objects.filter(person=person).order_by("id").values_list("summary", "actor", "school"))
    assert summaries == [
        ("Hub role changed from None to Hub staff", world.admin.user.pk, None),
        ("Hub role changed from Hub staff to Hub admin", world.admin.user.pk, None),
        ("Hub role changed from Hub admin to None", world.admin.user.pk, None),
    ]


def test_create_hub_still_makes_the_first_admin(db):
    call_command("create_hub", "east", "East Hub", "--admin-email", "first@east.example.org")
    with scopes_disabled():
        assert Person.objects.get(user__email="first@east.example.org").hub_role == HubRole.ADMIN


# --- The hub roles page ----------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("staff", 403), ("tutor", 404), ("mentor", 404)])
def test_only_hub_admins_reach_the_hub_roles_and_settings_pages(world, client, who, status):
    person = getattr(world, who)
    _sign_in(client, getattr(person, "person", person))
    assert client.get("/hub/roles/").status_code == status
    assert client.post("/hub/roles/", {"email": world.tutor.person.user.email, "hub_role": "admin"}).status_code == status
    assert client.post(f"/hub/roles/{world.tutor.person.code}/", {"hub_role": "admin"}).status_code == status
    assert client.get("/hub/settings/").status_code == status
    assert client.post("/hub/settings/", {"name": "Renamed", "contact_email": ""}).status_code == status
    assert _hub_role(world.tutor.person) == ""
    world.hub.refresh_from_db()
    assert world.hub.name == "North Teaching School Hub"


def test_an_admin_lists_hub_roles_and_grants_one_by_e_mail(world, client):
    _sign_in(client, world.admin)
    body = client.get("/hub/roles/").content.decode()
    assert world.staff.user.email in body and world.admin.user.email in body
    assert world.tutor.person.user.email not in body
    assert f"/hub/roles/{world.admin.code}/" not in body

    response = client.post("/hub/roles/", {"email": world.tutor.person.user.email.upper(), "hub_role": "staff"})

    assert response.status_code == 302
    assert _hub_role(world.tutor.person) == HubRole.STAFF


def test_granting_a_hub_role_to_someone_outside_the_hub_is_refused_without_saying_who_they_are(world, client):
    _sign_in(client, world.admin)
    response = client.post("/hub/roles/", {"email": world.other_staff.user.email, "hub_role": "admin"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nobody in the hub has this e-mail address" in body
    assert str(world.other_staff) not in body
    with scopes_disabled():
        assert not Person.objects.filter(hub=world.hub, user=world.other_staff.user).exists()


def test_an_admin_changes_and_removes_a_hub_role(world, client):
    _sign_in(client, world.admin)
    assert client.get(f"/hub/roles/{world.staff.code}/").status_code == 200
    assert client.post(f"/hub/roles/{world.staff.code}/", {"hub_role": "admin"}).status_code == 302
    assert _hub_role(world.staff) == HubRole.ADMIN
    assert client.post(f"/hub/roles/{world.staff.code}/", {"hub_role": "none"}).status_code == 302
    assert _hub_role(world.staff) == ""
    body = client.get(f"/people/{world.staff.code}/").content.decode()
    assert "Hub role changed from Hub admin to None" in body


def test_an_admin_cannot_change_their_own_hub_role(world, client):
    _sign_in(client, world.admin)
    assert client.get(f"/hub/roles/{world.admin.code}/").status_code == 403
    assert client.post(f"/hub/roles/{world.admin.code}/", {"hub_role": "staff"}).status_code == 403
    assert _hub_role(world.admin) == HubRole.ADMIN


def test_a_bad_hub_role_re_renders_the_form(world, client):
    _sign_in(client, world.admin)
    response = client.post(f"/hub/roles/{world.staff.code}/", {"hub_role": "owner"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert _hub_role(world.staff) == HubRole.STAFF


def test_the_hub_roles_page_is_paginated(world, client):
    with scopes_disabled():
        for _ in range(30):
            factories.PersonFactory(hub=world.hub, hub_role="staff")
    _sign_in(client, world.admin)
    assert "Page 1 of 2" in client.get("/hub/roles/").content.decode()


# --- Inviting ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_hub_staff_cannot_invite_hub_staff_or_admins_themselves_included(world, client, role):
    _sign_in(client, world.staff)
    for email in (world.staff.user.email, "new@north.example.org"):
        response = client.post("/hub/invite/", {"role": role, "first_name": "A", "last_name": "B", "email": email})
        assert response.status_code == 200
    assert _hub_role(world.staff) == HubRole.STAFF
    with scopes_disabled():
        assert not Person.objects.filter(user__email="new@north.example.org").exists()
    body = client.get("/hub/invite/").content.decode()
    assert "Hub admin" not in body and 'value="staff"' not in body


def test_hub_staff_still_invite_induction_tutors(world, client):
    _sign_in(client, world.staff)
    response = client.post(
        "/hub/invite/",
        {"role": "induction_tutor", "school": world.school.pk, "first_name": "Ivy", "last_name": "Tutor", "email": "ivy@elm.example.org"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        assert Person.objects.get(user__email="ivy@elm.example.org").tutor_roles.filter(school=world.school).exists()


def test_an_admin_invites_hub_staff(world, client):
    _sign_in(client, world.admin)
    response = client.post("/hub/invite/", {"role": "staff", "first_name": "Sal", "last_name": "Staff", "email": "sal@north.example.org"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Person.objects.get(user__email="sal@north.example.org").hub_role == HubRole.STAFF


def test_an_admin_inviting_themselves_as_admin_changes_nothing(world, client):
    _sign_in(client, world.admin)
    client.post("/hub/invite/", {"role": "admin", "first_name": "A", "last_name": "B", "email": world.admin.user.email})
    assert _hub_role(world.admin) == HubRole.ADMIN


# --- Hub settings --------------------------------------------------------------------------------------


def test_an_admin_changes_the_hubs_name_and_contact_e_mail(world, client):
    _sign_in(client, world.admin)
    response = client.post("/hub/settings/", {"name": "North Hub", "contact_email": "ect@north.example.org"})
    assert response.status_code == 302
    world.hub.refresh_from_db()
    assert (world.hub.name, world.hub.contact_email) == ("North Hub", "ect@north.example.org")
    world.other_hub.refresh_from_db()
    assert world.other_hub.name == "South Teaching School Hub"


def test_bad_hub_settings_re_render_with_errors(world, client):
    _sign_in(client, world.admin)
    response = client.post("/hub/settings/", {"name": "", "contact_email": "not-an-address"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "This field is required" in body and "Enter a valid email address" in body
    world.hub.refresh_from_db()
    assert world.hub.name == "North Teaching School Hub"


def test_existing_timeline_entries_get_the_school_their_wording_names(world):
    from importlib import import_module

    from django.apps import apps

    fill_schools = import_module("participants.migrations.0003_person_change_school").fill_schools
    with scopes_disabled():
        mentor, ect = world.sibling_mentor.person, world.sibling_ect.person
        rows = {
            "role": PersonChange.objects.create(hub=world.hub, person=mentor, summary="Became mentor at Oak Academy from 01 Sep 2024"),
            "ect": PersonChange.objects.create(hub=world.hub, person=ect, summary="Status changed from active to paused on 05 Jan 2026"),
            "mentoring": PersonChange.objects.create(hub=world.hub, person=mentor, summary=f"Started mentoring {ect} on 01 Sep 2024"),
            "account": PersonChange.objects.create(hub=world.hub, person=mentor, summary="E-mail changed from a@x.org to b@x.org"),
        }
        fill_schools(apps, None)
        schools = {name: PersonChange.objects.get(pk=row.pk).school for name, row in rows.items()}
    assert schools == {"role": world.sibling_school, "ect": world.sibling_school, "mentoring": world.sibling_school, "account": None}


def test_inviting_the_same_person_twice_in_a_row_is_refused_clearly_and_sends_one_e_mail(world, client):
    """The invite page is a way to send set-up e-mails too: it keeps the per-person limit."""
    _sign_in(client, world.staff)
    data = {"role": "induction_tutor", "school": world.school.pk, "first_name": "Ivy", "last_name": "Tutor", "email": "ivy@elm.example.org"}
    assert client.post("/hub/invite/", data).status_code == 302

    again = client.post("/hub/invite/", {**data, "school": world.sibling_school.pk})

    assert again.status_code == 200
    assert "another can be sent from" in again.content.decode()
    with scopes_disabled():
        ivy = Person.objects.get(user__email="ivy@elm.example.org")
        assert Invitation.objects.filter(person=ivy).count() == 1
        assert not ivy.tutor_roles.filter(school=world.sibling_school).exists()  # nothing half done
