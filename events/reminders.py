"""Reminder e-mails 7 days and 1 day before each booked session, each sent exactly once.

`send_reminders` (Celery beat, hourly) writes a `Reminder` for every booked place (register not
taken, session live) whose session is due for one: the week reminder 6 or 7 days before, the day
reminder the day before or on the day (two days' chance each, in case a run is missed). The key is
booking + kind + session date under a unique constraint, so running again, a retry or a second
worker adds nothing; each reminder is claimed (`sent_at` NULL → now) before it is sent and a failed
send rolls the claim back for the next run. A reminder whose booking is no longer booked there on
that date is claimed without sending. Every reminder carries the booking's `.ics`.
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from ectprogramme import emails
from events.calendars import booking_attachment
from events.models import Booking, BookingStatus, Reminder, ReminderKind
from schools.scoping import scopes_disabled

logger = logging.getLogger(__name__)

# kind: (fewest, most) days before the session it is sent
WINDOWS = {ReminderKind.WEEK_BEFORE: (6, 7), ReminderKind.DAY_BEFORE: (0, 1)}


def due_bookings(kind, today):
    """Booked places on live sessions that `kind` of reminder is due for on `today`."""
    fewest, most = WINDOWS[kind]
    return Booking.objects.filter(
        status=BookingStatus.BOOKED, attendance="", session__cancelled_at__isnull=True,
        session__date__gte=today + datetime.timedelta(days=fewest), session__date__lte=today + datetime.timedelta(days=most),
    )


def plan_reminders(today):
    """Write the reminders due on `today` that do not exist yet (all hubs). Returns how many are new."""
    created = 0
    with scopes_disabled():
        for kind in WINDOWS:
            due = list(due_bookings(kind, today).values_list("pk", "hub_id", "session__date"))
            before = Reminder.objects.filter(kind=kind, booking_id__in=[pk for pk, _, _ in due]).count()
            Reminder.objects.bulk_create(
                [Reminder(hub_id=hub_id, booking_id=pk, kind=kind, session_date=day) for pk, hub_id, day in due],
                ignore_conflicts=True,
            )
            created += Reminder.objects.filter(kind=kind, booking_id__in=[pk for pk, _, _ in due]).count() - before
    return created


def send_reminder(reminder_id, today=None):
    """Send one reminder if nobody has (claim first); True if an e-mail went."""
    today = today or timezone.localdate()
    with scopes_disabled(), transaction.atomic():
        if not Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=timezone.now()):
            return False
        reminder = Reminder.objects.select_related("booking__person__user", "booking__session__event", "booking__hub").get(pk=reminder_id)
        booking = reminder.booking
        session = booking.session
        if (
            booking.status != BookingStatus.BOOKED or booking.attendance or session.cancelled_at is not None
            or session.date != reminder.session_date or session.date < today
        ):
            return False
        context = {
            "person": booking.person, "hub": booking.hub, "booking": booking, "session": session, "event": session.event,
            "days": (session.date - today).days,
        }
        emails.send("booking-reminder", booking.person.user.email, context, attachments=[booking_attachment(booking)])
    return True


def send_reminders(today=None):
    """The periodic job: plan today's reminders, then send every unsent one whose session is still
    ahead. Returns {"planned": n, "sent": n}. Safe to run any number of times."""
    today = today or timezone.localdate()
    planned = plan_reminders(today)
    with scopes_disabled():
        ids = list(Reminder.objects.filter(sent_at__isnull=True, session_date__gte=today).order_by("pk").values_list("pk", flat=True))
    sent = 0
    for reminder_id in ids:
        try:
            sent += send_reminder(reminder_id, today)
        except Exception:
            logger.exception("Reminder %s failed; the next run tries again", reminder_id)
    return {"planned": planned, "sent": sent}
