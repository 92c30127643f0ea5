"""My events (an ECT's or mentor's own events) and the private calendar feed (reminders: tests/nudges/test_event_rules.py)."""

import datetime
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from ectprogramme.hub_cache import hub_changed
from engagement import compute
from events import booking, registers, sessions
from events.models import CalendarFeed
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.conftest import typical_term_dates

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def me(world):
    """This year's ECT2 clinic (self-booking: an online session A and an in-person B), a
    conference the tutor books, and a clinic held three weeks ago that the ECT missed."""
    with scopes_disabled():
        w = world
        w.clinic = factories.EventFactory(hub=w.hub, title="Clinic 4: Thinking hard", ect_year=2, self_booking=True, catch_up_materials="Read chapter 4")
        w.conference = factories.EventFactory(hub=w.hub, title="Conference 3", kind="conference", ect_year=2, self_booking=False)
        w.past_clinic = factories.EventFactory(hub=w.hub, title="Clinic 5: Oracy", ect_year=2)
        w.a = factories.SessionFactory(event=w.clinic, session_code="A", date=days(7), format="online", venue="", address="", online_url="https://meet.example.org/secret-a")
        w.b = factories.SessionFactory(event=w.clinic, session_code="B", date=days(20))
        w.c = factories.SessionFactory(event=w.conference, session_code="C", date=days(30))
        w.p = factories.SessionFactory(event=w.past_clinic, session_code="P", date=days(-20), booking_deadline=days(-27))
        w.booked = booking.book(w.a, w.ect.person, by_staff=True)
        missed = factories.BookingFactory(session=w.p, person=w.ect.person)
        registers.mark(missed, "absent", None)
    return w


