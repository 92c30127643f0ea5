"""The DfE's participant file: `manage.py import_dfe_participants`, and the plan behind every import."""

import datetime
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from engagement.models import Module, StudyRecord
from engagement.study import record_module

from participants import import_plan
from participants.models import ECT, ECTStatus, EmailChange, Mentor, Person, PersonChange, User
from participants.signals import people_imported
from schools.models import School
from schools.scoping import hub_scope
from tests import csv_imports
from tests.participants.test_imports import counts

D = datetime.date
DATA = Path(__file__).parent / "data"
FIRST, LATER, BAD = DATA / "dfe_participants.csv", DATA / "dfe_participants_later.csv", DATA / "dfe_participants_bad_row.csv"
AUTUMN, NOVEMBER = D(2026, 10, 1), D(2026, 11, 2)


def run(path, *args):
    return csv_imports.run_import("import_dfe_participants", path, *args)


def statuses(email):
    ect = ECT.objects.get(person__user__email=email)
    return [(s.status, s.started_on, s.finished_on) for s in ECTStatus.objects.filter(ect=ect).order_by("started_on", "id")]


def imported(world, path, today):
    plan = import_plan.check(world.hub, path.read_bytes(), today=today)
    assert plan.errors == []
    return import_plan.apply(plan)


def test_the_dfe_file_creates_schools_ects_and_mentors_with_its_quirks(world, unscoped):
    stdout, stderr = run(FIRST)

    assert stderr == ""
    for line in ("rows: 6", "schools created: 2", "people created: 6", "ECTs added: 4", "mentors added: 2", "status changes: 0"):
        assert line in stdout
    birch = School.objects.get(hub=world.hub, urn="700001")
    assert birch.name == "Birch Primary School"
    siobhan = ECT.objects.select_related("person__user").get(person__trn="1234567")
    assert (siobhan.person.first_name, siobhan.person.last_name, siobhan.person.user.email) == (
        "Siobhán", "O'Connor", "siobhan.oconnor@birch.example.org",
    )
    assert (siobhan.school, siobhan.programme, siobhan.cohort_start_year, siobhan.induction_start_date, siobhan.fte) == (
        birch, "ecte2025", 2025, D(2025, 9, 1), Decimal("1.00"),
    )
    assert ECT.objects.get(person__trn="2345678").person.full_name == "Zoë Müller-Brown"
    assert ECT.objects.get(person__trn="3456789").person.user.email == "daithi.ose@cedar.example.org"
    assert ECT.objects.get(person__trn="2345678").programme == "ecf2021"
    grace = Mentor.objects.get(person__user__email="grace.hopper@birch.example.org")
    assert (grace.school, grace.started_on, grace.person.trn) == (birch, D(2025, 9, 1), "5678901")
    assert Person.objects.get(user__email="alan.turing@cedar.example.org").trn == ""


def test_every_status_label_gives_the_ects_status(world, unscoped):
    imported(world, FIRST, AUTUMN)

    assert statuses("siobhan.oconnor@birch.example.org") == [("active", D(2025, 9, 1), None)]
    assert statuses("zoe.muller@birch.example.org") == [("active", D(2024, 9, 1), AUTUMN), ("paused", AUTUMN, None)]
    assert statuses("daithi.ose@cedar.example.org") == [("active", D(2024, 9, 1), AUTUMN), ("left", AUTUMN, None)]
    assert statuses("renee.darcy@cedar.example.org") == [("active", D(2023, 9, 1), AUTUMN), ("completed", AUTUMN, None)]


def test_reimporting_the_same_file_changes_nothing(world, unscoped):
    run(FIRST)
    before = counts()

    stdout, _ = run(FIRST)

    assert counts() == before
    assert "unchanged rows: 6" in stdout and "people created: 0" in stdout


def test_a_deferred_ect_active_again_is_resumed_and_a_renamed_school_renamed(world, unscoped):
    imported(world, FIRST, AUTUMN)

    plan = imported(world, LATER, NOVEMBER)

    assert plan.status_changes == [
        {"line": 3, "email": "zoe.muller@birch.example.org", "old": "paused", "new": "active", "on": "2026-11-02"}
    ]
    assert statuses("zoe.muller@birch.example.org")[-2:] == [("paused", AUTUMN, NOVEMBER), ("active", NOVEMBER, None)]
    assert plan.renamed_schools == [{"line": 2, "urn": "700001", "old": "Birch Primary School", "new": "Birch Primary School & Nursery"}]
    assert School.objects.get(urn="700001").name == "Birch Primary School & Nursery"
    zoe = Person.objects.get(trn="2345678")
    assert "Status changed from paused to active on 2 Nov 2026" in [c.summary for c in zoe.changes.all()]


