"""`manage.py import_activity`: study, observations and feedback from the learning platform;
all or nothing, idempotent, every problem named by line and column."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django_scopes import scopes_disabled

from engagement import coaching
from engagement.imports import import_activity
from engagement.models import CoachingCycle, Source, StudyRecord
from schools.scoping import hub_scope
from tests import csv_imports, factories

D = datetime.date
HEADER = ["email", "activity", "date", "subject_email", "module_code"]
ECT = "ect@elm.example.org"
MENTOR = "mentor@elm.example.org"


def study(module_code, date, email=ECT):
    return {"email": email, "activity": "study", "date": date, "module_code": module_code}


def observation(date, email=MENTOR, subject_email=ECT):
    return {"email": email, "activity": "observation", "date": date, "subject_email": subject_email}


def feedback(date, email=MENTOR, subject_email=ECT):
    return {"email": email, "activity": "feedback", "date": date, "subject_email": subject_email}


def good_rows():
    """Two modules, one full coaching cycle, feedback on the cycle entered in the browser, and
    a module by the ECT without a mentor."""
    return [
        study("ECTE-Y1-BEH01", "2025-09-10"),
        observation("2025-09-15"),
        feedback("2025-09-17"),
        study("ECTE-Y1-BEH02", "2025-09-24"),
        feedback("2025-10-03"),
        study("ecte-y1-beh01", "2025-09-12", email="ect2@elm.example.org"),
    ]


def write_csv(tmp_path, rows, header=HEADER, name="activity.csv", encoding="utf-8"):
    return csv_imports.write_csv(tmp_path, rows, header, name, encoding)


def run(path, *args, hub="north"):
    return csv_imports.run_import("import_activity", path, *args, hub=hub)


def run_failing(path, *args, hub="north"):
    return csv_imports.run_failing_import("import_activity", path, *args, hub=hub)


def snapshot():
    """Every study record and coaching cycle, as comparable values."""
    with scopes_disabled():
        return {
            "study": sorted(StudyRecord.objects.values_list("id", "ect_id", "module_id", "done_on", "source")),
            "cycles": sorted(
                CoachingCycle.objects.values_list("id", "ect_id", "mentor_id", "observed_on", "feedback_on", "source")
            ),
        }


@pytest.fixture
def north(world):
    """The world, with an observation the mentor entered in the browser on 1 October, no feedback yet."""
    with hub_scope(world.hub):
        world.web_cycle = coaching.record_observation(world.ect, world.mentor, observed_on=D(2025, 10, 1))
    return world


@pytest.fixture
def good_file(north, tmp_path):
    return write_csv(tmp_path, good_rows())


def test_a_good_file_records_study_observations_and_feedback(north, good_file, unscoped):
    stdout, stderr = run(good_file)

    assert stderr == ""
    for line in ("rows: 6", "study records added: 3", "observations added: 1", "feedback added: 2"):
        assert line in stdout
    assert "unchanged rows: 0" in stdout
    records = StudyRecord.objects.filter(ect=north.ect).order_by("done_on")
    assert [(r.module.code, r.done_on, r.source) for r in records] == [
        ("ECTE-Y1-BEH01", D(2025, 9, 10), Source.IMPORT),
        ("ECTE-Y1-BEH02", D(2025, 9, 24), Source.IMPORT),
    ]
    assert StudyRecord.objects.get(ect=north.unmentored_ect).module.code == "ECTE-Y1-BEH01"
    cycles = CoachingCycle.objects.filter(ect=north.ect).order_by("observed_on")
    assert [(c.mentor, c.observed_on, c.feedback_on, c.source, c.action_step) for c in cycles] == [
        (north.mentor, D(2025, 9, 15), D(2025, 9, 17), Source.IMPORT, ""),
        (north.mentor, D(2025, 10, 1), D(2025, 10, 3), Source.WEB, ""),
    ]


def test_reimporting_the_same_file_changes_nothing(north, good_file):
    run(good_file)
    before = snapshot()

    stdout, stderr = run(good_file)

    assert snapshot() == before
    assert stderr == ""
    assert "unchanged rows: 6" in stdout
    assert "study records added: 0" in stdout
    assert "feedback added: 0" in stdout


def test_the_import_function_returns_its_counts(north, good_file):
    result = import_activity(north.hub, good_file)

    assert result.ok
    counts = (result.study_records_added, result.observations_added, result.feedback_added, result.unchanged_rows)
    assert counts == (3, 1, 2, 0)


@pytest.mark.parametrize("feedback_first", [False, True], ids=["observation first", "feedback first"])
@pytest.mark.parametrize("feedback_on", ["2025-11-05", "2025-11-04"], ids=["later day", "same day"])
def test_an_observation_and_its_feedback_in_one_file_work_in_either_order(
    world, tmp_path, unscoped, feedback_first, feedback_on
):
    rows = [observation("2025-11-04"), feedback(feedback_on)]
    if feedback_first:
        rows.reverse()

    run(write_csv(tmp_path, rows))

    cycle = CoachingCycle.objects.get(ect=world.ect)
    assert (cycle.observed_on, cycle.feedback_on) == (D(2025, 11, 4), D.fromisoformat(feedback_on))


def test_feedback_completes_the_latest_cycle_without_feedback(world, tmp_path, unscoped):
    rows = [observation("2025-11-03"), observation("2025-11-10"), feedback("2025-11-12")]

    run(write_csv(tmp_path, rows))

    cycles = CoachingCycle.objects.filter(ect=world.ect).order_by("observed_on")
    assert [(c.observed_on, c.feedback_on) for c in cycles] == [
        (D(2025, 11, 3), None),
        (D(2025, 11, 10), D(2025, 11, 12)),
    ]


def test_imported_feedback_leaves_the_browser_rule_for_an_action_step(north, good_file, unscoped):
    run(good_file)
    cycle = CoachingCycle.objects.get(ect=north.ect, observed_on=D(2025, 9, 15))

    with hub_scope(north.hub), pytest.raises(ValidationError) as raised:
        coaching.update_cycle(cycle, feedback_on=D(2025, 9, 18), action_step="")

    assert "action_step" in raised.value.message_dict


def test_a_module_studied_again_on_another_day_is_a_second_record_and_reimporting_changes_nothing(world, tmp_path, unscoped):
    run(write_csv(tmp_path, [study("ECTE-Y1-BEH01", "2025-09-10")]))
    revision = write_csv(tmp_path, [study("ECTE-Y1-BEH01", "2025-09-10"), study("ECTE-Y1-BEH01", "2025-09-30")], name="later.csv")

    stdout, _ = run(revision)
    again, _ = run(revision)

    assert sorted(StudyRecord.objects.filter(ect=world.ect).values_list("done_on", flat=True)) == [D(2025, 9, 10), D(2025, 9, 30)]
    assert "study records added: 1" in stdout and "unchanged rows: 1" in stdout
    assert "study records added: 0" in again and "unchanged rows: 2" in again


def test_one_module_twice_on_one_day_in_a_file_is_one_record(world, tmp_path, unscoped):
    rows = [study("ECTE-Y1-BEH01", "2025-09-10"), study("ECTE-Y1-BEH01", "2025-09-10")]

    stdout, _ = run(write_csv(tmp_path, rows))

    assert StudyRecord.objects.get(ect=world.ect).done_on == D(2025, 9, 10)
    assert "unchanged rows: 1" in stdout


def test_a_former_mentor_is_the_ects_mentor_only_while_assigned(world, tmp_path, unscoped):
    world.assignment.finished_on = D(2025, 10, 20)
    world.assignment.save()
    factories.MentorAssignmentFactory(ect=world.ect, mentor=world.sibling_mentor, started_on=D(2025, 10, 20))
    sibling = world.sibling_mentor.person.user.email

    run(write_csv(tmp_path, [observation("2025-10-13"), observation("2025-10-20", email=sibling)]))
    errors, _ = run_failing(write_csv(tmp_path, [observation("2025-10-20")], name="late.csv"))

    assert {(c.mentor, c.observed_on) for c in CoachingCycle.objects.filter(ect=world.ect)} == {
        (world.mentor, D(2025, 10, 13)),
        (world.sibling_mentor, D(2025, 10, 20)),
    }
    assert errors == [f"line 2: email: {MENTOR} is not {ECT}'s mentor on 2025-10-20"]


def test_dry_run_reports_what_would_happen_and_writes_nothing(north, good_file):
    before = snapshot()

    stdout, _ = run(good_file, "--dry-run")

    assert snapshot() == before
    assert "Dry run, nothing written" in stdout
    assert "study records added: 3" in stdout


def test_columns_in_any_order_with_a_byte_order_mark_are_accepted(world, tmp_path, unscoped):
    header = list(reversed(HEADER)) + ["Course"]
    rows = [study("ECTE-Y1-BEH01", "2025-09-10") | {"Course": "Zoë"}]
    path = write_csv(tmp_path, rows, header=header, encoding="utf-8-sig")

    stdout, _ = run(path)

    assert "note: line 1: course: unknown column ignored" in stdout
    assert StudyRecord.objects.filter(ect=world.ect).count() == 1


def tomorrow():
    return f"{timezone.localdate() + datetime.timedelta(days=1):%Y-%m-%d}"


# Each bad row, given the world, and the start of its one problem after "line 8: ".
BAD_ROWS = {
    "unknown activity": (
        lambda w: {"email": ECT, "activity": "coaching", "date": "2025-09-10"},
        "activity: unknown activity 'coaching'; expected one of study, observation, feedback",
    ),
    "bad e-mail": (
        lambda w: study("ECTE-Y1-BEH03", "2025-09-10", email="ect.elm.example.org"),
        "email: 'ect.elm.example.org' is not a valid e-mail address",
    ),
    "bad subject e-mail": (
        lambda w: observation("2025-09-10", subject_email="ect@"),
        "subject_email: 'ect@' is not a valid e-mail address",
    ),
    "missing subject": (lambda w: observation("2025-09-10", subject_email=""), "subject_email: required for observation"),
    "mentor observing themselves": (
        lambda w: observation("2025-09-10", subject_email=MENTOR),
        "subject_email: is the same person as email",
    ),
    "nobody in the hub": (
        lambda w: study("ECTE-Y1-BEH03", "2025-09-10", email="nobody@elm.example.org"),
        "email: nobody@elm.example.org is not in this hub",
    ),
    "ECT from another hub studying": (
        lambda w: study("ECTE-Y1-BEH03", "2025-09-10", email=w.other_ect.person.user.email),
        "email: {other_ect} is not in this hub",
    ),
    "ECT from another hub observed": (
        lambda w: observation("2025-09-10", subject_email=w.other_ect.person.user.email),
        "subject_email: {other_ect} is not in this hub",
    ),
    "mentor from another hub": (
        lambda w: observation("2025-09-10", email=w.other_mentor.person.user.email),
        "email: {other_mentor} is not in this hub",
    ),
    "mentor studying": (
        lambda w: study("ECTE-Y1-BEH03", "2025-09-10", email=MENTOR),
        f"email: {MENTOR} is not an ECT in this hub",
    ),
    "tutor observing": (
        lambda w: observation("2025-09-10", email="tutor@elm.example.org"),
        "email: tutor@elm.example.org is not a mentor in this hub",
    ),
    "mentor observing a mentor": (
        lambda w: observation("2025-09-10", subject_email=w.sibling_mentor.person.user.email),
        "subject_email: {sibling_mentor} is not an ECT in this hub",
    ),
    "module of the other programme": (
        lambda w: study("ECF-Y1-BEH01", "2025-09-10"),
        f"module_code: ECF-Y1-BEH01 is not a module of {ECT}'s programme (ECTE 2025–27)",
    ),
    "unknown module": (lambda w: study("NOPE-1", "2025-09-10"), "module_code: unknown module 'NOPE-1'"),
    "missing module": (lambda w: study("", "2025-09-10"), "module_code: required for study"),
    "future date": (lambda w: study("ECTE-Y1-BEH03", tomorrow()), "date: {tomorrow} is in the future"),
    "impossible date": (
        lambda w: study("ECTE-Y1-BEH03", "2025-02-30"),
        "date: '2025-02-30' is not a date written YYYY-MM-DD",
    ),
    "date not ISO": (
        lambda w: study("ECTE-Y1-BEH03", "10/09/2025"),
        "date: '10/09/2025' is not a date written YYYY-MM-DD",
    ),
    "missing date": (lambda w: observation(""), "date: required"),
    "before induction": (
        lambda w: study("ECTE-Y1-BEH03", "2025-09-01"),
        f"date: 2025-09-01 is before {ECT}'s induction started (2025-09-03)",
    ),
    "feedback before any observation": (
        lambda w: feedback("2025-09-14"),
        f"date: no observation of {ECT} by {MENTOR} on or before 2025-09-14 to attach feedback to",
    ),
    "feedback when every cycle has it": (
        lambda w: feedback("2025-10-06"),
        f"date: no observation of {ECT} by {MENTOR} on or before 2025-10-06 to attach feedback to",
    ),
    "mentor not assigned to the ECT": (
        lambda w: observation("2025-09-15", email=w.sibling_mentor.person.user.email),
        f"email: {{sibling_mentor}} is not {ECT}'s mentor on 2025-09-15",
    ),
    "mentor with no ECT observing": (
        lambda w: observation("2025-09-15", subject_email="ect2@elm.example.org"),
        f"email: {MENTOR} is not ect2@elm.example.org's mentor on 2025-09-15",
    ),
}


@pytest.mark.parametrize("make_row, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_one_bad_row_imports_nothing_and_names_its_line_and_column(north, tmp_path, make_row, message):
    path = write_csv(tmp_path, good_rows() + [make_row(north)])
    before = snapshot()

    errors, summary = run_failing(path)

    emails = {
        name: getattr(north, name).person.user.email for name in ("other_ect", "other_mentor", "sibling_mentor")
    }
    assert snapshot() == before
    assert len(errors) == 1
    assert errors[0].startswith("line 8: " + message.format(tomorrow=tomorrow(), **emails))
    assert "nothing was imported" in summary


def test_every_problem_in_the_file_is_listed(north, tmp_path):
    rows = good_rows() + [
        study("NOPE-1", "2025-09-10", email=MENTOR),
        {"email": "", "activity": "", "date": "yesterday"},
        feedback("2025-09-14"),
    ]
    before = snapshot()

    errors, summary = run_failing(write_csv(tmp_path, rows))

    assert snapshot() == before
    assert [error.split(":", 2)[:2] for error in errors] == [
        ["line 8", " email"],
        ["line 9", " email"],
        ["line 9", " activity"],
        ["line 9", " date"],
        ["line 10", " date"],
    ]
    assert summary.startswith("5 problem(s)")


def test_a_file_that_is_not_utf8_imports_nothing(north, tmp_path):
    header = HEADER + ["comment"]
    rows = good_rows() + [study("ECTE-Y1-BEH03", "2025-10-08") | {"comment": "Zoë"}]
    path = write_csv(tmp_path, rows, header=header, encoding="latin-1")
    before = snapshot()

    errors, _ = run_failing(path)

    assert snapshot() == before
    assert len(errors) == 1
    assert errors[0].startswith("line 8: file: the file is not UTF-8 text (byte 0xeb")


def test_a_missing_column_is_reported_on_line_1(north, tmp_path):
    header = [column for column in HEADER if column != "subject_email"]
    before = snapshot()

    errors, _ = run_failing(write_csv(tmp_path, good_rows(), header=header))

    assert snapshot() == before
    assert errors == ["line 1: subject_email: missing column"]


def test_a_column_named_twice_is_a_problem(north, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("email,activity,date,subject_email,module_code,Date\n")

    errors, _ = run_failing(path)

    assert errors == ["line 1: date: column appears more than once"]


def test_an_empty_file_is_a_problem(north, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    errors, _ = run_failing(path)

    assert errors == ["line 1: file: the file is empty"]


def test_a_header_without_rows_is_a_problem(north, tmp_path):
    errors, _ = run_failing(write_csv(tmp_path, []))

    assert errors == ["line 2: file: the file has a header but no activity"]


def test_a_row_with_missing_fields_is_a_problem(north, tmp_path):
    path = write_csv(tmp_path, good_rows())
    path.write_text(path.read_text() + f"{ECT},study\n")
    before = snapshot()

    errors, _ = run_failing(path)

    assert snapshot() == before
    assert errors == ["line 8: row: has 2 fields but the header has 5"]


def test_an_unknown_hub_is_a_clear_error(north, good_file):
    before = snapshot()

    with pytest.raises(CommandError, match="No hub with the slug 'west'"):
        run(good_file, hub="west")

    assert snapshot() == before


def test_the_other_hub_cannot_import_north_activity(north, good_file):
    before = snapshot()

    errors, _ = run_failing(good_file, hub="south")

    assert snapshot() == before
    assert errors[0] == f"line 2: email: {ECT} is not in this hub"
