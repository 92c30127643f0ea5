"""Calendar (iCalendar, RFC 5545) entries for bookings, built with the `icalendar` library.

`booking_event(booking)` is a booking's VEVENT: a stable UID per booking, SEQUENCE from the
booking (raised on every change to it or its session), times in Europe/London, STATUS CANCELLED
once the booking or its session is cancelled. `booking_calendar(booking)` wraps it for an e-mail
attachment: METHOD:REQUEST for a live booking, METHOD:CANCEL for a cancelled one.
`person_feed(person)` is a person's subscription feed (`/calendar/<token>.ics`): the same entries
for their booked sessions, and those cancelled after they were told of a place (STATUS CANCELLED).
"""

import datetime
from email.utils import parseaddr
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from events.models import Booking, BookingNotice, BookingStatus, NoticeKind, SessionFormat

LONDON = ZoneInfo("Europe/London")
PRODID = "-//ECT Engagement//Events//EN"


def booking_uid(booking):
    return f"booking-{booking.code}@{urlparse(settings.SITE_URL).hostname or 'localhost'}"


def is_cancelled(booking):
    return booking.status == BookingStatus.CANCELLED or booking.session.cancelled_at is not None


def booking_event(booking):
    """The booking's VEVENT (its session's date, times and place; the joining link for online ones,
    since only the person booked receives it)."""
    session, event = booking.session, booking.session.event
    entry = icalendar.Event()
    entry.add("uid", booking_uid(booking))
    entry.add("sequence", booking.sequence)
    entry.add("dtstamp", timezone.now())
    entry.add("dtstart", datetime.datetime.combine(session.date, session.start_time, tzinfo=LONDON))
    entry.add("dtend", datetime.datetime.combine(session.date, session.end_time, tzinfo=LONDON))
    entry.add("summary", event.title)
    if session.format == SessionFormat.ONLINE:
        entry.add("location", "Online")
        if session.online_url:
            entry.add("url", session.online_url)
    else:
        entry.add("location", ", ".join(part for part in (session.venue, " ".join(session.address.split())) if part))
    description = [f"{event.title} ({session.session_code})"]
    if session.format == SessionFormat.ONLINE and session.online_url:
        description.append(f"Joining link: {session.online_url}")
    if session.note:
        description.append(session.note)
    entry.add("description", "\n".join(description))
    entry.add("status", "CANCELLED" if is_cancelled(booking) else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = booking.hub.name
    entry.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{booking.person.user.email}")
    attendee.params["cn"] = booking.person.full_name
    attendee.params["partstat"] = "ACCEPTED"
    entry.add("attendee", attendee)
    return entry


def booking_calendar(booking):
    """A VCALENDAR holding the booking's VEVENT, as bytes: METHOD:CANCEL when it is cancelled."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if is_cancelled(booking) else "REQUEST")
    calendar.add_component(booking_event(booking))
    return calendar.to_ical()


def booking_attachment(booking):
    """`(filename, content, mimetype)` for `ectprogramme.emails.send`."""
    method = "CANCEL" if is_cancelled(booking) else "REQUEST"
    return ("invite.ics", booking_calendar(booking), f"text/calendar; method={method}; charset=UTF-8")


# Notices that tell someone they hold (or held) a place: a cancelled booking with one of them was
# on their calendar; a waiting-list place that ended never was.
HELD_NOTICES = (NoticeKind.BOOKING_CONFIRMED, NoticeKind.BOOKING_MOVED, NoticeKind.SESSION_CHANGED, NoticeKind.BOOKING_CANCELLED)


def feed_bookings(person):
    """The bookings on a person's feed: booked places (registers taken or not), and cancelled ones
    the person had been told of (so a calendar shows them cancelled). One query."""
    told = BookingNotice.objects.filter(booking=OuterRef("pk"), kind__in=HELD_NOTICES)
    return (
        Booking.objects.filter(person=person)
        .filter(Q(status=BookingStatus.BOOKED) | Q(Exists(told), status=BookingStatus.CANCELLED))
        .select_related("session__event", "person__user", "hub")
        .order_by("session__date", "session__start_time", "pk")
    )


def person_feed(person):
    """The person's calendar feed (a VCALENDAR as bytes, no METHOD: a subscription, not an invitation)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{person.hub.name}: my events")
    calendar.add("x-wr-timezone", "Europe/London")
    calendar.add("refresh-interval", datetime.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for booking in feed_bookings(person):
        calendar.add_component(booking_event(booking))
    return calendar.to_ical()