def test_an_email_change_is_recognised_by_trn_and_waits_for_the_owner(world, unscoped, django_capture_on_commit_callbacks):
    imported(world, FIRST, AUTUMN)
    mail.outbox.clear()
    people = Person.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        plan = imported(world, LATER, NOVEMBER)

    assert Person.objects.count() == people
    assert plan.new_people == []
    assert plan.email_changes == [
        {
            "line": 2, "trn": "1234567", "old_email": "siobhan.oconnor@birch.example.org",
            "new_email": "siobhan.oconnor@newmail.example.org", "confirmation": True,
        }
    ]
    siobhan = Person.objects.get(trn="1234567")
    assert siobhan.user.email == "siobhan.oconnor@birch.example.org"
    change = EmailChange.objects.get(person=siobhan)
    assert change.new_email == "siobhan.oconnor@newmail.example.org" and change.is_pending
    assert sorted(m.to[0] for m in mail.outbox) == ["siobhan.oconnor@birch.example.org", "siobhan.oconnor@newmail.example.org"]

    again = import_plan.check(world.hub, LATER.read_bytes(), today=NOVEMBER)

    assert again.email_changes == [] and any("waiting for confirmation" in note for note in again.notes)
    assert {"line": 2, "email": "siobhan.oconnor@newmail.example.org"} in again.unchanged


def test_an_unconfirmed_membership_recognised_by_trn_points_at_the_new_address(world, unscoped):
    imported(world, FIRST, AUTUMN)
    Person.objects.filter(trn="1234567").update(confirmed_at=None)

    imported(world, LATER, NOVEMBER)

    assert Person.objects.get(trn="1234567").user.email == "siobhan.oconnor@newmail.example.org"
    assert User.objects.filter(email="siobhan.oconnor@birch.example.org").exists()


def test_a_file_with_a_bad_row_writes_nothing_and_names_line_and_column(world, unscoped):
    before = counts()

    errors, message = csv_imports.run_failing_import("import_dfe_participants", BAD)

    assert counts() == before
    assert errors == [
        "line 4: role: unknown role 'Teacher'; expected Early career teacher or Mentor",
        "line 6: trn: '12345' is not a TRN (seven digits)",
    ]
    assert "nothing was imported" in message


def test_a_dry_run_writes_nothing(world, unscoped):
    before = counts()

    stdout, _ = run(FIRST, "--dry-run")

    assert counts() == before
    assert "Dry run" in stdout and "people created: 6" in stdout


def test_our_own_format_is_not_taken_for_the_dfe_file(world, tmp_path):
    path = csv_imports.write_csv(tmp_path, [], ["school_urn", "school_name", "role", "email"])

    errors, _ = csv_imports.run_failing_import("import_dfe_participants", path)

    assert errors[0].startswith("line 1: file: not the DfE's participant file")


def test_people_in_the_hub_not_in_the_file_are_listed_and_kept(world, unscoped):
    plan = imported(world, FIRST, AUTUMN)

    listed = {item["email"]: item["roles"] for item in plan.not_in_file}
    assert listed["ect@elm.example.org"] == ["ECT"]
    assert listed["mentor@elm.example.org"] == ["mentor"]
    assert "tutor@elm.example.org" not in listed  # the DfE's file lists no induction tutors
    assert ECT.objects.filter(person__user__email="ect@elm.example.org").exists()


def test_an_existing_person_found_by_email_gets_the_files_trn(world, unscoped, tmp_path):
    text = FIRST.read_text(encoding="utf-8-sig").replace("GRACE.HOPPER@birch.example.org", world.mentor.person.user.email)
    path = tmp_path / "dfe.csv"
    path.write_text(text, encoding="utf-8")

    plan = imported(world, path, AUTUMN)

    world.mentor.person.refresh_from_db()
    assert world.mentor.person.trn == "5678901"
    assert {"line": 6, "email": world.mentor.person.user.email, "what": "TRN", "old": "", "new": "5678901"} in plan.changes
    assert world.mentor.person.full_name != "Grace Hopper"  # the hub's name is kept


