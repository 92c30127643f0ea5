"""The demo hub's events, for `manage.py seed_demo`: the catalogue and a few sessions of this
academic year with people booked and one waiting list, and the registers of past sessions
(catch-ups due and done, an open alternative), then the rest of the year's sessions with people
booked on the clinics to come (`seed_year`). Deterministic and safe to run again: a session is
found by its code, a booking by its person and session."""

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


# Where in the year each half term's sessions fall: (month, days of the month), moved to the Wednesday.
HALF_TERM_DAYS = {
    "autumn1": (10, (6, 13, 20)), "autumn2": (11, (10, 17, 24)), "spring1": (1, (19, 26, 12)),
    "spring2": (3, (9, 16, 23)), "summer1": (5, (4, 11, 18)), "summer2": (6, (15, 22, 29)),
}


def _wednesday(day):
    return day + datetime.timedelta(days=(2 - day.weekday()) % 7)


def seed_year(hub, today):
    """A year of sessions for every expected event of the catalogue that has none this academic
    year: three dates for a clinic (two in person after school, one online), two for a conference
    (in person and online); then a third of the people expected at each ECT clinic still to come
    booked on its online date (joining links on My events). Safe to run again."""
    year = academic_year_of(today)
    start, end = datetime.date(year, 9, 1), datetime.date(year + 1, 9, 1)
    with hub_scope(hub):
        for event in Event.objects.filter(hub=hub, kind="clinic", catch_up_materials=""):
            event.catch_up_materials = (
                f"Work through the {event.title} slides and reading on the learning platform "
                "(https://learning.example.org/catch-up), then discuss one idea with your mentor."
            )
            event.save(update_fields=["catch_up_materials"])
        scheduled = set(Session.objects.filter(hub=hub, date__gte=start, date__lt=end).values_list("event_id", flat=True))
        for event in Event.objects.filter(hub=hub, attendance_expected=True).exclude(half_term="").exclude(pk__in=scheduled):
            month, days = HALF_TERM_DAYS[event.half_term]
            plans = [("A", "in_person"), ("B", "in_person"), ("C", "online")] if event.is_clinic else [("A", "in_person"), ("B", "online")]
            for (suffix, form), day in zip(plans, days, strict=False):
                date = _wednesday(_on(year, month, day))
                clinic = event.is_clinic
                create_session(event, {
                    "session_code": f"{event.event_code.upper()}-{year}-{suffix}", "date": date,
                    "start_time": datetime.time(16, 0) if clinic else datetime.time(9, 0),
                    "end_time": datetime.time(17, 0) if clinic else datetime.time(15, 30),
                    "format": form, "venue": "Demo Teaching School Hub, Conference Centre" if form == "in_person" else "",
                    "address": "1 Market Street" if form == "in_person" else "",
                    "online_url": f"https://meet.example.org/demo-{event.event_code}" if form == "online" else "",
                    "capacity": 30 if clinic else 120, "booking_deadline": date - datetime.timedelta(days=7), "note": "",
                })
        _book_and_register_past(hub, today, start)
        for online in Session.objects.filter(
            hub=hub, format="online", date__gte=today, date__lt=end, cancelled_at__isnull=True,
            event__audience="ect", event__kind="clinic", event__from_catalogue=True,
        ).select_related("event"):
            if Booking.objects.filter(session=online).exists():
                continue
            on_event = Booking.objects.filter(event=online.event).values("person_id")
            people = list(expected_people(online.event, online.date).exclude(pk__in=on_event).order_by("-last_name", "first_name", "pk"))
            for person in people[: min(online.capacity, max(1, len(people) // 3))]:
                Booking.objects.create(hub=hub, session=online, event=online.event, person=person, status=BookingStatus.BOOKED)


def _book_and_register_past(hub, today, start):
    """The year's past in-person sessions that nobody was booked on: everyone expected and not
    booked elsewhere booked on it (up to its capacity), and the register taken, every seventh
    person absent (so catch-ups and alternatives follow)."""
    staff = Person.objects.filter(hub=hub, hub_role__in=["staff", "admin"]).select_related("user").order_by("pk").first()
    actor = staff.user if staff else None
    past = Session.objects.filter(
        hub=hub, format="in_person", date__gte=start, date__lt=today, cancelled_at__isnull=True, event__from_catalogue=True,
    ).exclude(event__audience="tutor").select_related("event").order_by("date", "pk")
    for session in past:
        if Booking.objects.filter(session=session).exists():
            continue
        on_event = Booking.objects.filter(event=session.event).values("person_id")
        people = expected_people(session.event, session.date).exclude(pk__in=on_event).order_by("last_name", "first_name", "pk")
        for place, person in enumerate(people[: session.capacity]):
            booking = Booking.objects.create(hub=hub, session=session, event=session.event, person=person, booked_by=actor)
            registers.mark(booking, "absent" if place % 7 == 3 else "attended", actor)


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
