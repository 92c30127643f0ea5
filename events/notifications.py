"""E-mails to the people booked on a session when it changes or is cancelled, each sent once.

A `BookingNotice` is written with the change (one per booking, kind and booking sequence):
session changed or cancelled (`events.sessions`), booking confirmed, moved or cancelled and a place
offered (`events.booking`). `send_notice` claims it (`sent_at` NULL → now) and sends only when it
claimed it, so a retried task or the sweep never mails twice. Every e-mail about a booked place
carries the booking's `.ics` (`events.calendars`); a notice overtaken by a later one about the same
booking (a higher sequence) is claimed without sending, so nobody gets a stale calendar entry.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ectprogramme import emails
from events.calendars import booking_attachment
from events.models import BookingNotice, NoticeKind
from schools.scoping import scopes_disabled

logger = logging.getLogger(__name__)

UNSENT_AFTER = datetime.timedelta(minutes=5)
UNSENT_GIVE_UP_AFTER = datetime.timedelta(days=3)


def send_notice(notice_id):
    """Send one notice's e-mail if nobody has; a failed send rolls the claim back. True if sent."""
    with scopes_disabled(), transaction.atomic():
        if not BookingNotice.objects.filter(pk=notice_id, sent_at__isnull=True).update(sent_at=timezone.now()):
            return False
        notice = BookingNotice.objects.select_related(
            "booking__person__user", "booking__session__event", "booking__hub"
        ).get(pk=notice_id)
        booking = notice.booking
        if BookingNotice.objects.filter(booking=booking, sequence__gt=notice.sequence).exists():
            return False
        context = {
            "person": booking.person,
            "hub": booking.hub,
            "booking": booking,
            "session": booking.session,
            "event": booking.session.event,
        }
        attachments = []
        if notice.kind == NoticeKind.PLACE_OFFERED:
            from events.booking import offer_token

            context["accept_url"] = settings.SITE_URL + reverse("events:offer", args=[offer_token(booking)])
        else:
            attachments.append(booking_attachment(booking))
        emails.send(notice.kind, booking.person.user.email, context, attachments)
    return True


def send_session_notices(session_id):
    """Send every unsent notice about the session's bookings; returns how many were sent."""
    with scopes_disabled():
        ids = list(BookingNotice.objects.filter(booking__session_id=session_id, sent_at__isnull=True).values_list("pk", flat=True))
    return sum(send_notice(notice_id) for notice_id in ids)


def send_unsent(now=None):
    """The sweep: send notices never sent (the task could not be queued or every retry failed),
    older than `UNSENT_AFTER` and newer than `UNSENT_GIVE_UP_AFTER`."""
    now = now or timezone.now()
    with scopes_disabled():
        ids = list(
            BookingNotice.objects.filter(
                sent_at__isnull=True, created_at__lte=now - UNSENT_AFTER, created_at__gt=now - UNSENT_GIVE_UP_AFTER
            ).values_list("pk", flat=True)
        )
    sent = 0
    for notice_id in ids:
        try:
            sent += send_notice(notice_id)
        except Exception:
            logger.exception("Booking notice %s failed; the next sweep tries again", notice_id)
    return sent
