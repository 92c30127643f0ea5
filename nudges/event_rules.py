"""Event reminders and catch-ups as automatic nudges (issue 13, rule 6; issue 12, items 5 and 8).

Planned in the hub's nightly run (`nudges.planning.plan`), so they are keyed, decided by
`nudges.gentle` (opt-out, school pause, weekly cap), recorded and sent like the other rules:

- **Event reminder** → a person booked on a live session (register not taken): the week reminder
  when the session is 6 or 7 days ahead, the day reminder when it is tomorrow or today (two
  nightly runs' chance each). Keyed by booking, kind and session date, so a session moved to
  another date is reminded again. The e-mail carries the booking's `.ics` (made when it is sent);
  one whose booking or session changed between the run and its sending is withdrawn, not sent
  (`at_sending`).
- Neither goes to an ECT who is paused, left or completed, about an ECT event.
- **Catch-up** → a person with an open catch-up (a missed clinic): told once when it is assigned
  (the next nightly run), with its materials, due date and the link to mark it done; and once
  more when it is due within `DUE_SOON_DAYS` and still not done, if they were told before.
  A catch-up done, or removed by a corrected register, is not planned again.
"""

import datetime

from django.conf import settings as django_settings
from django.urls import reverse

from ectprogramme.formats import human_date
from events.models import Audience, Booking, BookingStatus, CatchUp
from events.registers import schools_of_people
from nudges.models import Nudge, Rule
from participants.models import ECT, ECTStatusKind

# kind: (fewest, most) days before the session the nightly run plans it
WINDOWS = {"week": (6, 7), "day": (0, 1)}
DUE_SOON_DAYS = 3


def reminder_key(booking_code, kind, session_date):
    return f"event_reminder:{booking_code}:{kind}:{session_date.isoformat()}"


def catch_up_key(catch_up_code, stage):
    return f"catch_up:{catch_up_code}:{stage}"


def _session_fields(session, event):
    where = f"Online: {session.online_url}" if session.format == "online" else ", ".join(filter(None, [session.venue, session.address]))
    return {
        "event": event.title,
        "session": f"{session.date:%A} {human_date(session.date)}, {session.start_time:%H:%M} to {session.end_time:%H:%M}",
        "where": where,
    }


def plan_reminders(hub, as_of, add):
    """Call `add(key, **values)` for every reminder due as of `as_of` (one query for the bookings, one
    per kind of role for their schools)."""
    soonest, latest = min(w[0] for w in WINDOWS.values()), max(w[1] for w in WINDOWS.values())
    bookings = list(
        Booking.objects.filter(
            hub=hub, status=BookingStatus.BOOKED, attendance="", session__cancelled_at__isnull=True,
            session__date__gte=as_of + datetime.timedelta(days=soonest), session__date__lte=as_of + datetime.timedelta(days=latest),
        )
        .select_related("session__event")
        .order_by("session__date", "pk")
    )
    schools, resting = _schools(bookings), _ects_not_in_training(bookings)
    for booking in bookings:
        session, event = booking.session, booking.session.event
        if (booking.person_id, event.audience) in resting:
            continue
        ahead = (session.date - as_of).days
        kind = next((kind for kind, (fewest, most) in WINDOWS.items() if fewest <= ahead <= most), None)
        if kind is None:
            continue
        school = schools.get((booking.person_id, event.audience))
        add(
            reminder_key(booking.code, kind, session.date), rule=Rule.EVENT_REMINDER, recipient_id=booking.person_id,
            about_id=booking.person_id, school_id=school.pk if school else None, period_end=session.date,
            details={
                "booking": str(booking.code), "kind": kind, "session_date": session.date.isoformat(), "days": ahead,
                "note": session.note, **_session_fields(session, event),
            },
        )


