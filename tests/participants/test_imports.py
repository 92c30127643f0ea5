"""`manage.py import_registrations`: all or nothing, idempotent, every problem named by line and column."""

import datetime
from decimal import Decimal

import pytest
from django.core.management.base import CommandError
from django.utils import timezone
from django_scopes import scopes_disabled

from participants import services
from participants.models import (
    ECT,
    ECTStatus,
    InductionTutor,
    Invitation,
    Mentor,
    MentorAssignment,
    Person,
    PersonChange,
    User,
)
from schools.models import School
from tests import csv_imports

D = datetime.date
HEADER = [
    "school_urn",
    "school_name",
    "role",
    "first_name",
    "last_name",
    "email",
    "programme",
    "cohort_start",
    "start_date",
    "mentor_email",
    "fte",
]
NEW_URN = "654321"


def staff_row(role, **values):
    """A mentor or induction tutor row (the ECT-only columns blank)."""
    return row(role=role, programme="", cohort_start="", **values)


def row(**values):
    defaults = {
        "school_urn": NEW_URN,
        "school_name": "Ash Juniors",
        "role": "ect",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@ash.example.org",
        "programme": "ecte2025",
        "cohort_start": "2025",
        "start_date": "2025-09-03",
        "mentor_email": "",
        "fte": "",
    }
    return defaults | values


def good_rows(world):
    """A new school whose mentor comes after the ECT naming them, and an ECT at a school of the hub."""
    return [
        row(email="ada@ash.example.org", mentor_email="grace@ash.example.org", fte="0.8"),
        staff_row("mentor", first_name="Grace", last_name="Hopper", email="grace@ash.example.org", start_date="2025-09-01"),
        staff_row("induction_tutor", first_name="Alan", last_name="Turing", email="alan@ash.example.org", start_date=""),
        row(
            school_urn=world.school.urn,
            school_name=world.school.name,
            first_name="Katherine",
            last_name="Johnson",
            email="katherine@elm.example.org",
            programme="ecf2021",
            cohort_start="2024",
            start_date="2024-09-02",
            mentor_email="MENTOR@elm.example.org",
        ),
    ]


def write_csv(tmp_path, rows, header=HEADER, name="registrations.csv", encoding="utf-8"):
    return csv_imports.write_csv(tmp_path, rows, header, name, encoding)


def run(path, *args, hub="north"):
    return csv_imports.run_import("import_registrations", path, *args, hub=hub)


def run_failing(path, *args, hub="north"):
    return csv_imports.run_failing_import("import_registrations", path, *args, hub=hub)


def counts():
    with scopes_disabled():
        models = (User, School, Person, ECT, ECTStatus, Mentor, InductionTutor, MentorAssignment, PersonChange, Invitation)
        return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def good_file(world, tmp_path):
    return write_csv(tmp_path, good_rows(world))


def test_a_good_file_creates_the_school_people_roles_and_mentor_links(world, good_file, unscoped):
    stdout, stderr = run(good_file)

    assert stderr == ""
    for line in ("schools created: 1", "people created: 4", "ECTs added: 2", "mentors added: 1"):
        assert line in stdout
    for line in ("induction tutors added: 1", "mentors assigned: 2", "mentor changes: 0", "unchanged rows: 0"):
        assert line in stdout
    school = School.objects.get(hub=world.hub, urn=NEW_URN)
    assert school.name == "Ash Juniors"
    ada = ECT.objects.get(person__user__email="ada@ash.example.org")
    assert (ada.school, ada.programme, ada.cohort_start_year, ada.induction_start_date, ada.fte) == (
        school,
        "ecte2025",
        2025,
        D(2025, 9, 3),
        Decimal("0.80"),
    )
    assert ada.person.full_name == "Ada Lovelace"
    assert services.current_mentor_assignment(ada).mentor.person.user.email == "grace@ash.example.org"
    assert services.current_mentor_assignment(ada).started_on == D(2025, 9, 3)
    assert Mentor.objects.get(school=school).started_on == D(2025, 9, 1)
    assert InductionTutor.objects.get(school=school).started_on == timezone.localdate()
    katherine = ECT.objects.get(person__user__email="katherine@elm.example.org")
    assert (katherine.school, katherine.programme, katherine.fte) == (world.school, "ecf2021", Decimal("1.00"))
    assert services.current_mentor_assignment(katherine).mentor == world.mentor
    assert [c.summary for c in ada.person.changes.order_by("id")] == [
        "Added to North Teaching School Hub",
        "Registered as an ECT at Ash Juniors (ECTE 2025–27, cohort 2025, starting 3 Sep 2025, FTE 0.80)",
        "Mentor set to Grace Hopper from 3 Sep 2025",
    ]


