"""Transfers inside a hub: an ECT who moves school keeps one record and one history (dated school periods)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from participants import services
from participants.models import ECT, ECTAtSchool, ECTStatus, MentorAssignment, PersonChange
from schools.scoping import hub_scope
from tests import csv_imports, factories
from tests.participants.test_imports import HEADER, row

D = datetime.date
MOVE = D(2026, 1, 5)


def schools(ect):
    return [(p.school, p.started_on, p.finished_on) for p in ECTAtSchool.objects.filter(ect=ect).order_by("started_on", "id")]


def timeline(person, school):
    return list(PersonChange.objects.filter(person=person, school=school).order_by("id").values_list("summary", flat=True))


# --- The service ---------------------------------------------------------------------------------


def test_a_transfer_is_dated_and_keeps_one_record_and_one_history(world, unscoped):
    ect, old, new = world.ect, world.school, world.sibling_school
    with hub_scope(world.hub):
        services.transfer_ect(ect, new, world.staff.user, on=MOVE, new_mentor=world.sibling_mentor)

    ect.refresh_from_db()
    assert ect.school == new
    assert ECT.objects.filter(person=ect.person).count() == 1
    assert schools(ect) == [(old, D(2025, 9, 3), MOVE), (new, MOVE, None)]
    assert [(a.mentor, a.started_on, a.finished_on) for a in MentorAssignment.objects.filter(ect=ect).order_by("id")] == [
        (world.mentor, D(2025, 9, 3), MOVE),
        (world.sibling_mentor, MOVE, None),
    ]
    assert "Moved from Elm Primary to another school of the hub on 5 Jan 2026" in timeline(ect.person, old)
    assert "Moved to Oak Academy from another school of the hub on 5 Jan 2026" in timeline(ect.person, new)
    assert "Mentor changed" not in " ".join(timeline(ect.person, old))
    assert any(entry.startswith(f"Mentor set to {world.sibling_mentor.person}") for entry in timeline(ect.person, new))
    assert timeline(world.mentor.person, old) == [f"Stopped mentoring {ect.person} on 5 Jan 2026: they moved school"]
    assert ECTStatus.objects.get(ect=ect).status == "active"  # the status history is untouched


def test_a_transfer_without_a_new_mentor_leaves_them_without_one(world, unscoped):
    with hub_scope(world.hub):
        services.transfer_ect(world.ect, world.sibling_school, None, on=MOVE)
        assert services.current_mentor_assignment(world.ect) is None


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (timezone.localdate() + datetime.timedelta(days=1), "cannot be dated in the future"),
        (D(2025, 9, 2), "cannot be before Ada Lovelace started at Elm Primary (3 Sep 2025)"),
    ],
)
def test_a_transfer_never_rewrites_history(world, unscoped, on, message):
    world.ect.person.first_name, world.ect.person.last_name = "Ada", "Lovelace"
    with hub_scope(world.hub), pytest.raises(ValidationError) as raised:
        services.transfer_ect(world.ect, world.sibling_school, None, on=on)
    assert message in " ".join(raised.value.messages)
    assert schools(world.ect) == [(world.school, D(2025, 9, 3), None)]


def test_a_second_transfer_cannot_predate_the_first(world, unscoped):
    with hub_scope(world.hub):
        services.transfer_ect(world.ect, world.sibling_school, None, on=MOVE)
        with pytest.raises(ValidationError, match="cannot be before"):
            services.transfer_ect(world.ect, world.school, None, on=MOVE - datetime.timedelta(days=1))


def test_the_new_mentor_must_be_at_the_new_school(world, unscoped):
    with hub_scope(world.hub), pytest.raises(ValidationError, match="must be at the ECT's school"):
        services.transfer_ect(world.ect, world.sibling_school, None, on=MOVE, new_mentor=world.mentor)
    world.ect.refresh_from_db()
    assert world.ect.school == world.school
    assert services.current_mentor_assignment(world.ect).mentor == world.mentor  # nothing half-done


def test_nobody_moves_to_their_own_school_or_after_leaving(world, unscoped):
    with hub_scope(world.hub):
        with pytest.raises(ValidationError, match="already at Elm Primary"):
            services.transfer_ect(world.ect, world.school, None, on=MOVE)
        services.change_ect_status(world.ect, "left", None, on=MOVE)
        with pytest.raises(ValidationError, match="register them at the new school instead"):
            services.transfer_ect(world.ect, world.sibling_school, None, on=MOVE)


# --- Re-registering someone who left -----------------------------------------------------------


ADD_ECT = {"role": "ect", "first_name": "Any", "last_name": "Name", "programme": "ecte2025", "cohort_start_year": "2026"}


def test_registering_a_leaver_at_another_school_is_a_transfer(world, client, unscoped):
    ect = world.sibling_ect
    with hub_scope(world.hub):
        services.change_ect_status(ect, "left", None, on=D(2025, 12, 19))
    client.force_login(world.tutor.person.user)

    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        ADD_ECT | {"email": ect.person.user.email, "start_date": MOVE.isoformat(), "mentor": world.mentor.pk},
    )

    assert response.status_code == 302
    assert ECT.objects.filter(person=ect.person).count() == 1
    ect.refresh_from_db()
    assert ect.school == world.school
    assert (ect.programme, ect.cohort_start_year) == ("ecte2025", 2025)  # the record's own, not the form's
    assert schools(ect) == [(world.sibling_school, D(2025, 9, 3), MOVE), (world.school, MOVE, None)]
    assert [(s.status, s.started_on) for s in ECTStatus.objects.filter(ect=ect).order_by("started_on", "id")] == [
        ("active", D(2025, 9, 3)), ("left", D(2025, 12, 19)), ("active", MOVE),
    ]
    assert services.current_mentor_assignment(ect).mentor == world.mentor
    assert "Oak Academy" not in client.get(f"/people/{ect.person.code}/").content.decode()


def test_an_active_ect_at_another_school_is_still_refused_without_saying_where(world, client, unscoped):
    client.force_login(world.tutor.person.user)
    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        ADD_ECT | {"email": world.sibling_ect.person.user.email, "start_date": MOVE.isoformat()},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "already registered as an ECT in this hub" in body and "Oak Academy" not in body
    assert schools(world.sibling_ect) == [(world.sibling_school, D(2025, 9, 3), None)]


def test_a_leaver_registered_from_before_they_left_is_refused_on_the_form(world, client, unscoped):
    with hub_scope(world.hub):
        services.change_ect_status(world.sibling_ect, "left", None, on=MOVE)
    client.force_login(world.tutor.person.user)
    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        ADD_ECT | {"email": world.sibling_ect.person.user.email, "start_date": "2025-12-01"},
    )
    assert response.status_code == 200
    assert "cannot be before" in response.content.decode()
    world.sibling_ect.refresh_from_db()
    assert world.sibling_ect.school == world.sibling_school


def _import(tmp_path, rows):
    return csv_imports.run_import("import_registrations", csv_imports.write_csv(tmp_path, rows, HEADER))


def _ect_row(world, ect, school, start):
    return row(
        school_urn=school.urn, school_name=school.name, email=ect.person.user.email,
        first_name=ect.person.first_name, last_name=ect.person.last_name, start_date=start.isoformat(), fte="0.6",
    )


def test_importing_a_leaver_at_another_school_is_a_transfer(world, tmp_path, unscoped):
    ect = world.sibling_ect
    with hub_scope(world.hub):
        services.change_ect_status(ect, "left", None, on=D(2025, 12, 19))

    stdout, _ = _import(tmp_path, [_ect_row(world, ect, world.school, MOVE)])

    assert "ECTs transferred: 1" in stdout and "ECTs added: 0" in stdout
    ect.refresh_from_db()
    assert (ect.school, str(ect.fte)) == (world.school, "0.60")
    assert schools(ect) == [(world.sibling_school, D(2025, 9, 3), MOVE), (world.school, MOVE, None)]
    assert services.current_status(ect).status == "active"
    again, _ = _import(tmp_path, [_ect_row(world, ect, world.school, MOVE)])
    assert "unchanged rows: 1" in again


def test_an_old_file_never_moves_an_ect_back(world, tmp_path, unscoped):
    ect = world.sibling_ect
    old_row = _ect_row(world, ect, world.sibling_school, D(2025, 9, 3))
    with hub_scope(world.hub):
        services.transfer_ect(ect, world.school, None, on=MOVE)

    stdout, _ = _import(tmp_path, [old_row])

    assert f"{ect.person.user.email} moved from Oak Academy on 5 Jan 2026; row not applied" in stdout
    ect.refresh_from_db()
    assert ect.school == world.school


def test_an_old_file_never_brings_back_a_leaver_to_where_they_were(world, tmp_path, unscoped):
    ect = world.sibling_ect
    with hub_scope(world.hub):
        services.change_ect_status(ect, "left", None, on=MOVE)

    stdout, _ = _import(tmp_path, [_ect_row(world, ect, world.school, D(2025, 9, 3))])

    assert "has left; row not applied" in stdout
    ect.refresh_from_db()
    assert ect.school == world.sibling_school


def test_importing_a_current_ect_at_another_school_is_an_error(world, tmp_path, unscoped):
    rows = [_ect_row(world, world.sibling_ect, world.school, MOVE)]
    errors, _ = csv_imports.run_failing_import("import_registrations", csv_imports.write_csv(tmp_path, rows, HEADER))
    assert any("hub staff transfer a current ECT on their page" in line for line in errors)


# --- The transfer page ------------------------------------------------------------------------------


def test_hub_staff_transfer_an_ect_from_their_page(world, client, unscoped):
    client.force_login(world.staff.user)
    page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert f"/ects/{world.ect.code}/transfer/" in page

    form = client.get(f"/ects/{world.ect.code}/transfer/").content.decode()
    assert "Oak Academy" in form and f"{world.sibling_mentor.person} (Oak Academy)" in form
    response = client.post(
        f"/ects/{world.ect.code}/transfer/",
        {"school": world.sibling_school.pk, "on": MOVE.isoformat(), "mentor": world.sibling_mentor.pk},
    )

    assert response.status_code == 302
    world.ect.refresh_from_db()
    assert world.ect.school == world.sibling_school
    page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert "Elm Primary from 3 Sep 2025 until 5 Jan 2026" in page and "Oak Academy from 5 Jan 2026 (current)" in page


def test_the_transfer_form_reshows_with_errors_and_changes_nothing(world, client, unscoped):
    client.force_login(world.staff.user)
    url = f"/ects/{world.ect.code}/transfer/"
    future = timezone.localdate() + datetime.timedelta(days=3)

    wrong_mentor = client.post(url, {"school": world.sibling_school.pk, "on": MOVE.isoformat(), "mentor": world.mentor.pk})
    too_early = client.post(url, {"school": world.sibling_school.pk, "on": "2025-01-01"})
    too_late = client.post(url, {"school": world.sibling_school.pk, "on": future.isoformat()})
    no_school = client.post(url, {"on": MOVE.isoformat()})

    assert wrong_mentor.status_code == 200  # Elm's mentor is not even offered: Elm is the current school
    assert "Select a valid choice" in wrong_mentor.content.decode()
    assert "cannot be before" in too_early.content.decode()
    assert "cannot be in the future" in too_late.content.decode()
    assert "This field is required" in no_school.content.decode()
    assert schools(world.ect) == [(world.school, D(2025, 9, 3), None)]


def test_a_mentor_at_a_school_other_than_the_chosen_one_is_refused(world, client, unscoped):
    third = factories.SchoolFactory(hub=world.hub, name="Ash Juniors")
    client.force_login(world.staff.user)
    response = client.post(
        f"/ects/{world.ect.code}/transfer/", {"school": third.pk, "on": MOVE.isoformat(), "mentor": world.sibling_mentor.pk}
    )
    assert "Choose a mentor at Ash Juniors" in response.content.decode()
    world.ect.refresh_from_db()
    assert world.ect.school == world.school


@pytest.mark.parametrize(("who", "status"), [("tutor", 403), ("mentor", 403), ("ect", 403), ("sibling_tutor", 404)])
def test_only_hub_staff_transfer(world, client, who, status):
    with scopes_disabled():
        user = getattr(world, who).person.user
    client.force_login(user)
    assert client.get(f"/ects/{world.ect.code}/transfer/").status_code == status
    assert client.post(f"/ects/{world.ect.code}/transfer/", {"school": world.sibling_school.pk, "on": MOVE.isoformat()}).status_code == status
    with scopes_disabled():
        assert ECT.objects.get(pk=world.ect.pk).school == world.school
        body = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert "/transfer/" not in body


def test_hub_staff_of_another_hub_get_a_404(world, client):
    client.force_login(world.other_staff.user)
    assert client.get(f"/ects/{world.ect.code}/transfer/").status_code == 404


def test_correcting_the_induction_start_moves_the_first_school_period_with_it(world, unscoped):
    with hub_scope(world.hub):
        services.update_ect(world.ect, None, induction_start_date=D(2025, 9, 1))
    assert schools(world.ect) == [(world.school, D(2025, 9, 1), None)]

