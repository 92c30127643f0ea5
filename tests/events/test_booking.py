"""Booking rules (`events.booking`): capacity, deadlines, who may be booked, moves, the waiting
list and its offers, and the e-mails (with their `.ics`) each sent once."""

import datetime
import threading

import icalendar
import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from events import booking, notifications
from events.calendars import LONDON, booking_uid
from events.catalogue import sync_catalogue
from events.models import Booking, BookingNotice, BookingStatus, Event, NoticeKind
from events.sessions import cancel_session, update_session
from tests import factories

D = datetime.date
BEFORE_DEADLINE = D(2025, 11, 1)  # the default session is on 12 Nov 2025, deadline 5 Nov
AFTER_DEADLINE = D(2025, 11, 8)
NOW = datetime.datetime(2025, 11, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clinic(world):
    with scopes_disabled():
        sync_catalogue(world.hub)
        yield Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")


@pytest.fixture
def session(clinic):
    return factories.SessionFactory(event=clinic, capacity=2)


def _ect(world, school=None):
    return factories.ECTFactory(school=school or world.school).person


def _calendar(message):
    (name, content, mimetype), = message.attachments
    assert name == "invite.ics" and mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    return calendar, calendar.walk("VEVENT")[0]


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what is queued on commit (the e-mail tasks, eager in tests) as each `with` block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- Booking and its e-mail ----------------------------------------------------------------------


def test_booking_a_person_sends_one_confirmation_with_a_calendar_request(world, session, mailoutbox, run_on_commit):
    with scopes_disabled(), run_on_commit():
        made = booking.book(session, world.ect.person, actor=world.tutor.person.user, today=BEFORE_DEADLINE)
    assert (made.status, made.sequence, made.booked_by) == ("booked", 0, world.tutor.person.user)
    message, = mailoutbox
    assert message.to == [world.ect.person.user.email]
    assert message.subject == "Booked: Clinic 1: Maintaining high expectations on 12 Nov 2025"
    calendar, entry = _calendar(message)
    assert calendar["METHOD"] == "REQUEST"
    assert str(entry["UID"]) == booking_uid(made) and entry["SEQUENCE"] == 0 and entry["STATUS"] == "CONFIRMED"
    assert entry.decoded("DTSTART") == datetime.datetime(2025, 11, 12, 16, 0, tzinfo=LONDON)
    assert "Hub Centre" in str(entry["LOCATION"])
    with scopes_disabled():
        notice = BookingNotice.objects.get(booking=made)
        assert not notifications.send_notice(notice.pk), "a retried task sends nothing more"
    assert len(mailoutbox) == 1


def test_booking_twice_keeps_one_booking(world, session):
    with scopes_disabled():
        first = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        again = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        assert first.pk == again.pk and Booking.objects.filter(person=world.ect.person).count() == 1


def test_a_full_session_refuses_the_next_person_and_offers_its_waiting_list(world, session):
    with scopes_disabled():
        booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        booking.book(session, world.unmentored_ect.person, today=BEFORE_DEADLINE)
        third = _ect(world)
        with pytest.raises(booking.SessionFull):
            booking.book(session, third, today=BEFORE_DEADLINE)
        waiting = booking.join_waiting_list(session, third, today=BEFORE_DEADLINE)
        assert waiting.status == "waiting"
        assert session.bookings.filter(status__in=["booked", "offered"]).count() == 2


def test_the_waiting_list_is_only_for_a_full_session(world, session):
    with scopes_disabled(), pytest.raises(booking.BookingProblem, match="places left"):
        booking.join_waiting_list(session, world.ect.person, today=BEFORE_DEADLINE)


def test_a_cancelled_session_cannot_be_booked(world, session):
    with scopes_disabled():
        cancel_session(session)
        with pytest.raises(booking.BookingProblem, match="cancelled"):
            booking.book(session, world.ect.person, by_staff=True, today=BEFORE_DEADLINE)


def test_only_people_expected_at_the_event_can_be_booked(world, session):
    with scopes_disabled():
        for person in (world.mentor.person, world.tutor.person, factories.ECTFactory(school=world.school, cohort_start_year=2024).person):
            with pytest.raises(booking.BookingProblem, match="not expected"):
                booking.book(session, person, by_staff=True, today=BEFORE_DEADLINE)


def test_hub_staff_may_book_anyone_of_the_hub_on_an_event_the_hub_added(world):
    with scopes_disabled():
        own = factories.EventFactory(hub=world.hub, audience="tutor", programme="", ect_year=None)
        session = factories.SessionFactory(event=own)
        with pytest.raises(booking.BookingProblem, match="not expected"):
            booking.book(session, world.mentor.person, today=BEFORE_DEADLINE)
        assert booking.book(session, world.mentor.person, by_staff=True, today=BEFORE_DEADLINE).status == "booked"
        with pytest.raises(booking.BookingProblem):
            booking.book(session, world.other_ect.person, by_staff=True, today=BEFORE_DEADLINE)


def test_one_live_booking_per_person_per_event(world, clinic, session):
    other = factories.SessionFactory(event=clinic, date=D(2025, 11, 19))
    with scopes_disabled():
        booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        with pytest.raises(booking.BookingProblem, match="move that booking"):
            booking.book(other, world.ect.person, today=BEFORE_DEADLINE)


# --- Deadlines ----------------------------------------------------------------------------------


def test_after_the_deadline_only_hub_staff_book_cancel_or_move(world, clinic, session):
    later = factories.SessionFactory(event=clinic, date=D(2025, 11, 19), booking_deadline=D(2025, 11, 18))
    with scopes_disabled():
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        with pytest.raises(booking.BookingProblem, match="closed on 5 Nov 2025"):
            booking.book(session, world.unmentored_ect.person, today=AFTER_DEADLINE)
        with pytest.raises(booking.BookingProblem, match="only the hub"):
            booking.cancel(made, today=AFTER_DEADLINE)
        with pytest.raises(booking.BookingProblem, match="only the hub"):
            booking.move(made, later, today=AFTER_DEADLINE)
        assert booking.move(made, later, by_staff=True, today=AFTER_DEADLINE).session == later
        assert booking.cancel(made, by_staff=True, today=AFTER_DEADLINE).status == "cancelled"
        assert booking.book(session, world.unmentored_ect.person, by_staff=True, today=AFTER_DEADLINE).status == "booked"


def test_a_booking_can_be_cancelled_on_the_deadline_day(world, session):
    with scopes_disabled():
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        assert booking.cancel(made, today=session.booking_deadline).status == "cancelled"


# --- Moves --------------------------------------------------------------------------------------


def test_a_move_keeps_the_booking_raises_its_sequence_and_updates_the_calendar(world, clinic, session, mailoutbox, run_on_commit):
    later = factories.SessionFactory(event=clinic, date=D(2025, 11, 19), format="online", venue="", online_url="https://meet.example.org/x")
    with scopes_disabled():
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        mailoutbox.clear()
        with run_on_commit():
            moved = booking.move(made, later, today=BEFORE_DEADLINE)
    assert (moved.pk, moved.code, moved.session_id, moved.sequence) == (made.pk, made.code, later.pk, 1)
    message, = mailoutbox
    assert message.subject.startswith("Moved:")
    calendar, entry = _calendar(message)
    assert str(entry["UID"]) == booking_uid(made) and entry["SEQUENCE"] == 1
    assert entry.decoded("DTSTART") == datetime.datetime(2025, 11, 19, 16, 0, tzinfo=LONDON)
    assert "https://meet.example.org/x" in str(entry["DESCRIPTION"])


def test_a_move_checks_the_new_sessions_capacity_first(world, clinic, session):
    full = factories.SessionFactory(event=clinic, date=D(2025, 11, 19), capacity=1)
    with scopes_disabled():
        booking.book(full, world.unmentored_ect.person, today=BEFORE_DEADLINE)
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        with pytest.raises(booking.SessionFull):
            booking.move(made, full, today=BEFORE_DEADLINE)
        made.refresh_from_db()
        assert made.session == session and made.sequence == 0


def test_a_move_only_goes_to_a_session_of_the_same_event(world, session):
    with scopes_disabled():
        other_event = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-2")
        elsewhere = factories.SessionFactory(event=other_event)
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        with pytest.raises(booking.BookingProblem, match="same event"):
            booking.move(made, elsewhere, by_staff=True, today=BEFORE_DEADLINE)


# --- Waiting list and offers --------------------------------------------------------------------


@pytest.fixture
def full_with_queue(world, session):
    """The session full (the two Elm ECTs) and two people waiting, first and second."""
    with scopes_disabled():
        booked = [booking.book(session, p, today=BEFORE_DEADLINE) for p in (world.ect.person, world.unmentored_ect.person)]
        first, second = _ect(world), _ect(world)
        waiting = [booking.join_waiting_list(session, p, today=BEFORE_DEADLINE) for p in (first, second)]
    return booked, waiting


def test_a_cancellation_offers_the_place_to_the_first_waiting_by_email(world, session, full_with_queue, mailoutbox, run_on_commit):
    (booked, _), (first, second) = full_with_queue
    now = NOW
    with scopes_disabled(), run_on_commit():
        booking.cancel(booked, today=BEFORE_DEADLINE, now=now)
        first.refresh_from_db()
        second.refresh_from_db()
    assert (first.status, second.status) == ("offered", "waiting")
    assert first.offer_expires_at == now + datetime.timedelta(hours=booking.OFFER_HOURS)
    offer_mail = next(m for m in mailoutbox if m.subject.startswith("A place is free"))
    assert offer_mail.to == [first.person.user.email] and not offer_mail.attachments
    token = booking.offer_token(first)
    assert f"/events/offers/{token}/" in offer_mail.body
    with scopes_disabled():
        assert booking.booking_for_offer_token(token) == first
        accepted = booking.accept_offer(first, now=now)
        assert accepted.status == "booked" and accepted.offer_expires_at is None
        assert booking.booking_for_offer_token(token) is None, "the link is single-use"
        assert session.bookings.filter(status__in=["booked", "offered"]).count() == 2


def test_an_offer_never_outlasts_the_booking_deadline(world, session, full_with_queue):
    (booked, _), (first, _) = full_with_queue
    late = datetime.datetime(2025, 11, 4, 12, 0, tzinfo=datetime.UTC)
    with scopes_disabled():
        booked.status = BookingStatus.CANCELLED
        booked.save()
        booking.offer_free_places(session, now=late)
        first.refresh_from_db()
    assert first.offer_expires_at == datetime.datetime(2025, 11, 6, 0, 0, tzinfo=LONDON)


def test_no_offer_once_the_deadline_day_is_over(world, session, full_with_queue):
    (booked, _), (first, _) = full_with_queue
    with scopes_disabled():
        booked.status = BookingStatus.CANCELLED
        booked.save()
        assert booking.offer_free_places(session, now=datetime.datetime(2025, 11, 6, 9, 0, tzinfo=LONDON)) == []


def test_an_expired_offer_passes_to_the_next_and_the_job_is_idempotent(world, session, full_with_queue):
    (booked, _), (first, second) = full_with_queue
    with scopes_disabled():
        booking.cancel(booked, today=BEFORE_DEADLINE, now=NOW)
        first.refresh_from_db()
        after = first.offer_expires_at + datetime.timedelta(minutes=1)
        assert booking.work_waiting_lists(after) == {"sessions": 1, "expired": 1, "offered": 1}
        assert booking.work_waiting_lists(after) == {"sessions": 0, "expired": 0, "offered": 0}
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, second.status) == ("cancelled", "offered")
        with pytest.raises(booking.BookingProblem, match="no longer open"):
            booking.accept_offer(first, now=after)


