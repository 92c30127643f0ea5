"""manage.py import_attendance: bookings and registers taken elsewhere; all or nothing, idempotent."""

import datetime

import pytest
from django_scopes import scopes_disabled

from events.catalogue import sync_catalogue
from events.models import Alternative, Booking, CatchUp, Event
from events.registers import COLUMNS
from participants.models import PersonChange
from tests import factories
from tests.csv_imports import run_failing_import, run_import, write_csv

D = datetime.date


@pytest.fixture
def sessions(world):
    with scopes_disabled():
        sync_catalogue(world.hub)
        clinic = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")
        conference = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-conference-1")
        world.c1 = factories.SessionFactory(event=clinic, session_code="C1-A", date=D(2025, 11, 12), capacity=2)
        world.conf = factories.SessionFactory(event=conference, session_code="CONF-A", date=D(2025, 10, 1))
        world.coming = factories.SessionFactory(event=conference, session_code="CONF-B", date=D(2099, 10, 1), capacity=1)
    return world


def _rows(*rows):
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def _state():
    with scopes_disabled():
        return (
            sorted(Booking.objects.values_list("person_id", "session_id", "status", "attendance", "absence_reason")),
            CatchUp.objects.count(), Alternative.objects.count(), PersonChange.objects.count(),
        )


def test_a_good_file_books_records_and_follows_up_and_a_rerun_changes_nothing(sessions, tmp_path):
    path = write_csv(tmp_path, _rows(
        ("ect@elm.example.org", "C1-A", "absent"),
        ("ECT2@elm.example.org", "C1-A", "attended"),
        ("ect@elm.example.org", "CONF-A", "excused"),
        (sessions.sibling_ect.person.user.email, "CONF-A", "booked"),
    ), COLUMNS)
    out, _ = run_import("import_attendance", path)
    assert "4 booked, 3 attendance recorded, 0 unchanged" in out
    with scopes_disabled():
        ect = sessions.ect.person
        assert CatchUp.objects.get(person=ect).due_on == D(2025, 11, 26)
        alternative = Alternative.objects.get(person=ect)
        assert alternative.is_open and alternative.booking.absence_reason.startswith("Excused in a register taken elsewhere")
        assert Booking.objects.get(person=sessions.sibling_ect.person).session == sessions.conf
        assert PersonChange.objects.filter(person=ect, summary__contains="(imported)").count() == 2
    before = _state()
    out, _ = run_import("import_attendance", path)
    assert "0 booked, 0 attendance recorded, 4 unchanged" in out
    assert _state() == before


def test_the_import_records_on_existing_bookings_as_the_register_does(sessions, tmp_path):
    with scopes_disabled():
        booking = factories.BookingFactory(session=sessions.c1, person=sessions.ect.person)
    run_import("import_attendance", write_csv(tmp_path, _rows(("ect@elm.example.org", "C1-A", "absent")), COLUMNS))
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.attendance == "absent" and CatchUp.objects.filter(booking=booking).exists()
    out, _ = run_import("import_attendance", write_csv(tmp_path, _rows(("ect@elm.example.org", "C1-A", "attended")), COLUMNS))
    assert "0 booked, 1 attendance recorded" in out
    with scopes_disabled():
        assert not CatchUp.objects.exists()


def test_a_bad_file_writes_nothing_and_names_every_problem(sessions, tmp_path):
    with scopes_disabled():
        full = factories.SessionFactory(event=sessions.conf.event, session_code="CONF-C", date=D(2025, 10, 2), capacity=1)
        factories.BookingFactory(session=full, person=sessions.unmentored_ect.person)
    path = write_csv(tmp_path, _rows(
        ("ect@elm.example.org", "C1-A", "attended"),
        ("nobody@elm.example.org", "C1-A", "attended"),
        ("ect@elm.example.org", "NOPE", "attended"),
        ("ect@elm.example.org", "C1-A", "present"),
        (sessions.mentor.person.user.email, "C1-A", "attended"),
        (sessions.other_ect.person.user.email, "C1-A", "attended"),
        (sessions.sibling_ect.person.user.email, "CONF-C", "booked"),
        (sessions.sibling_ect.person.user.email, "CONF-B", "attended"),
        ("not-an-email", "C1-A", "booked"),
        ("ect@elm.example.org", "C1-A", "absent"),
    ), COLUMNS)
    before = _state()
    errors, message = run_failing_import("import_attendance", path)
    assert errors == [
        "line 3: email: no person with the e-mail nobody@elm.example.org in this hub",
        "line 4: session_code: no session 'NOPE' in this hub",
        "line 5: status: 'present' is not one of booked, attended, absent, excused",
        f"line 6: email: {sessions.mentor.person.user.email} is not expected at ecte2025-ect1-clinic-1 on 12 Nov 2025",
        f"line 7: email: no person with the e-mail {sessions.other_ect.person.user.email} in this hub",
        "line 8: session_code: session CONF-C is full (1 places)",
        "line 9: status: session CONF-B is on 1 Oct 2099: attendance is recorded from that day",
        "line 10: email: 'not-an-email' is not a valid e-mail address",
        "line 11: email: ect@elm.example.org on C1-A is also on line 2",
    ]
    assert "nothing was imported" in message
    assert _state() == before


def test_a_line_needing_a_place_counts_the_earlier_lines(sessions, tmp_path):
    with scopes_disabled():
        third = factories.ECTFactory(school=sessions.school)
    path = write_csv(tmp_path, _rows(
        ("ect@elm.example.org", "C1-A", "booked"),
        ("ect2@elm.example.org", "C1-A", "booked"),
        (third.person.user.email, "C1-A", "attended"),
    ), COLUMNS)
    errors, _ = run_failing_import("import_attendance", path)
    assert errors == ["line 4: session_code: session C1-A is full (2 places)"]


def test_a_dry_run_writes_nothing(sessions, tmp_path):
    before = _state()
    out, _ = run_import("import_attendance", write_csv(tmp_path, _rows(("ect@elm.example.org", "C1-A", "absent")), COLUMNS), "--dry-run")
    assert "Dry run" in out and "1 booked, 1 attendance recorded" in out
    assert _state() == before