def test_reimporting_the_same_file_changes_nothing(world, good_file):
    run(good_file)
    before = counts()

    stdout, _ = run(good_file)

    assert counts() == before
    assert "unchanged rows: 4" in stdout
    assert "people created: 0" in stdout


def test_a_mentor_row_after_the_ect_row_naming_them_is_found(world, tmp_path, unscoped):
    ect_row, mentor_row = good_rows(world)[:2]
    run(write_csv(tmp_path, [ect_row, mentor_row]))

    ada = ECT.objects.get(person__user__email="ada@ash.example.org")
    assert services.current_mentor_assignment(ada).mentor.person.user.email == "grace@ash.example.org"


def test_a_new_mentor_email_on_reimport_is_a_mentor_change_from_today(world, good_file, tmp_path, unscoped):
    run(good_file)
    rows = good_rows(world)
    rows[0]["mentor_email"] = "hedy@ash.example.org"
    rows.append(staff_row("mentor", first_name="Hedy", last_name="Lamarr", email="hedy@ash.example.org"))

    stdout, _ = run(write_csv(tmp_path, rows, name="again.csv"))

    today = timezone.localdate()
    assert "mentor changes: 1" in stdout
    assert "mentors added: 1" in stdout
    ada = ECT.objects.get(person__user__email="ada@ash.example.org")
    assignments = MentorAssignment.objects.filter(ect=ada).order_by("id")
    history = [(a.mentor.person.user.email, a.started_on, a.finished_on) for a in assignments]
    assert history == [("grace@ash.example.org", D(2025, 9, 3), today), ("hedy@ash.example.org", today, None)]
    assert ada.person.changes.first().summary == f"Mentor changed from Grace Hopper to Hedy Lamarr on {today:%-d %b %Y}"


def test_a_first_mentor_for_an_existing_unmentored_ect_starts_on_the_rows_start_date(world, tmp_path, unscoped):
    ect_row = row(
        school_urn=world.school.urn,
        school_name=world.school.name,
        email=world.unmentored_ect.person.user.email,
        start_date="2025-09-03",
        mentor_email=world.mentor.person.user.email,
    )
    run(write_csv(tmp_path, [ect_row]))

    assert services.current_mentor_assignment(world.unmentored_ect).started_on == D(2025, 9, 3)


def test_changed_programme_cohort_and_fte_update_the_ect_on_its_timeline(world, tmp_path, unscoped):
    ect_row = row(
        school_urn=world.school.urn,
        school_name=world.school.name,
        email=world.ect.person.user.email,
        programme="ecf2021",
        cohort_start="2024",
        start_date="2025-09-03",
        mentor_email=world.mentor.person.user.email,
        fte="0.5",
    )
    stdout, _ = run(write_csv(tmp_path, [ect_row]))

    world.ect.refresh_from_db()
    assert (world.ect.programme, world.ect.cohort_start_year, world.ect.fte) == ("ecf2021", 2024, Decimal("0.50"))
    assert "ECTs updated: 1" in stdout
    summaries = {c.summary.lower() for c in world.ect.person.changes.all()}
    assert summaries == {
        "programme changed from ecte2025 to ecf2021",
        "cohort changed from 2025 to 2024",
        "fte changed from 1.00 to 0.50",
    }


