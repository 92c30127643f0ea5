"""What a person's own bookings look like on My events: booked places to come, waiting lists and
offers, and past attendance (one query)."""

from dataclasses import dataclass, field

from events.models import Booking, BookingStatus


@dataclass
class OwnBookings:
    booked: list = field(default_factory=list)
    waiting: list = field(default_factory=list)
    past: list = field(default_factory=list)


def own_bookings(person, today):
    """The person's bookings (cancelled ones aside), sorted into `booked` (a place on a live session
    from today whose register is not taken), `waiting` (waiting lists and offers, from today) and
    `past` (registers taken, or earlier booked sessions), latest first."""
    result = OwnBookings()
    bookings = (
        Booking.objects.filter(person=person)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("session__event")
        .order_by("session__date", "session__start_time", "pk")
    )
    for booking in bookings:
        session = booking.session
        if booking.attendance or (booking.status == BookingStatus.BOOKED and session.date < today):
            result.past.append(booking)
        elif session.cancelled_at is not None or session.date < today:
            continue
        elif booking.status == BookingStatus.BOOKED:
            result.booked.append(booking)
        else:
            result.waiting.append(booking)
    result.past.reverse()
    return result