def test_an_expired_offer_cannot_be_accepted(world, session, full_with_queue):
    (booked, _), (first, _) = full_with_queue
    with scopes_disabled():
        booking.cancel(booked, today=BEFORE_DEADLINE, now=NOW)
        first.refresh_from_db()
        with pytest.raises(booking.BookingProblem, match="expired"):
            booking.accept_offer(first, now=first.offer_expires_at)


def test_declining_an_offer_offers_it_to_the_next(world, session, full_with_queue):
    (booked, _), (first, second) = full_with_queue
    with scopes_disabled():
        booking.cancel(booked, today=BEFORE_DEADLINE, now=NOW)
        first.refresh_from_db()
        booking.decline_offer(first, now=NOW)
        second.refresh_from_db()
        assert second.status == "offered"


def test_a_move_away_and_a_raised_capacity_free_places(world, clinic, session, full_with_queue):
    (booked, _), (first, second) = full_with_queue
    later = factories.SessionFactory(event=clinic, date=D(2025, 11, 19))
    with scopes_disabled():
        booking.move(booked, later, today=BEFORE_DEADLINE, now=NOW)
        first.refresh_from_db()
        assert first.status == "offered"
        update_session(session, {"capacity": 3})
        booking.work_waiting_lists(NOW)
        second.refresh_from_db()
        assert second.status == "offered"