def test_a_person_already_in_another_hub_keeps_their_one_account(world, tmp_path, unscoped):
    south_admin = world.other_staff.user
    name_before = south_admin.full_name
    tutor_row = staff_row("induction_tutor", first_name="Other", last_name="Name", email="Admin@South.example.org")
    users_before = User.objects.count()

    run(write_csv(tmp_path, [tutor_row]))

    assert User.objects.count() == users_before
    person = Person.objects.get(hub=world.hub, user=south_admin)
    assert InductionTutor.objects.get(person=person).school.urn == NEW_URN
    assert (person.full_name, person.is_confirmed) == ("Other Name", False)
    south_admin.refresh_from_db()
    assert south_admin.full_name == name_before


def test_a_known_urn_keeps_its_name_in_the_hub_and_says_so(world, tmp_path, unscoped):
    tutor_row = staff_row("induction_tutor", school_urn=world.school.urn, school_name="Elm Primary School")
    stdout, _ = run(write_csv(tmp_path, [tutor_row]))

    assert School.objects.get(pk=world.school.pk).name == "Elm Primary"
    assert f"note: line 2: school_name: URN {world.school.urn} is Elm Primary in the hub; name kept" in stdout


def test_dry_run_reports_what_would_happen_and_writes_nothing(world, good_file):
    before = counts()

    stdout, _ = run(good_file, "--dry-run")

    assert counts() == before
    assert "Dry run, nothing written" in stdout
    assert "ECTs added: 2" in stdout


def test_a_utf8_byte_order_mark_and_columns_in_any_order_are_accepted(world, tmp_path, unscoped):
    header = list(reversed(HEADER)) + ["notes"]
    path = write_csv(tmp_path, [row(first_name="Zoë")], header=header, encoding="utf-8-sig")

    stdout, _ = run(path)

    assert "note: line 1: notes: unknown column ignored" in stdout
    assert User.objects.get(email="ada@ash.example.org").first_name == "Zoë"


BAD_ROWS = {
    "unknown role": ({"role": "teacher"}, "role: unknown role 'teacher'"),
    "bad e-mail": ({"email": "ada.example.org"}, "email: 'ada.example.org' is not a valid e-mail address"),
    "impossible date": ({"start_date": "2025-02-30"}, "start_date: '2025-02-30' is not a date written YYYY-MM-DD"),
    "date not ISO": ({"start_date": "03/09/2025"}, "start_date: '03/09/2025' is not a date"),
    "missing ECT start date": ({"start_date": ""}, "start_date: required for an ECT"),
    "unknown programme": ({"programme": "ecf2020"}, "programme: unknown programme 'ecf2020'"),
    "cohort too early": ({"cohort_start": "2019"}, "cohort_start: '2019' is not a year"),
    "cohort not a number": ({"cohort_start": "next year"}, "cohort_start: 'next year' is not a year"),
    "fte too high": ({"fte": "1.5"}, "fte: '1.5' is not a number from 0.1 to 1.0"),
    "fte zero": ({"fte": "0"}, "fte: '0' is not a number"),
    "fte not a number": ({"fte": "full"}, "fte: 'full' is not a number"),
    "fte too precise": ({"fte": "0.333"}, "fte: '0.333' is not a number"),
    "mentor nowhere": ({"mentor_email": "nobody@ash.example.org"}, "mentor_email: nobody@ash.example.org is not a mentor"),
    "bad urn": ({"school_urn": "12AB"}, "school_urn: A URN is 6 or 7 digits."),
    "missing name": ({"last_name": ""}, "last_name: required"),
    "ect mentoring themselves": ({"mentor_email": "ada@ash.example.org"}, "mentor_email: an ECT cannot mentor themselves"),
}