def test_a_trn_of_someone_else_in_the_hub_is_a_problem(world, unscoped, tmp_path):
    Person.objects.filter(pk=world.ect.person.pk).update(trn="5678901")
    path = tmp_path / "dfe.csv"
    path.write_text(FIRST.read_text(encoding="utf-8-sig").replace("GRACE.HOPPER@birch.example.org", "mentor@elm.example.org"))
    before = counts()

    errors, _ = csv_imports.run_failing_import("import_dfe_participants", path)

    assert errors == ["line 6: trn: TRN 5678901 is ect@elm.example.org in the hub, and mentor@elm.example.org is someone else there"]
    assert counts() == before


def test_a_plan_is_plain_json_and_applies_only_while_the_hub_is_as_checked(world, unscoped):
    plan = import_plan.check(world.hub, FIRST.read_bytes(), today=AUTUMN)
    restored = import_plan.ImportPlan.from_json(plan.to_json())
    assert restored == plan
    School.objects.create(hub=world.hub, urn="700002", name="Cedar Academy")
    before = counts()

    with pytest.raises(import_plan.PlanOutdated):
        import_plan.apply(restored)

    assert counts() == before


def test_an_import_writes_in_bulk_whatever_the_files_size(world, unscoped, django_assert_max_num_queries, tmp_path):
    """A constant number of statements for 6 rows or 60 (bulk writes, set-based reads)."""
    def file(n):
        lines = [FIRST.read_text(encoding="utf-8-sig").splitlines()[0]]
        for i in range(n):
            lines.append(f"Person {i},p{i}@{n}.example.org,{n:02d}{i:05d},Early career teacher,LP,School {n},{n}0000{i % 3},2025,active,x")
        path = tmp_path / f"{n}.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        return path.read_bytes()

    small, large = file(6), file(60)
    with django_assert_max_num_queries(60) as small_queries:
        import_plan.apply(import_plan.check(world.hub, small))
    with django_assert_max_num_queries(len(small_queries) + 5):
        import_plan.apply(import_plan.check(world.hub, large))
    assert PersonChange.objects.filter(person__user__email="p59@60.example.org").count() == 2


def test_recording_study_elsewhere_in_the_hub_does_not_wait_for_an_import_being_written(world_committed):
    """While an import's transaction holds every row it wrote (the moment after its bulk writes,
    before it commits), another connection records study for an ECT of the same hub with a lock
    timeout of one second: it neither waits nor fails (the import locks no hub-wide row)."""
    world = world_committed
    outcome = {}

    def record_study_elsewhere():
        from django.db import connection

        try:
            with hub_scope(world.hub), transaction.atomic():
                connection.cursor().execute("SET LOCAL lock_timeout = '1s'")
                module = Module.objects.filter(programme__code=world.ect.programme).first()
                start = time.perf_counter()
                record_module(world.ect, module, timezone.localdate(), None)
                outcome["seconds"] = time.perf_counter() - start
        except Exception as error:  # reported by the assertion below
            outcome["error"] = error
        finally:
            connection.close()

    def while_importing(**kwargs):
        thread = threading.Thread(target=record_study_elsewhere)
        thread.start()
        thread.join(timeout=10)

    people_imported.connect(while_importing, dispatch_uid="test-while-importing")
    try:
        plan = import_plan.check_and_apply(world.hub, FIRST.read_bytes())
    finally:
        people_imported.disconnect(dispatch_uid="test-while-importing")

    assert plan.applied
    assert "error" not in outcome, outcome
    assert outcome["seconds"] < 1
    with scopes_disabled():
        assert StudyRecord.objects.filter(ect=world.ect).count() == 1


def test_a_person_on_two_rows_with_a_changed_email_is_one_change(world, unscoped, tmp_path):
    imported(world, FIRST, AUTUMN)
    lines = FIRST.read_text(encoding="utf-8-sig").splitlines()
    grace = next(line for line in lines if "GRACE" in line).replace("GRACE.HOPPER@birch.example.org", "grace@new.example.org")
    path = tmp_path / "dfe.csv"
    path.write_text("\n".join([lines[0], grace, grace.replace("Birch Primary School", "Cedar Academy").replace("700001", "700002")]))

    plan = imported(world, path, NOVEMBER)

    assert [change["new_email"] for change in plan.email_changes] == ["grace@new.example.org"]
    grace_person = Person.objects.get(trn="5678901")
    assert sorted(m.school.urn for m in Mentor.objects.filter(person=grace_person)) == ["700001", "700002"]
    assert EmailChange.objects.filter(person=grace_person).count() == 1
