"""Event attendance per person as of a date (`events.attendance`) and `manage.py attendance`."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from events import attendance, registers
from events.models import CatchUp
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

AS_OF = datetime.date(2026, 1, 20)


@pytest.fixture
def scene():
    """A hub with a clinic (two dates), a conference (two dates) and a mentor conference; ECT1s
    at two schools and a new mentor, each in another situation."""
    hub = factories.HubFactory(slug="north")
    first = factories.SchoolFactory(hub=hub, urn="100002")
    second = factories.SchoolFactory(hub=hub, urn="100001")
    clinic = factories.EventFactory(hub=hub, event_code="clinic-1", kind="clinic")
    conference = factories.EventFactory(hub=hub, event_code="conference-1", kind="conference", self_booking=False)
    mentor_event = factories.EventFactory(hub=hub, event_code="mentors-1", kind="conference", audience="mentor", programme="", ect_year=None)
    s1 = factories.SessionFactory(event=clinic, session_code="CL-A", date=datetime.date(2025, 11, 12))
    s2 = factories.SessionFactory(event=clinic, session_code="CL-B", date=datetime.date(2025, 11, 19), capacity=1)
    c1 = factories.SessionFactory(event=conference, session_code="CO-A", date=datetime.date(2025, 10, 8))
    c2 = factories.SessionFactory(event=conference, session_code="CO-B", date=datetime.date(2026, 2, 11))
    factories.SessionFactory(event=mentor_event, session_code="ME-A", date=datetime.date(2025, 10, 15))
    people = {}
    for name, school in [("ann", first), ("bob", first), ("cat", first), ("dan", second), ("eve", second)]:
        people[name] = factories.ECTFactory(school=school, person__user__email=f"{name}@example.org").person
    people["meg"] = factories.MentorFactory(school=first, started_on=datetime.date(2025, 9, 1), person__user__email="meg@example.org").person
    ann = factories.BookingFactory(session=s1, person=people["ann"])
    bob = factories.BookingFactory(session=s1, person=people["bob"])
    cat = factories.BookingFactory(session=s1, person=people["cat"])
    factories.BookingFactory(session=s2, person=people["eve"])
    factories.BookingFactory(session=s2, person=people["dan"], status="waiting")
    registers.mark(ann, "attended", None)
    registers.mark(bob, "absent", None)
    registers.mark(cat, "excused", None, "Illness")
    registers.complete_catch_up(CatchUp.objects.get(person=people["cat"]), None)
    ann_conference = factories.BookingFactory(session=c1, person=people["ann"])
    bob_conference = factories.BookingFactory(session=c1, person=people["bob"])
    registers.mark(ann_conference, "absent", None)
    registers.mark(bob_conference, "absent", None)
    factories.BookingFactory(session=c2, person=people["ann"])
    return hub, people, {"first": first, "second": second}


def _states(rows):
    return {(row.person_id, row.event.event_code): (row.status, row.follow_up, row.session_code) for row in rows}


def test_statuses_and_follow_ups_read_like_the_rules(scene):
    hub, people, _ = scene
    states = _states(attendance.attendance_rows(hub, AS_OF))
    assert states[(people["ann"].pk, "clinic-1")] == ("attended", "", "CL-A")
    assert states[(people["bob"].pk, "clinic-1")] == ("absent", "catch_up_due", "CL-A")
    assert states[(people["cat"].pk, "clinic-1")] == ("excused", "catch_up_done", "CL-A")
    assert states[(people["dan"].pk, "clinic-1")] == ("waiting", "", "CL-B")
    assert states[(people["eve"].pk, "clinic-1")] == ("booked", "", "CL-B")
    # missed the conference, booked on another date: booked, alternative booked; not rebooked: needed
    assert states[(people["ann"].pk, "conference-1")] == ("booked", "alternative_booked", "CO-B")
    assert states[(people["bob"].pk, "conference-1")] == ("absent", "alternative_needed", "CO-A")
    assert states[(people["cat"].pk, "conference-1")] == ("not_booked", "", "")
    assert states[(people["meg"].pk, "mentors-1")] == ("not_booked", "", "")
    assert (people["meg"].pk, "clinic-1") not in states
    assert (people["ann"].pk, "mentors-1") not in states


def test_attended_of_expected_so_far_counts_registers_taken_and_events_whose_sessions_are_over(scene):
    hub, people, schools = scene
    per_person = attendance.by_person(attendance.attendance_rows(hub, AS_OF))
    # Ann: the clinic (attended) and the conference (absent once, another date to come) are due
    assert per_person[people["ann"].pk].text == "1 of 2"
    # Eve: the clinic's last date has passed, its register not taken: due, not attended
    assert per_person[people["eve"].pk].text == "0 of 1"
    assert per_person[people["meg"].pk].text == "0 of 1"
    per_school = attendance.by_school(attendance.attendance_rows(hub, AS_OF))
    assert per_school[schools["first"].pk].open_alternatives == 2
    assert per_school[schools["second"].pk].open_alternatives == 0
    assert per_school[schools["second"].pk].text == "0 of 2"


def test_nothing_is_expected_in_a_year_without_sessions(scene):
    hub, _, _ = scene
    assert attendance.attendance_rows(hub, datetime.date(2026, 10, 1)) == []


def test_rows_for_some_schools_or_people_only(scene):
    hub, people, schools = scene
    rows = attendance.attendance_rows(hub, AS_OF, school_ids=[schools["second"].pk])
    assert {row.person_id for row in rows} == {people["dan"].pk, people["eve"].pk}
    rows = attendance.attendance_rows(hub, AS_OF, person_ids=[people["meg"].pk])
    assert [(row.person_id, row.event.event_code) for row in rows] == [(people["meg"].pk, "mentors-1")]


def test_the_rows_take_a_fixed_number_of_queries(scene, django_assert_max_num_queries):
    hub, _, schools = scene
    with django_assert_max_num_queries(7):
        rows = attendance.attendance_rows(hub, AS_OF)
    assert len(rows) == 11
    for n in range(30):
        factories.ECTFactory(school=schools["first"])
    with django_assert_max_num_queries(7):
        assert len(attendance.attendance_rows(hub, AS_OF)) == 11 + 60


def test_the_counts_in_one_statement_are_the_rows_counted(scene):
    """`attendance.counts` (the dashboards' and the hub report's figures, in SQL) gives what
    `by_school` and `by_person` count of `attendance_rows`: dates before, between and after the
    sessions, some schools, a person at two schools, a cancelled booking, a closed alternative, ECT
    events of two years and two programmes, an induction tutor event."""
    from events.models import Alternative

    hub, people, schools = scene
    second_year = factories.EventFactory(hub=hub, event_code="clinic-4", ect_year=2)
    other_programme = factories.EventFactory(hub=hub, event_code="ecf-clinic-1", programme="ecf2021")
    tutors = factories.EventFactory(hub=hub, event_code="tutor-launch", kind="other", audience="tutor", programme="", ect_year=None)
    late = factories.SessionFactory(event=second_year, session_code="C4-A", date=datetime.date(2025, 12, 3))
    factories.SessionFactory(event=other_programme, session_code="EC-A", date=datetime.date(2026, 2, 4))
    factories.SessionFactory(event=tutors, session_code="TL-A", date=datetime.date(2025, 10, 1))
    ect2 = factories.ECTFactory(school=schools["second"], cohort_start_year=2024, induction_start_date=datetime.date(2024, 9, 2))
    registers.mark(factories.BookingFactory(session=late, person=ect2.person), "attended", None)
    factories.ECTFactory(school=schools["first"], programme="ecf2021")
    factories.ECTFactory(school=schools["first"], cohort_start_year=2024, induction_start_date=datetime.date(2024, 9, 2))
    factories.InductionTutorFactory(school=schools["second"], started_on=datetime.date(2025, 9, 1))
    factories.ECTFactory(school=schools["second"], person=people["meg"])  # a mentor who is also an ECT elsewhere
    factories.MentorFactory(school=schools["second"], person=people["meg"], started_on=datetime.date(2025, 9, 1))
    dan = people["dan"].bookings.get()
    dan.status = "cancelled"
    dan.save()
    Alternative.objects.filter(person=people["ann"]).update(closed_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC))
    compared = 0
    for on in (datetime.date(2025, 9, 20), datetime.date(2025, 11, 15), AS_OF, datetime.date(2026, 3, 1)):
        for school_ids in (None, [schools["first"].pk], [schools["second"].pk, schools["first"].pk], []):
            rows = attendance.attendance_rows(hub, on, school_ids=school_ids)
            for per, expected in (("school", attendance.by_school(rows)), ("person", attendance.by_person(rows))):
                assert attendance.counts(hub, on, school_ids, per=per) == expected, (on, school_ids, per)
                compared += any(c.expected or c.open_alternatives for c in expected.values())
    assert compared >= 8


def test_the_counts_are_one_query_however_many_people(scene, django_assert_num_queries):
    hub, _, schools = scene
    for n in range(30):
        factories.ECTFactory(school=schools["first"])
    with django_assert_num_queries(1):
        first = attendance.counts(hub, AS_OF)[schools["first"].pk]
    # the clinic is over, so due for everyone; the conference only for Ann and Bob, whose register was taken
    assert first.text == "1 of 36"


def test_the_command_prints_csv_sorted_by_school_email_and_event(scene):
    hub, _, _ = scene
    out = io.StringIO()
    call_command("attendance", "--hub", "north", "--as-of", "2026-01-20", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "school_urn,email,role,event_code,session_code,status,follow_up"
    assert lines[1:] == [
        "100001,dan@example.org,ect,clinic-1,CL-B,waiting,",
        "100001,dan@example.org,ect,conference-1,,not_booked,",
        "100001,eve@example.org,ect,clinic-1,CL-B,booked,",
        "100001,eve@example.org,ect,conference-1,,not_booked,",
        "100002,ann@example.org,ect,clinic-1,CL-A,attended,",
        "100002,ann@example.org,ect,conference-1,CO-B,booked,alternative_booked",
        "100002,bob@example.org,ect,clinic-1,CL-A,absent,catch_up_due",
        "100002,bob@example.org,ect,conference-1,CO-A,absent,alternative_needed",
        "100002,cat@example.org,ect,clinic-1,CL-A,excused,catch_up_done",
        "100002,cat@example.org,ect,conference-1,,not_booked,",
        "100002,meg@example.org,mentor,mentors-1,,not_booked,",
    ]
    assert all(row["status"] in attendance.STATUSES for row in csv.DictReader(io.StringIO(out.getvalue())))


def test_the_command_prints_json_and_a_mentor_at_two_schools_once(scene):
    hub, people, schools = scene
    factories.MentorFactory(school=schools["second"], person=people["meg"], started_on=datetime.date(2025, 10, 1))
    out = io.StringIO()
    call_command("attendance", "--hub", "north", "--as-of", "2026-01-20", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    megs = [row for row in rows if row["email"] == "meg@example.org"]
    assert megs == [{
        "school_urn": "100001", "email": "meg@example.org", "role": "mentor", "event_code": "mentors-1",
        "session_code": "", "status": "not_booked", "follow_up": "",
    }]


def test_the_command_writes_formula_like_cells_as_text(scene):
    hub, people, _ = scene
    user = people["eve"].user
    user.email = "=eve@example.org"
    user.save()
    out = io.StringIO()
    call_command("attendance", "--hub", "north", "--as-of", "2026-01-20", stdout=out)
    assert "'=eve@example.org" in out.getvalue()


def test_the_command_refuses_an_unknown_hub_and_a_bad_date(scene):
    with pytest.raises(CommandError, match="No hub"):
        call_command("attendance", "--hub", "nowhere", "--as-of", "2026-01-20")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("attendance", "--hub", "north", "--as-of", "20/01/2026")
