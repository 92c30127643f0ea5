"""A hub's year of conferences and clinics for the benchmarks: four sessions of every catalogue event
in its usual half term, about two thirds of the people expected at each ECT event booked, and (with
`registers_until`) the registers of the sessions before that day taken, with the catch-ups and
alternatives that follow: 85% attended, 10% absent (a clinic's catch-up, half of them done; a
conference's open alternative) and 5% excused.
"""

import datetime

HALF_TERM_MONTH = {"autumn1": 10, "autumn2": 11, "spring1": 1, "spring2": 3, "summer1": 5, "summer2": 6, "": 2}


def year_of_events(hub, year, registers_until=None):
    """Sessions of the academic year starting in September of `year`, bookings, and registers before
    `registers_until` (none when None). Returns (sessions, bookings) made."""
    from django.utils import timezone

    from events.catalogue import sync_catalogue
    from events.expected import expected_people
    from events.models import Alternative, Booking, BookingStatus, CatchUp, Event, Session

    sync_catalogue(hub)
    sessions = []
    for event in Event.objects.filter(hub=hub):
        month = HALF_TERM_MONTH[event.half_term]
        for k in range(4):
            day = datetime.date(year if month >= 9 else year + 1, month, 3 + 7 * k)
            sessions.append(Session(
                hub=hub, event=event, session_code=f"{event.event_code.upper()}-{year}-{k + 1}", date=day,
                start_time=datetime.time(16), end_time=datetime.time(17), format="in_person", venue="Bench centre",
                capacity=250, booking_deadline=day - datetime.timedelta(days=7),
            ))
    Session.objects.bulk_create(sessions)
    bookings = []
    for event in Event.objects.filter(hub=hub, audience="ect"):
        this_year = event.sessions.filter(date__gte=datetime.date(year, 9, 1), date__lt=datetime.date(year + 1, 9, 1))
        event_sessions = list(this_year.order_by("date"))
        people = list(expected_people(event, event_sessions[0].date).order_by("pk").values_list("pk", flat=True))
        held = dict.fromkeys([session.pk for session in event_sessions], 0)
        for i, person_id in enumerate(people[: len(people) * 2 // 3]):
            session = event_sessions[i % len(event_sessions)]
            status = BookingStatus.BOOKED if held[session.pk] < session.capacity else BookingStatus.WAITING
            held[session.pk] += status == BookingStatus.BOOKED
            attendance = ""
            if registers_until is not None and session.date < registers_until and status == BookingStatus.BOOKED:
                attendance = {0: "absent", 1: "absent", 2: "excused"}.get(i % 20, "attended")
            bookings.append(Booking(
                hub=hub, session=session, event=event, person_id=person_id, status=status, attendance=attendance,
                absence_reason="Unwell" if attendance == "excused" else "",
            ))
    bookings = Booking.objects.bulk_create(bookings, batch_size=2_000)
    kinds = dict(Event.objects.filter(hub=hub).values_list("pk", "kind"))
    dates = dict(Session.objects.filter(hub=hub).values_list("pk", "date"))
    missed = [booking for booking in bookings if booking.attendance == "absent"]
    CatchUp.objects.bulk_create([
        CatchUp(
            hub=hub, booking=booking, person_id=booking.person_id, event_id=booking.event_id,
            due_on=dates[booking.session_id] + datetime.timedelta(days=14), done_at=timezone.now() if n % 2 else None,
        )
        for n, booking in enumerate(b for b in missed if kinds[b.event_id] == "clinic")
    ])
    Alternative.objects.bulk_create([
        Alternative(hub=hub, booking=booking, person_id=booking.person_id, event_id=booking.event_id, reason="absent")
        for booking in missed if kinds[booking.event_id] == "conference"
    ])
    return len(sessions), len(bookings)