def test_booking_elsewhere_leaves_the_waiting_list(world, clinic, session, full_with_queue):
    _, (first, _) = full_with_queue
    later = factories.SessionFactory(event=clinic, date=D(2025, 11, 19))
    with scopes_disabled():
        booking.book(later, first.person, today=BEFORE_DEADLINE)
        first.refresh_from_db()
        assert first.status == "cancelled"


# --- Cancellation and session e-mails -------------------------------------------------------------


def test_a_cancellation_sends_a_calendar_cancel(world, session, mailoutbox, run_on_commit):
    with scopes_disabled():
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        mailoutbox.clear()
        with run_on_commit():
            booking.cancel(made, today=BEFORE_DEADLINE)
    message, = mailoutbox
    calendar, entry = _calendar(message)
    assert calendar["METHOD"] == "CANCEL" and entry["STATUS"] == "CANCELLED" and entry["SEQUENCE"] == 1


def test_session_changed_and_cancelled_emails_carry_the_calendar(world, session, mailoutbox, run_on_commit):
    with scopes_disabled():
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        mailoutbox.clear()
        with run_on_commit():
            update_session(session, {"start_time": datetime.time(15, 30)})
        with run_on_commit():
            cancel_session(session)
    changed, cancelled = mailoutbox
    _, entry = _calendar(changed)
    assert entry["SEQUENCE"] == 1 and entry.decoded("DTSTART").time() == datetime.time(15, 30)
    calendar, entry = _calendar(cancelled)
    assert calendar["METHOD"] == "CANCEL" and entry["SEQUENCE"] == 2 and str(entry["UID"]) == booking_uid(made)


