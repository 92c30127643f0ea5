"""Calendar (iCalendar, RFC 5545) entries for bookings, built with the `icalendar` library.

`booking_event(booking)` is a booking's VEVENT: a stable UID per booking, SEQUENCE from the
booking (raised on every change to it or its session), times in Europe/London, STATUS CANCELLED
once the booking or its session is cancelled. `booking_calendar(booking)` wraps it for an e-mail
attachment: METHOD:REQUEST for a live booking, METHOD:CANCEL for a cancelled one.
"""

import datetime
from email.utils import parseaddr
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.utils import timezone

from events.models import BookingStatus, SessionFormat

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
