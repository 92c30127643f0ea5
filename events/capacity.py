"""The capacity lock: the one place a session's places are counted before a booking takes one.

Every write that may take a place (book, move, accept an offer, import) runs inside a transaction
and calls `lock_session` first: the session row is locked (`SELECT … FOR UPDATE`; SQLite
serialises writers anyway) until the transaction ends, so two people can never both take the last
place. `booked + offered` on a session never exceeds `capacity`; walk-ins added at the register are
attended and do not count (they may exceed it).
"""

from django.db import transaction

from events.models import LIVE_STATUSES, Booking, Session


class SessionFull(Exception):
    """The session has no place left (someone else may just have taken the last one)."""


def lock_session(session_id):
    """The session, locked until the current transaction ends (call inside `transaction.atomic`)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_session must run inside a transaction")
    return Session.objects.select_for_update().get(pk=session_id)


def places_taken(session, exclude_booking_id=None):
    """Places held on the session: booked or offered, walk-ins aside."""
    held = Booking.objects.filter(session_id=session.pk, status__in=LIVE_STATUSES, walk_in=False)
    if exclude_booking_id is not None:
        held = held.exclude(pk=exclude_booking_id)
    return held.count()


def take_place(session_id, exclude_booking_id=None):
    """Lock the session and make sure one more place is free (`exclude_booking_id`: a booking
    already counted there that is being re-written). Returns the locked session; raises
    `SessionFull` when every place is taken."""
    session = lock_session(session_id)
    if places_taken(session, exclude_booking_id) >= session.capacity:
        raise SessionFull(f"{session.session_code} is full")
    return session
