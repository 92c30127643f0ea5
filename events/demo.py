"""The demo hub's events, for `manage.py seed_demo`: the catalogue and a few sessions of this
academic year with people booked and one waiting list, and the registers of past sessions
(catch-ups due and done, an open alternative). Deterministic and safe to run again: a
session is found by its code, a booking by its person and session."""

import datetime

from django.db.models import Count

from events.catalogue import sync_catalogue
from events.expected import expected_people
from events import registers
from events.models import Booking, BookingStatus, CatchUp, Event, Session
from events.sessions import EDITABLE_FIELDS, create_session
from participants.cohorts import academic_year_of
from participants.models import Person
from schools.scoping import hub_scope

# (event code, code suffix, month, day, start, end, format, capacity): dates in the academic year.
SESSIONS = [
    ("ecte2025-ect1-conference-1", "A", 10, 8, (9, 0), (15, 30), "in_person", 120),
    ("ecte2025-ect1-clinic-1", "A", 11, 12, (16, 0), (17, 0), "in_person", 3),
    ("ecte2025-ect1-clinic-1", "B", 11, 19, (16, 0), (17, 0), "online", 40),
    ("ecte2025-ect1-clinic-2", "A", 3, 4, (16, 0), (17, 0), "in_person", 30),
    ("mentor-conference-1", "A", 10, 15, (9, 0), (15, 0), "in_person", 80),
    ("tutor-launch", "A", 9, 24, (15, 45), (17, 0), "online", 100),
]


def _on(year, month, day):
    return datetime.date(year if month >= 9 else year + 1, month, day)


def seed(hub, today):
    """The catalogue, this year's demo sessions, and bookings on the first clinic (full, with a waiting list)."""
    year = academic_year_of(today)
    with hub_scope(hub):
        sync_catalogue(hub)
        events = {event.event_code: event for event in Event.objects.filter(hub=hub)}
        for code, suffix, month, day, start, end, form, capacity in SESSIONS:
            session_code = f"{code.upper()}-{year}-{suffix}"
            if Session.objects.filter(hub=hub, session_code=session_code).exists():
                continue
            date = _on(year, month, day)
            create_session(events[code], {
                "session_code": session_code, "date": date, "start_time": datetime.time(*start), "end_time": datetime.time(*end),
                "format": form, "venue": "Demo Teaching School Hub, Conference Centre" if form == "in_person" else "",
                "address": "1 Market Street" if form == "in_person" else "",
                "online_url": "https://meet.example.org/demo" if form == "online" else "",
                "capacity": capacity, "booking_deadline": date - datetime.timedelta(days=7), "note": "",
            })
        _book_first_clinic(hub, events["ecte2025-ect1-clinic-1"], year)
    seed_bookings(hub, today)


def _book_first_clinic(hub, clinic, year):
    """Fill the first clinic session and put the next expected people on its waiting list."""
    session = Session.objects.filter(hub=hub, session_code=f"{clinic.event_code.upper()}-{year}-A").first()
    if session is None or Booking.objects.filter(session=session).exists():
        return
    people = list(expected_people(clinic, session.date).order_by("last_name", "first_name", "pk")[: session.capacity + 2])
    for place, person in enumerate(people):
        status = BookingStatus.BOOKED if place < session.capacity else BookingStatus.WAITING
        Booking.objects.create(hub=hub, session=session, event=clinic, person=person, status=status)


def seed_bookings(hub, today):
    """Clinic 2: half the people expected booked on its first session, a small second session full
    with one person waiting, so "who has not booked" and the booking forms have something to show.
    Bookings are written directly (no e-mails); a person already on the event is left alone."""
    year = academic_year_of(today)
    with hub_scope(hub):
        clinic = Event.objects.get(hub=hub, event_code="ecte2025-ect1-clinic-2")
        clinic.self_booking = True
        clinic.save(update_fields=["self_booking"])
        first = Session.objects.filter(hub=hub, session_code=f"{clinic.event_code.upper()}-{year}-A").first()
        if first is None:
            return
        small = Session.objects.filter(hub=hub, session_code=f"{clinic.event_code.upper()}-{year}-B").first()
        if small is None:
            fields = {name: getattr(first, name) for name in EDITABLE_FIELDS}
            fields.update(session_code=f"{clinic.event_code.upper()}-{year}-B", capacity=2, date=first.date + datetime.timedelta(days=7))
            small = create_session(clinic, fields)
        people = list(expected_people(clinic, first.date).order_by("last_name", "first_name", "pk"))
        on_event = set(Booking.objects.filter(event=clinic).values_list("person_id", flat=True))
        plan = [(small, BookingStatus.BOOKED), (small, BookingStatus.BOOKED), (small, BookingStatus.WAITING)]
        plan += [(first, BookingStatus.BOOKED)] * (len(people) // 2)
        for person, (session, status) in zip(people, plan):
            if person.pk not in on_event:
                Booking.objects.create(hub=hub, session=session, event=clinic, person=person, status=status)


def sessions_summary(hub):
    with hub_scope(hub):
        return Session.objects.filter(hub=hub).aggregate(n=Count("pk"))["n"]


def seed_registers(hub, today):
    """Registers of the demo's past sessions: the first clinic's taken (one attended, one absent
    with a catch-up done, one excused with a catch-up due), and the first conference's with four
    people booked, three attended and one absent (an open alternative). Safe to run again."""
    year = academic_year_of(today)
    with hub_scope(hub):
        staff = Person.objects.filter(hub=hub, hub_role__in=["staff", "admin"]).select_related("user").order_by("pk").first()
        actor = staff.user if staff else None
        clinic = Session.objects.filter(hub=hub, session_code=f"ECTE2025-ECT1-CLINIC-1-{year}-A").first()
        if clinic is not None and clinic.date <= today:
            booked = list(Booking.objects.filter(session=clinic, status=BookingStatus.BOOKED).order_by("pk")[:3])
            for booking, (attendance, reason) in zip(booked, [("attended", ""), ("absent", ""), ("excused", "Hospital appointment")], strict=False):
                if booking.attendance == "":
                    registers.mark(booking, attendance, actor, reason)
            first_catch_up = CatchUp.objects.filter(booking__session=clinic).order_by("pk").first()
            if first_catch_up is not None and not CatchUp.objects.filter(booking__session=clinic, done_at__isnull=False).exists():
                registers.complete_catch_up(first_catch_up, first_catch_up.person.user)
        conference = Session.objects.filter(hub=hub, session_code=f"ECTE2025-ECT1-CONFERENCE-1-{year}-A").select_related("event").first()
        if conference is not None and conference.date <= today:
            if not Booking.objects.filter(session=conference).exists():
                already = Booking.objects.filter(event=conference.event, status__in=[BookingStatus.BOOKED, BookingStatus.OFFERED], attendance="")
                for person in expected_people(conference.event, conference.date).exclude(pk__in=already.values("person_id")).order_by("last_name", "first_name", "pk")[:4]:
                    Booking.objects.create(hub=hub, session=conference, event=conference.event, person=person, booked_by=actor)
            pending = list(Booking.objects.filter(session=conference, status=BookingStatus.BOOKED, attendance="").order_by("pk"))
            if len(pending) == Booking.objects.filter(session=conference, status=BookingStatus.BOOKED).count():
                for place, booking in enumerate(pending):
                    registers.mark(booking, "absent" if place == len(pending) - 1 else "attended", actor)