def _feed_events(client, token):
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return {str(entry.get("uid")): entry for entry in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


@pytest.mark.django_db
def test_an_ect_sees_what_to_book_what_is_booked_catch_ups_and_the_past(me, client):
    client.force_login(me.ect.person.user)
    page = client.get("/events/mine/").content.decode()
    assert "Clinic 4: Thinking hard" in page
    assert 'href="https://meet.example.org/secret-a"' in page
    assert "Conference 3" in page and "Your induction tutor books this." in page
    assert f"Book by {me.c.booking_deadline:%-d %b %Y}" in page
    assert "Catch-up: Clinic 5: Oracy" in page and "Read chapter 4" not in page
    assert "Absent" in page
    assert "So far you have attended <strong>0 of 1</strong>" in page
    with scopes_disabled():
        token = CalendarFeed.objects.get(person=me.ect.person).token
    assert f"/calendar/{token}.ics" in page
    assert 'href="/events/mine/"' in page  # the nav link


@pytest.mark.django_db
def test_someone_not_booked_gets_a_book_link_and_never_the_joining_link(me, client):
    client.force_login(me.unmentored_ect.person.user)
    page = client.get("/events/mine/").content.decode()
    assert f'href="/events/{me.clinic.code}/my-booking/"' in page
    assert "secret-a" not in page
    assert "Nothing to book now." not in page
    assert "No catch-ups: you have not missed a clinic." in page
    assert "You are not booked on any session to come." in page


@pytest.mark.django_db
def test_a_mentor_has_my_events_with_empty_states(me, client):
    client.force_login(me.mentor.person.user)
    page = client.get("/events/mine/").content.decode()
    assert 'href="/events/mine/"' in page
    assert "Nothing to book" in page and "No past sessions yet." in page


@pytest.mark.django_db
def test_my_events_takes_the_same_queries_however_many_bookings(me, client, django_assert_max_num_queries):
    client.force_login(me.ect.person.user)
    client.get("/events/mine/")
    with django_assert_max_num_queries(30) as first:
        client.get("/events/mine/")
    with scopes_disabled():
        for n in range(5):
            event = factories.EventFactory(hub=me.hub, ect_year=2)
            session = factories.SessionFactory(event=event, date=days(-3 - n), booking_deadline=days(-10 - n))
            registers.mark(factories.BookingFactory(session=session, person=me.ect.person), "attended", None)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get("/events/mine/").content.decode()
    assert "So far you have attended <strong>5 of 6</strong>" in page


@pytest.mark.django_db
def test_the_feed_parses_and_follows_a_moved_and_a_cancelled_session(me, client):
    client.force_login(me.ect.person.user)
    client.get("/events/mine/")
    client.logout()
    with scopes_disabled():
        token = CalendarFeed.objects.get(person=me.ect.person).token
        uid = f"booking-{me.booked.code}@localhost"
    entries = _feed_events(client, token)
    assert uid in entries and len(entries) == 2  # the clinic booked, and the clinic missed
    entry = entries[uid]
    assert entry.decoded("dtstart") == datetime.datetime.combine(me.a.date, me.a.start_time, tzinfo=ZoneInfo("Europe/London"))
    assert str(entry.get("status")) == "CONFIRMED"
    first_sequence = int(entry.get("sequence"))
    with scopes_disabled():
        sessions.update_session(me.a, {"start_time": datetime.time(17, 30), "end_time": datetime.time(18, 30)})
    moved = _feed_events(client, token)[uid]
    assert moved.decoded("dtstart").time() == datetime.time(17, 30)
    assert int(moved.get("sequence")) > first_sequence
    with scopes_disabled():
        sessions.cancel_session(me.a)
    cancelled = _feed_events(client, token)[uid]
    assert str(cancelled.get("status")) == "CANCELLED"
    assert int(cancelled.get("sequence")) > int(moved.get("sequence"))


@pytest.mark.django_db
def test_the_feed_has_only_the_tokens_person_and_a_reset_token_404s(me, client):
    with scopes_disabled():
        other_session = factories.SessionFactory(event=factories.EventFactory(hub=me.other_hub), date=days(5))
        factories.BookingFactory(session=other_session, person=me.other_ect.person)
        other_token = CalendarFeed.objects.create(hub=me.other_hub, person=me.other_ect.person).token
    client.force_login(me.ect.person.user)
    client.get("/events/mine/")
    with scopes_disabled():
        old = CalendarFeed.objects.get(person=me.ect.person).token
    other_entries = _feed_events(client, other_token)
    assert len(other_entries) == 1 and all(me.ect.person.user.email not in entry.to_ical().decode() for entry in other_entries.values())
    assert "secret-a" not in client.get(f"/calendar/{other_token}.ics").content.decode()
    response = client.post("/events/mine/calendar/reset/")
    assert response.status_code == 302
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    with scopes_disabled():
        new = CalendarFeed.objects.get(person=me.ect.person).token
    assert new != old
    assert _feed_events(client, new)
    assert client.get("/calendar/not-a-token.ics").status_code == 404


@pytest.mark.django_db
def test_reset_needs_a_post_and_a_sign_in(me, client):
    assert client.post("/events/mine/calendar/reset/").status_code == 302  # to sign in
    client.force_login(me.ect.person.user)
    assert client.get("/events/mine/calendar/reset/").status_code == 405


@pytest.mark.django_db
def test_the_lead_dashboard_shows_events_attended_of_expected(me, client, django_assert_max_num_queries):
    with hub_scope(me.hub):
        for year in (TODAY.year - 1, TODAY.year):
            terms.save_year(me.hub, year, typical_term_dates(year))
        compute.recompute([me.hub], TODAY)
    client.force_login(me.tutor.person.user)
    page = client.get(f"/schools/{me.school.code}/engagement/").content.decode()
    assert "Events attended" in page
    assert "<td>0 of 1</td>" in page
    hub_changed(me.hub.pk)  # attendance counted afresh, as after the changes below
    with django_assert_max_num_queries(60) as before:
        client.get(f"/schools/{me.school.code}/engagement/")
    with scopes_disabled():
        for _ in range(5):
            person = factories.ECTFactory(school=me.school).person
            registers.mark(factories.BookingFactory(session=me.p, person=person), "attended", None)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(f"/schools/{me.school.code}/engagement/")


@pytest.mark.django_db
def test_the_hub_dashboard_shows_attendance_and_open_alternatives_per_school(me, client, django_assert_max_num_queries):
    with scopes_disabled():
        conference = factories.EventFactory(hub=me.hub, kind="conference", ect_year=2)
        missed = factories.BookingFactory(session=factories.SessionFactory(event=conference, date=days(-2), booking_deadline=days(-9)), person=me.ect.person)
        registers.mark(missed, "absent", None)
    client.force_login(me.staff.user)
    page = client.get("/hub/engagement/").content.decode()
    assert "Open alternatives" in page and "0 of 2" in page
    hub_changed(me.hub.pk)  # attendance counted afresh, as after the changes below
    with django_assert_max_num_queries(40) as before:
        client.get("/hub/engagement/")
    with scopes_disabled():
        for _ in range(4):
            person = factories.ECTFactory(school=factories.SchoolFactory(hub=me.hub)).person
            registers.mark(factories.BookingFactory(session=me.p, person=person), "absent", None)
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = client.get("/hub/engagement/").content.decode()
    # Elm (two ECTs, two events over each), Oak and the four new schools (one ECT each)
    assert re.findall(r"<td>(\d+ of \d+)</td>", page) == ["0 of 4"] + ["0 of 2"] * 5