def plan_catch_ups(hub, as_of, add):
    """Call `add(key, **values)` for every open catch-up of a session held by `as_of` (its notice) and, for those
    told before and due within `DUE_SOON_DAYS`, the reminder near the due date."""
    catch_ups = list(
        CatchUp.objects.filter(hub=hub, done_at__isnull=True, booking__session__date__lte=as_of)
        .select_related("event", "booking__session")
        .order_by("due_on", "pk")
    )
    due_soon = [c for c in catch_ups if as_of <= c.due_on <= as_of + datetime.timedelta(days=DUE_SOON_DAYS)]
    told = set(
        Nudge.objects.filter(hub=hub, key__in=[catch_up_key(c.code, "assigned") for c in due_soon]).values_list("key", flat=True)
    )
    schools, resting = _schools(catch_ups), _ects_not_in_training(catch_ups)
    for catch_up in catch_ups:
        if (catch_up.person_id, catch_up.event.audience) in resting:
            continue
        stages = ["assigned"]
        if catch_up in due_soon and catch_up_key(catch_up.code, "assigned") in told:
            stages.append("due")
        school = schools.get((catch_up.person_id, catch_up.event.audience))
        session = catch_up.booking.session
        for stage in stages:
            add(
                catch_up_key(catch_up.code, stage), rule=Rule.CATCH_UP, recipient_id=catch_up.person_id,
                about_id=catch_up.person_id, school_id=school.pk if school else None, period_end=catch_up.due_on,
                details={
                    "catch_up": str(catch_up.code), "stage": stage, "due_on": catch_up.due_on.isoformat(),
                    "materials": catch_up.event.catch_up_materials, **_session_fields(session, catch_up.event),
                },
            )


def _ects_not_in_training(rows):
    """{(person id, ECT audience)} of the bookings' or catch-ups' ECTs who are paused, left or completed
    today: no automatic nudge goes to them (issue 13, "Gentle"), so nothing about an ECT event either."""
    people = {row.person_id for row in rows if row.event.audience == Audience.ECT}
    resting = ECT.objects.filter(
        person_id__in=people, statuses__finished_on__isnull=True,
        statuses__status__in=[ECTStatusKind.PAUSED, ECTStatusKind.LEFT, ECTStatusKind.COMPLETED],
    )
    return {(person_id, Audience.ECT) for person_id in resting.values_list("person_id", flat=True)}


def _schools(rows):
    """{(person id, audience): School} for bookings or catch-ups (the school an event's person belongs to)."""
    by_audience = {}
    for row in rows:
        by_audience.setdefault(row.event.audience, set()).add(row.person_id)
    return {
        (person_id, audience): school
        for audience, people in by_audience.items()
        for person_id, school in schools_of_people(people, audience).items()
    }


def _when(days, day):
    return {0: "today", 1: "tomorrow"}.get(days, f"on {human_date(day)}")


def render_values(rule, details):
    """(wording values, template context) of an event reminder or a catch-up notice, from its details."""
    if rule == Rule.EVENT_REMINDER:
        when = _when(details["days"], datetime.date.fromisoformat(details["session_date"]))
        values = {"event": details["event"], "session": details["session"], "when": when}
        context = {
            "event": details["event"], "session": details["session"], "where": details["where"], "note": details.get("note", ""),
            "link": django_settings.SITE_URL + reverse("events:my_events"), "link_label": "See your events",
        }
        return values, context
    due = human_date(datetime.date.fromisoformat(details["due_on"]))
    values = {"event": details["event"], "session": details["session"], "due_date": due}
    context = {
        "event": details["event"], "due_date": due, "materials": details.get("materials", ""),
        "due_soon": "yes" if details.get("stage") == "due" else "",
        "link": django_settings.SITE_URL + reverse("catch_up", args=[details["catch_up"]]),
        "link_label": "Open your catch-up and mark it done",
    }
    return values, context


NO_LONGER_DUE = "its booking or session changed before it was sent"


def at_sending(nudge_details):
    """(attachments, reason) for an event reminder e-mail about to go: the `.ics` of its booking as it
    stands now, or, when the booking is no longer booked on that session and date (cancelled, moved,
    its register taken, the session cancelled or moved since the run), the reason it must not go."""
    from events.calendars import booking_attachment

    wanted = {d["booking"]: d["session_date"] for d in nudge_details if d.get("booking")}
    bookings = list(Booking.objects.filter(code__in=wanted).select_related("session__event", "person__user", "hub").order_by("pk"))
    live = [
        b for b in bookings
        if b.status == BookingStatus.BOOKED and not b.attendance and b.session.cancelled_at is None
        and b.session.date.isoformat() == wanted[str(b.code)]
    ]
    if len(live) < len(wanted):
        return [], NO_LONGER_DUE
    return [booking_attachment(booking) for booking in live], ""
