"""manage.py import_sessions: all or nothing, every problem by line, idempotent."""

import datetime

import pytest

from events.catalogue import sync_catalogue
from events.models import BookingNotice, Session
from events.sessions import COLUMNS
from tests import factories
from tests.csv_imports import run_failing_import, run_import, write_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]

GOOD = [
    {
        "event_code": "ecte2025-ect1-clinic-1", "session_code": "C1-A", "date": "2025-11-12", "start_time": "16:00",
        "end_time": "17:00", "format": "in_person", "venue": "Hub Centre", "capacity": "30", "booking_deadline": "2025-11-05",
    },
    {
        "event_code": "ecte2025-ect1-clinic-1", "session_code": "C1-B", "date": "2025-11-19", "start_time": "16:00",
        "end_time": "17:00", "format": "online", "online_url": "https://meet.example.org/c1b", "capacity": "60",
        "booking_deadline": "2025-11-12",
    },
    {
        "event_code": "mentor-conference-1", "session_code": "MC1", "date": "2025-10-08", "start_time": "09:00",
        "end_time": "15:30", "format": "in_person", "venue": "Town Hall", "capacity": "100", "booking_deadline": "2025-09-30",
    },
]


@pytest.fixture
def hub():
    hub = factories.HubFactory(slug="north")
    sync_catalogue(hub)
    return hub


def test_a_good_file_creates_the_sessions_and_a_rerun_changes_nothing(hub, tmp_path):
    path = write_csv(tmp_path, GOOD, COLUMNS)
    out, _ = run_import("import_sessions", path)
    assert "3 created, 0 updated, 0 unchanged" in out
    online = Session.objects.get(hub=hub, session_code="C1-B")
    assert (online.format, online.online_url, online.capacity, online.start_time) == ("online", "https://meet.example.org/c1b", 60, datetime.time(16))
    out, _ = run_import("import_sessions", path)
    assert "0 created, 0 updated, 3 unchanged" in out
    assert Session.objects.filter(hub=hub).count() == 3


def test_a_changed_row_updates_the_session_raises_its_sequence_and_tells_who_is_booked(
    hub, tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    run_import("import_sessions", write_csv(tmp_path, GOOD, COLUMNS))
    session = Session.objects.get(hub=hub, session_code="C1-A")
    booking = factories.BookingFactory(session=session)
    moved = [dict(GOOD[0], start_time="15:30"), *GOOD[1:]]
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run_import("import_sessions", write_csv(tmp_path, moved, COLUMNS, name="moved.csv"))
    assert "0 created, 1 updated, 2 unchanged" in out
    session.refresh_from_db()
    booking.refresh_from_db()
    assert (session.start_time, session.sequence, booking.sequence) == (datetime.time(15, 30), 1, 1)
    assert [m.subject for m in mailoutbox] == ["Changed: Clinic 1: Maintaining high expectations on 12 Nov 2025"]
    assert BookingNotice.objects.get(booking=booking).sent_at is not None


def test_a_bad_file_writes_nothing_and_names_every_problem(hub, tmp_path):
    full = factories.SessionFactory(event__hub=hub, session_code="FULL")
    factories.BookingFactory.create_batch(3, session=full)
    rows = [
        GOOD[0],
        dict(GOOD[1], event_code="no-such-event"),
        dict(GOOD[2], date="08/10/2025", start_time="9am"),
        dict(GOOD[0], session_code="C1-C", format="hybrid"),
        dict(GOOD[0], session_code="C1-D", venue=""),
        dict(GOOD[1], session_code="C1-E", online_url=""),
        dict(GOOD[0], session_code="C1-F", end_time="15:00", booking_deadline="2025-11-13"),
        dict(GOOD[0], session_code="FULL", event_code=full.event.event_code, capacity="2"),
        dict(GOOD[0]),
    ]
    errors, message = run_failing_import("import_sessions", write_csv(tmp_path, rows, COLUMNS))
    assert errors == [
        "line 3: event_code: no event 'no-such-event' in this hub",
        "line 4: date: '08/10/2025' is not a date written YYYY-MM-DD",
        "line 4: start_time: '9am' is not a time written HH:MM (24-hour)",
        "line 5: format: 'hybrid' is not one of in_person, online",
        "line 6: venue: An in-person session needs its venue",
        "line 7: online_url: An online session needs its joining link",
        "line 8: end_time: The session must end after it starts",
        "line 8: booking_deadline: The booking deadline cannot be after the session’s date",
        "line 9: capacity: 3 places are booked or offered: the capacity cannot be below that",
        "line 10: session_code: 'C1-A' is also on line 2",
    ]
    assert "nothing was imported" in message
    assert not Session.objects.filter(hub=hub).exclude(session_code="FULL").exists()


def test_csv_house_style_bom_crlf_and_trailing_spaces_are_read(hub, tmp_path):
    header = ",".join(COLUMNS)
    row = ",".join(f"{GOOD[0].get(column, '')} " for column in COLUMNS)
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + header + "\r\n" + row + "\r\n").encode("utf-8"))
    out, _ = run_import("import_sessions", path)
    assert "1 created" in out
    assert Session.objects.get(hub=hub, session_code="C1-A").venue == "Hub Centre"