def test_a_notice_overtaken_by_a_later_one_is_not_sent(world, clinic, session, mailoutbox):
    later = factories.SessionFactory(event=clinic, date=D(2025, 11, 19))
    with scopes_disabled():
        made = booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
        booking.move(made, later, today=BEFORE_DEADLINE)
        notices = {n.kind: n.pk for n in BookingNotice.objects.filter(booking=made)}
    assert notifications.send_notice(notices[NoticeKind.BOOKING_CONFIRMED]) is False
    assert notifications.send_notice(notices[NoticeKind.BOOKING_MOVED]) is True
    assert [m.subject[:6] for m in mailoutbox] == ["Moved:"]


def test_the_sweep_sends_booking_emails_never_queued(world, session, mailoutbox):
    with scopes_disabled():
        booking.book(session, world.ect.person, today=BEFORE_DEADLINE)
    assert mailoutbox == []
    later = timezone.now() + notifications.UNSENT_AFTER
    assert notifications.send_unsent(later) == 1
    assert notifications.send_unsent(later) == 0
    assert len(mailoutbox) == 1


# --- Two people, one last place, at the same moment ----------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the lock is proven on PostgreSQL")
def test_two_people_taking_the_last_place_at_once_one_is_booked_the_other_told(world_committed):
    world = world_committed
    with scopes_disabled():
        sync_catalogue(world.hub)
        clinic = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")
        session = factories.SessionFactory(event=clinic, capacity=1)
        people = [world.ect.person, world.unmentored_ect.person]
    barrier = threading.Barrier(2)
    outcomes = {}

    def attempt(person):
        from django.db import connection as thread_connection

        try:
            with scopes_disabled():
                barrier.wait(timeout=10)
                try:
                    booking.book(session, person, today=BEFORE_DEADLINE)
                    outcomes[person.pk] = "booked"
                except booking.SessionFull:
                    booking.join_waiting_list(session, person, today=BEFORE_DEADLINE)
                    outcomes[person.pk] = "told, waiting"
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["booked", "told, waiting"]
    with scopes_disabled():
        assert sorted(session.bookings.values_list("status", flat=True)) == ["booked", "waiting"]
