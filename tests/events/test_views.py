"""The hub's events and sessions pages, driven through HTTP as hub staff and facilitators would."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from events.catalogue import sync_catalogue
from events.models import Booking, BookingNotice, Event, Session
from schools.terms import save_year
from tests import factories
from tests.conftest import typical_term_dates

D = datetime.date


@pytest.fixture
def events_world(world):
    with scopes_disabled():
        sync_catalogue(world.hub)
        sync_catalogue(world.other_hub)
        world.clinic = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")
        world.facilitator = factories.PersonFactory(hub=world.hub, hub_role="facilitator")
    return world


def _session_post(**changes):
    data = {
        "session_code": "C1-A", "date": "2025-11-12", "start_time": "16:00", "end_time": "17:00", "format": "in_person",
        "venue": "Hub Centre", "address": "", "online_url": "", "capacity": "30", "booking_deadline": "2025-11-05", "note": "",
    }
    return {**data, **changes}


def test_staff_create_a_session_from_the_event_page(events_world, client):
    client.force_login(events_world.staff.user)
    url = f"/events/{events_world.clinic.code}/sessions/new/"
    response = client.post(url, _session_post())
    assert response.status_code == 302
    with scopes_disabled():
        session = Session.objects.get(event=events_world.clinic)
    assert (session.session_code, session.date, session.capacity, session.hub) == ("C1-A", D(2025, 11, 12), 30, events_world.hub)
    page = client.get(f"/events/{events_world.clinic.code}/").content.decode()
    assert "C1-A" in page and "0 / 30" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_time": "15:00"}, "end_time", "The session must end after it starts."),
        ({"booking_deadline": "2025-11-13"}, "booking_deadline", "The booking deadline cannot be after the session’s date."),
        ({"format": "online"}, "online_url", "An online session needs its joining link."),
        ({"venue": ""}, "venue", "An in-person session needs its venue."),
        ({"capacity": "0"}, "capacity", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_bad_session_re_renders_the_form_with_a_clear_error(events_world, client, changes, field, message):
    client.force_login(events_world.staff.user)
    response = client.post(f"/events/{events_world.clinic.code}/sessions/new/", _session_post(**changes))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    with scopes_disabled():
        assert not Session.objects.filter(event=events_world.clinic).exists()


def test_capacity_cannot_go_below_the_places_booked(events_world, client):
    with scopes_disabled():
        session = factories.SessionFactory(event=events_world.clinic, session_code="C1-A")
        factories.BookingFactory.create_batch(3, session=session)
    client.force_login(events_world.staff.user)
    response = client.post(f"/events/sessions/{session.code}/edit/", _session_post(capacity="2"))
    assert response.context["form"].errors["capacity"] == ["3 places are booked or offered: the capacity cannot be below that."]


def test_raising_the_capacity_offers_the_places_to_the_first_waiting_at_once(
    events_world, client, mailoutbox, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + datetime.timedelta(days=30)
    deadline = day - datetime.timedelta(days=7)
    with scopes_disabled():
        session = factories.SessionFactory(event=events_world.clinic, session_code="C1-A", capacity=1, date=day)
        factories.BookingFactory(session=session)
        first, second = (factories.BookingFactory(session=session, status="waiting") for _ in range(2))
    client.force_login(events_world.staff.user)
    changes = {"date": day.isoformat(), "booking_deadline": deadline.isoformat(), "address": "1 High Street"}  # no calendar change
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/sessions/{session.code}/edit/", _session_post(capacity="2", **changes), follow=True)
    assert "1 person waiting is offered a place by e-mail." in response.content.decode()
    with scopes_disabled():
        assert [Booking.objects.get(pk=b.pk).status for b in (first, second)] == ["offered", "waiting"]
        assert BookingNotice.objects.get(booking=first).kind == "booking-offered"
    assert [m.to for m in mailoutbox] == [[first.person.user.email]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/sessions/{session.code}/edit/", _session_post(capacity="2", note="Bring a laptop", **changes), follow=True)
    assert "offered a place" not in response.content.decode() and len(mailoutbox) == 1


def test_moving_a_session_raises_its_sequence_and_tells_the_people_booked_once(
    events_world, client, mailoutbox, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        session = factories.SessionFactory(event=events_world.clinic, session_code="C1-A")
        booking = factories.BookingFactory(session=session, person=events_world.ect.person)
    client.force_login(events_world.staff.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/sessions/{session.code}/edit/", _session_post(start_time="15:30"))
    assert response.status_code == 302
    with scopes_disabled():
        session.refresh_from_db()
        booking.refresh_from_db()
    assert (session.start_time, session.sequence, booking.sequence) == (datetime.time(15, 30), 1, 1)
    assert [m.to for m in mailoutbox] == [[events_world.ect.person.user.email]]
    assert "15:30" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/events/sessions/{session.code}/edit/", _session_post(start_time="15:30", note="Bring a laptop"))
    assert len(mailoutbox) == 1  # a note is not a calendar change


def test_cancelling_asks_first_then_cancels_the_bookings_and_mails_each_person_once(
    events_world, client, mailoutbox, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        session = factories.SessionFactory(event=events_world.clinic, session_code="C1-A", capacity=1)
        booked = factories.BookingFactory(session=session, person=events_world.ect.person)
        factories.BookingFactory(session=session, person=events_world.unmentored_ect.person, status="waiting")
    client.force_login(events_world.staff.user)
    page = client.get(f"/events/sessions/{session.code}/cancel/")
    assert "2 people are booked, offered a place or waiting" in page.content.decode()
    with scopes_disabled():
        assert Session.objects.get(pk=session.pk).cancelled_at is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/events/sessions/{session.code}/cancel/")
        client.post(f"/events/sessions/{session.code}/cancel/")
    with scopes_disabled():
        assert set(Booking.objects.filter(session=session).values_list("status", flat=True)) == {"cancelled"}
        assert BookingNotice.objects.filter(booking__session=session, sent_at__isnull=False).count() == 2
        booked.refresh_from_db()
    assert booked.sequence == 1
    assert sorted(m.subject for m in mailoutbox) == ["Cancelled: Clinic 1: Maintaining high expectations on 12 Nov 2025"] * 2


def test_the_sweep_sends_a_notice_whose_task_never_ran(events_world, mailoutbox):
    from events.notifications import send_unsent

    with scopes_disabled():
        booking = factories.BookingFactory(session__event=events_world.clinic)
        notice = BookingNotice.objects.create(
            hub=events_world.hub, booking=booking, kind="session-cancelled", sequence=1,
            created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=10),
        )
    assert send_unsent() == 1
    assert send_unsent() == 0
    assert len(mailoutbox) == 1
    with scopes_disabled():
        notice.refresh_from_db()
    assert notice.sent_at is not None


def test_copy_forward_previews_then_copies_by_week_of_term_and_is_idempotent(events_world, client):
    with scopes_disabled():
        save_year(events_world.hub, 2025, typical_term_dates(2025))
        save_year(events_world.hub, 2026, typical_term_dates(2026))
        # Wednesday of the second week of autumn 2 (3 Nov 2025 is a Monday).
        factories.SessionFactory(event=events_world.clinic, session_code="C1-2025-A", date=D(2025, 11, 12), booking_deadline=D(2025, 11, 5))
        # No term dates for 2027: 52 weeks later.
        factories.SessionFactory(event=events_world.clinic, session_code="LATE", date=D(2026, 7, 1), booking_deadline=D(2026, 6, 24))
    client.force_login(events_world.staff.user)
    preview = client.get("/events/copy-forward/", {"year": 2025})
    assert preview.status_code == 200 and "Copy 2 sessions" in preview.content.decode()
    with scopes_disabled():
        assert Session.objects.filter(hub=events_world.hub).count() == 2
    client.post("/events/copy-forward/", {"year": 2025})
    client.post("/events/copy-forward/", {"year": 2025})
    with scopes_disabled():
        copies = dict(Session.objects.filter(hub=events_world.hub, date__year__gte=2026).exclude(session_code="LATE").values_list("session_code", "date"))
        late = Session.objects.get(session_code="LATE-2026")
    # autumn 2 of 2026 starts on Tuesday 3 Nov 2026: its second week's Wednesday is 11 Nov.
    assert copies == {"C1-2026-A": D(2026, 11, 11), "LATE-2026": D(2027, 6, 30)}
    assert late.booking_deadline == D(2027, 6, 23)


def test_a_facilitator_sees_events_and_sessions_but_changes_nothing(events_world, client):
    with scopes_disabled():
        session = factories.SessionFactory(event=events_world.clinic)
    client.force_login(events_world.facilitator.user)
    assert client.get("/").url == "/events/"
    assert client.get("/events/").status_code == 200
    assert client.get(f"/events/{events_world.clinic.code}/").status_code == 200
    assert client.get(f"/events/sessions/{session.code}/").status_code == 200
    for url in (f"/events/{events_world.clinic.code}/sessions/new/", f"/events/sessions/{session.code}/edit/",
                f"/events/sessions/{session.code}/cancel/", "/events/copy-forward/", "/events/new/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/events/{events_world.clinic.code}/", {"self_booking": "on", "catch_up_days": "3"}).status_code == 403
    with scopes_disabled():
        nobody = factories.PersonFactory(hub=events_world.hub)
    for url in ("/hub/", "/people/", f"/schools/{events_world.school.code}/", "/hub/engagement/", "/hub/roles/"):
        client.force_login(events_world.facilitator.user)
        as_facilitator = client.get(url).status_code
        client.force_login(nobody.user)
        assert as_facilitator == client.get(url).status_code and as_facilitator in {302, 404}, url


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect"])
def test_events_pages_are_not_found_below_hub_roles(events_world, client, who):
    client.force_login(getattr(events_world, who).person.user)
    assert client.get("/events/").status_code == 404
    assert client.get(f"/events/{events_world.clinic.code}/").status_code == 404


def test_another_hubs_event_is_not_found(events_world, client):
    with scopes_disabled():
        theirs = Event.objects.get(hub=events_world.other_hub, event_code="ecte2025-ect1-clinic-1")
    client.force_login(events_world.staff.user)
    assert client.get(f"/events/{theirs.code}/").status_code == 404


def test_staff_add_an_event_of_the_hubs_own_and_cannot_take_a_catalogue_code(events_world, client):
    client.force_login(events_world.staff.user)
    data = {"event_code": "welcome-evening", "title": "Welcome evening", "kind": "other", "audience": "tutor",
            "attendance_expected": "on", "catch_up_days": "14"}
    assert client.post("/events/new/", {**data, "event_code": "tutor-launch"}).context["form"].errors["event_code"]
    response = client.post("/events/new/", {**data, "audience": "ect"})
    assert response.context["form"].errors["programme"] == ["An ECT event needs its programme."]
    assert client.post("/events/new/", data).status_code == 302
    with scopes_disabled():
        event = Event.objects.get(hub=events_world.hub, event_code="welcome-evening")
    assert not event.from_catalogue


def test_admins_grant_the_facilitator_role_and_facilitators_need_a_second_factor(events_world, client, settings):
    with scopes_disabled():
        newcomer = factories.PersonFactory(hub=events_world.hub)
    client.force_login(events_world.admin.user)
    assert client.post("/hub/roles/", {"email": newcomer.user.email, "hub_role": "facilitator"}).status_code == 302
    with scopes_disabled():
        newcomer.refresh_from_db()
    assert newcomer.is_facilitator
    client.force_login(newcomer.user)
    assert client.get("/events/").url == "/accounts/2fa/totp/activate/"


def test_a_tutor_records_that_their_mentor_was_previously_trained(events_world, client):
    client.force_login(events_world.tutor.person.user)
    url = f"/mentors/{events_world.mentor.code}/training/"
    assert client.post(url, {"previously_trained": "on"}).status_code == 302
    with scopes_disabled():
        events_world.mentor.refresh_from_db()
        assert events_world.mentor.previously_trained
        assert events_world.mentor.person.changes.filter(summary__contains="previously trained").exists()
    client.force_login(events_world.sibling_tutor.person.user)
    assert client.post(url, {}).status_code == 404


def test_a_mentor_records_it_themselves(events_world, client):
    client.force_login(events_world.mentor.person.user)
    assert client.post(f"/mentors/{events_world.mentor.code}/training/", {"previously_trained": "on"}).status_code == 302


@pytest.mark.parametrize("path", ["/events/", "event", "session"])
def test_pages_make_as_many_queries_however_many_sessions_and_bookings(events_world, client, django_assert_max_num_queries, path):
    client.force_login(events_world.staff.user)

    def url():
        with scopes_disabled():
            session = Session.objects.filter(event=events_world.clinic).first()
        return {"/events/": "/events/", "event": f"/events/{events_world.clinic.code}/", "session": f"/events/sessions/{session.code}/"}[path]

    with scopes_disabled():
        factories.BookingFactory(session__event=events_world.clinic)
    client.get(url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as baseline:
        client.get(url())
    with scopes_disabled():
        for _ in range(4):
            session = factories.SessionFactory(event=events_world.clinic)
            factories.BookingFactory.create_batch(3, session=session)
    with django_assert_max_num_queries(len(baseline)):
        assert client.get(url()).status_code == 200