@pytest.mark.parametrize("values, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_one_bad_row_imports_nothing_and_names_its_line_and_column(world, tmp_path, values, message):
    rows = good_rows(world)[1:] + [row(**values)]
    path = write_csv(tmp_path, rows)
    before = counts()

    errors, summary = run_failing(path)

    assert counts() == before
    assert len(errors) == 1
    assert errors[0].startswith(f"line 5: {message}")
    assert "nothing was imported" in summary


def test_every_problem_in_the_file_is_listed(world, tmp_path):
    rows = [
        row(role="teacher"),
        row(email="x@ash.example.org", fte="2", cohort_start="1999"),
        row(email="y@ash.example.org", mentor_email="z@ash.example.org"),
    ]
    before = counts()

    errors, summary = run_failing(write_csv(tmp_path, rows))

    assert counts() == before
    assert [error.split(":", 2)[:2] for error in errors] == [
        ["line 2", " role"],
        ["line 3", " cohort_start"],
        ["line 3", " fte"],
        ["line 4", " mentor_email"],
    ]
    assert summary.startswith("4 problem(s)")


def test_a_mentor_at_another_school_of_the_hub_is_not_the_ects_mentor(world, tmp_path):
    ect_row = row(school_urn=world.school.urn, school_name=world.school.name, mentor_email=world.sibling_mentor.person.user.email)

    errors, _ = run_failing(write_csv(tmp_path, [ect_row]))

    email = world.sibling_mentor.person.user.email
    assert errors == [
        f"line 2: mentor_email: {email} is not a mentor at URN {world.school.urn}, in the hub or on a mentor row of the file"
    ]


def test_an_ect_cannot_also_be_listed_as_a_mentor(world, tmp_path):
    rows = good_rows(world) + [staff_row("mentor", email="ADA@ash.example.org")]
    before = counts()

    errors, _ = run_failing(write_csv(tmp_path, rows))

    assert counts() == before
    assert errors == ["line 6: email: ada@ash.example.org is listed as an ECT on line 2; an ECT is listed once and has no other role"]


def test_one_urn_with_two_names_in_the_file_is_a_problem(world, tmp_path):
    rows = good_rows(world) + [staff_row("mentor", school_name="Ash Infants", email="new@ash.example.org")]

    errors, _ = run_failing(write_csv(tmp_path, rows))

    assert errors == [f"line 6: school_name: differs from line 2 for URN {NEW_URN}"]


def test_an_ect_registered_at_another_school_of_the_hub_is_not_moved(world, tmp_path):
    ect_row = row(email=world.ect.person.user.email)

    errors, _ = run_failing(write_csv(tmp_path, [ect_row]))

    assert errors[0].startswith("line 2: school_urn: ect@elm.example.org is an ECT at Elm Primary")


def test_a_row_with_missing_fields_is_a_problem(world, tmp_path):
    path = write_csv(tmp_path, good_rows(world))
    path.write_text(path.read_text() + "654321,Ash Juniors,mentor\n")

    errors, _ = run_failing(path)

    assert errors == ["line 6: row: has 3 fields but the header has 11"]


def test_a_file_that_is_not_utf8_imports_nothing(world, tmp_path):
    rows = good_rows(world) + [row(first_name="Zoë", email="zoe@ash.example.org")]
    path = write_csv(tmp_path, rows, encoding="latin-1")
    before = counts()

    errors, _ = run_failing(path)

    assert counts() == before
    assert len(errors) == 1
    assert errors[0].startswith("line 6: file: the file is not UTF-8 text (byte 0xeb")


def test_a_missing_column_is_reported_on_line_1(world, tmp_path):
    header = [column for column in HEADER if column not in ("fte", "mentor_email")]
    before = counts()

    errors, _ = run_failing(write_csv(tmp_path, good_rows(world), header=header))

    assert counts() == before
    assert errors == ["line 1: mentor_email: missing column", "line 1: fte: missing column"]


def test_an_empty_file_is_a_problem(world, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    errors, _ = run_failing(path)

    assert errors == ["line 1: file: the file is empty"]


def test_a_header_without_rows_is_a_problem(world, tmp_path):
    errors, _ = run_failing(write_csv(tmp_path, []))

    assert errors == ["line 2: file: the file has a header but no registrations"]


def test_an_unknown_hub_is_a_clear_error(world, good_file):
    before = counts()

    with pytest.raises(CommandError, match="No hub with the slug 'west'"):
        run(good_file, hub="west")

    assert counts() == before


def test_a_service_refusing_a_change_rolls_back_the_whole_file(world, tmp_path, unscoped):
    world.assignment.started_on = D(2999, 1, 1)
    world.assignment.save()
    rows = good_rows(world)[:3] + [
        row(
            school_urn=world.school.urn,
            school_name=world.school.name,
            email=world.ect.person.user.email,
            mentor_email=world.mentor.person.user.email,
        ),
        staff_row("mentor", school_urn=world.school.urn, school_name=world.school.name, email="second@elm.example.org"),
    ]
    rows[3]["mentor_email"] = "second@elm.example.org"
    before = counts()

    errors, _ = run_failing(write_csv(tmp_path, rows))

    assert counts() == before
    assert errors == ["line 5: start_date: The date cannot be before the current mentor started (1 Jan 2999)."]


def test_an_ect_who_has_left_is_not_given_a_mentor_again(world, tmp_path, unscoped):
    services.change_ect_status(world.ect, "left", actor=None, on=D(2026, 1, 5))
    ect_row = row(
        school_urn=world.school.urn,
        school_name=world.school.name,
        email=world.ect.person.user.email,
        mentor_email=world.mentor.person.user.email,
    )
    before = counts()

    stdout, _ = run(write_csv(tmp_path, [ect_row]))

    assert counts() == before
    assert "note: line 2: email: ect@elm.example.org has left; row not applied" in stdout


def test_line_numbers_are_physical_lines_of_the_file(world, tmp_path):
    header = HEADER + ["notes"]
    rows = [row(notes="first line\nsecond line"), row(email="grace@ash.example.org", role="teacher")]

    errors, _ = run_failing(write_csv(tmp_path, rows, header=header))

    assert errors == ["line 4: role: unknown role 'teacher'; expected one of ect, mentor, induction_tutor"]


def test_reimporting_an_old_file_does_not_reopen_an_ended_mentor_role(world, good_file, unscoped):
    run(good_file)
    grace = Mentor.objects.get(person__user__email="grace@ash.example.org")
    services.finish_school_role(grace, actor=None, on=timezone.localdate())
    before = counts()

    stdout, _ = run(good_file)

    assert counts() == before
    assert not Mentor.objects.filter(person=grace.person, finished_on__isnull=True).exists()
    assert "stopped being mentor at Ash Juniors" in stdout
    assert "not re-opened" in stdout


def test_a_mentor_row_starting_after_the_old_role_ended_is_a_new_role(world, tmp_path, unscoped):
    mentor_row = staff_row("mentor", first_name="Grace", last_name="Hopper", email="grace@ash.example.org", start_date="2025-09-03")
    run(write_csv(tmp_path, [mentor_row]))
    grace = Mentor.objects.get(person__user__email="grace@ash.example.org")
    services.finish_school_role(grace, actor=None, on=D(2025, 12, 1))

    mentor_row["start_date"] = "2026-01-05"
    stdout, _ = run(write_csv(tmp_path, [mentor_row], name="later.csv"))

    roles = Mentor.objects.filter(person=grace.person).order_by("started_on")
    assert [(r.started_on, r.finished_on) for r in roles] == [(D(2025, 9, 3), D(2025, 12, 1)), (D(2026, 1, 5), None)]
    assert "mentors added: 1" in stdout


def test_reimporting_an_old_file_does_not_give_an_ect_back_a_mentor_who_stopped(world, tmp_path, unscoped):
    ect_row = row(
        school_urn=world.school.urn,
        school_name=world.school.name,
        email=world.ect.person.user.email,
        mentor_email=world.mentor.person.user.email,
    )
    services.change_mentor(world.ect, None, actor=None, on=timezone.localdate())
    before = counts()

    stdout, _ = run(write_csv(tmp_path, [ect_row]))

    assert counts() == before
    assert services.current_mentor_assignment(world.ect) is None
    assert f"{world.mentor.person.user.email} stopped mentoring {world.ect.person.user.email} before; not re-opened" in stdout


def test_a_nul_byte_is_reported_by_line_and_nothing_is_written(world, tmp_path):
    path = write_csv(tmp_path, [row(), row(email="grace@ash.example.org", first_name="Gr\x00ace")])
    before = counts()
    errors, message = run_failing(path)
    assert errors == ["line 3: row: contains a NUL character (a zero byte); remove it and import again"]
    assert "nothing was imported" in message
    assert counts() == before
