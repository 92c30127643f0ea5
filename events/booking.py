"""Booking people on sessions: book, move, cancel, the waiting list and its offers.

Rules (issue 12, "Booking"):
- Capacity is never exceeded: places held (booked + offered, walk-ins aside) are counted and
  written in one transaction that holds the session row's lock (`select_for_update`), so two people
  taking the last place at once are served one after the other and the second is told it is full
  (`SessionFull`) and offered the waiting list.
- Only people expected at the event (on the session's date) can be booked; for an event the hub
  added itself, hub staff may book anyone of the hub. Cancelled sessions cannot be booked.
- A booking is cancelled or moved until its session's booking deadline (inclusive); after it only
  hub staff can. A move keeps the booking (its calendar UID) and raises its `sequence`, and checks
  the new session's capacity first.
- A full session has a waiting list (order: `created_at`). When a place frees (a cancellation, a
  move away, a declined or expired offer, capacity raised or the deadline moved later:
  `events.sessions.update_session`), the first person waiting is offered it
  for `OFFER_HOURS`, never past the end of the booking deadline's day; the offer is accepted from a
  single-use signed link (`offer_token`). `work_waiting_lists` (Celery beat) expires offers and
  offers free places; it is idempotent.
- Every booking e-mail is a `BookingNotice` (one per booking, kind and sequence) sent once by
  `events.notifications`, with the booking's `.ics`.
"""

import datetime
import uuid

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ectprogramme.formats import human_date
from ectprogramme.hub_cache import hub_changed
from ectprogramme.queueing import on_commit
from events.calendars import LONDON
from events.capacity import BookingProblem, SessionFull, lock_session, places_taken
from events.expected import expected_people
from events.models import LIVE_STATUSES, Booking, BookingNotice, BookingStatus, NoticeKind, Session
from schools.scoping import scopes_disabled

OFFER_HOURS = 48
OFFER_SALT = "events.booking.offer"


def session_label(session):
    return f"{session.date:%a} {human_date(session.date)}, {session.start_time:%H:%M}"


def deadline_passed(session, today=None):
    return (today or timezone.localdate()) > session.booking_deadline


def deadline_end(session):
    """The end of the booking deadline's day (Europe/London)."""
    return datetime.datetime.combine(session.booking_deadline + datetime.timedelta(days=1), datetime.time(), tzinfo=LONDON)


def _check_bookable(session, by_staff, today):
    if session.cancelled_at is not None:
        raise BookingProblem("This session is cancelled.")
    if not by_staff and deadline_passed(session, today):
        raise BookingProblem(f"Booking for this session closed on {human_date(session.booking_deadline)}: ask the hub.")


def _check_changeable(session, by_staff, today):
    if not by_staff and deadline_passed(session, today):
        raise BookingProblem(
            f"The booking deadline ({human_date(session.booking_deadline)}) has passed: only the hub can change it now."
        )


def may_be_booked(event, person, on, by_staff=False):
    """Whether `person` may be booked on a session of `event` held on `on`: someone expected there;
    hub staff may also book anyone of the hub on the hub's own events, and someone who was already
    on a session of the event on another (an alternative for a missed or unsuitable date)."""
    if by_staff and person.hub_id == event.hub_id:
        if not event.from_catalogue or Booking.objects.filter(event=event, person=person, status=BookingStatus.BOOKED).exists():
            return True
    return expected_people(event, on).filter(pk=person.pk).exists()


def _check_person(session, person, by_staff):
    if not may_be_booked(session.event, person, session.date, by_staff):
        raise BookingProblem(f"{person.full_name or person.user.email} is not expected at this event.")


def _live_booking(person, event_id):
    return Booking.objects.select_for_update().filter(person=person, event_id=event_id, status__in=LIVE_STATUSES, attendance="").select_related("session").first()


def notify(booking, kind):
    """Record the e-mail about the booking's current state (once per booking, kind and sequence)
    and queue it once the transaction commits; the sweep sends it if the queue refused."""
    notice, _ = BookingNotice.objects.get_or_create(
        booking=booking, kind=kind, sequence=booking.sequence, defaults={"hub_id": booking.hub_id}
    )
    from events.tasks import send_booking_notice

    on_commit(send_booking_notice, notice.pk)
    return notice


def _changed(booking, **fields):
    for name, value in fields.items():
        setattr(booking, name, value)
    booking.sequence += 1
    booking.save()


def _leave_other_waiting_lists(booking):
    Booking.objects.filter(person_id=booking.person_id, event_id=booking.event_id, status=BookingStatus.WAITING).exclude(
        pk=booking.pk
    ).update(status=BookingStatus.CANCELLED, sequence=F("sequence") + 1, updated_at=timezone.now())
    hub_changed(booking.hub_id)


def book(session, person, *, actor=None, by_staff=False, today=None):
    """Book `person` on `session` (an offer of a place there is taken up). Returns the booking.

    Raises `SessionFull` when no place is left, `BookingProblem` for anything else."""
    try:
        _check_person(session, person, by_staff)  # before the lock: the session's date and event never change
        with transaction.atomic():
            locked = lock_session(session.pk)
            _check_bookable(locked, by_staff, today)
            live = _live_booking(person, locked.event_id)
            if live is not None and live.session_id != locked.pk:
                raise BookingProblem(f"Already booked on {session_label(live.session)}: move that booking instead.")
            if live is not None and live.status == BookingStatus.BOOKED:
                return live
            if live is None and places_taken(locked) >= locked.capacity:
                raise SessionFull("No places are left on this session: join its waiting list or choose another session.")
            booking = Booking.objects.filter(person=person, session=locked).first()
            if booking is not None and booking.attendance:
                raise BookingProblem("Attendance is already recorded for this session.")
            if booking is None:
                booking = Booking.objects.create(
                    hub_id=locked.hub_id, session=locked, event_id=locked.event_id, person=person, booked_by=actor
                )
            else:
                _changed(booking, status=BookingStatus.BOOKED, offer_expires_at=None, booked_by=actor)
            _leave_other_waiting_lists(booking)
            notify(booking, NoticeKind.BOOKING_CONFIRMED)
            return booking
    except IntegrityError as error:
        raise BookingProblem("Already booked on another session of this event.") from error


def join_waiting_list(session, person, *, actor=None, by_staff=False, today=None):
    """Put `person` at the end of the session's waiting list. Returns the booking (status waiting)."""
    _check_person(session, person, by_staff)
    with transaction.atomic():
        locked = lock_session(session.pk)
        _check_bookable(locked, by_staff, today)
        live = _live_booking(person, locked.event_id)
        if live is not None:
            raise BookingProblem(f"Already booked on {session_label(live.session)}.")
        if places_taken(locked) < locked.capacity:
            raise BookingProblem("This session has places left: book one instead.")
        booking = Booking.objects.filter(person=person, session=locked).first()
        if booking is None:
            return Booking.objects.create(
                hub_id=locked.hub_id, session=locked, event_id=locked.event_id, person=person,
                status=BookingStatus.WAITING, booked_by=actor,
            )
        if booking.status == BookingStatus.WAITING:
            return booking
        if booking.attendance:
            raise BookingProblem("Attendance is already recorded for this session.")
        _changed(booking, status=BookingStatus.WAITING, created_at=timezone.now(), booked_by=actor)
        return booking


def move(booking, session, *, actor=None, by_staff=False, today=None, now=None):
    """Move a booked place to another live session of the same event, keeping the booking (and its
    calendar entry); the place it leaves goes to that session's waiting list."""
    if session.pk == booking.session_id:
        return booking
    with transaction.atomic():
        locked = {s.pk: s for s in Session.objects.select_for_update().select_related("event").filter(pk__in=[booking.session_id, session.pk]).order_by("pk")}
        old, new = locked[booking.session_id], locked[session.pk]
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != BookingStatus.BOOKED or booking.attendance:
            raise BookingProblem("Only a booked place whose register is not taken can be moved.")
        if new.event_id != booking.event_id:
            raise BookingProblem("A booking can only move to another session of the same event.")
        _check_changeable(old, by_staff, today)
        _check_bookable(new, by_staff, today)
        if places_taken(new) >= new.capacity:
            raise SessionFull("No places are left on that session: the booking stays where it is.")
        earlier = Booking.objects.filter(person_id=booking.person_id, session=new).first()
        if earlier is not None:
            if earlier.attendance:
                raise BookingProblem("Attendance is already recorded for that session.")
            earlier.delete()
        _changed(booking, session=new, booked_by=actor or booking.booked_by)
        notify(booking, NoticeKind.BOOKING_MOVED)
        offer_free_places(old, now)
        return booking


def cancel(booking, *, actor=None, by_staff=False, today=None, now=None):
    """Cancel a booking, an offer or a place on a waiting list; a freed place is offered on."""
    with transaction.atomic():
        session = lock_session(booking.session_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        if booking.status == BookingStatus.CANCELLED:
            return booking
        if booking.attendance:
            raise BookingProblem("Attendance is already recorded: the register keeps it.")
        held = booking.status in LIVE_STATUSES
        if booking.status == BookingStatus.BOOKED:
            _check_changeable(session, by_staff, today)
        was_booked = booking.status == BookingStatus.BOOKED
        _changed(booking, status=BookingStatus.CANCELLED, offer_expires_at=None)
        if was_booked:
            notify(booking, NoticeKind.BOOKING_CANCELLED)
        if held:
            offer_free_places(session, now)
        return booking


# --- The waiting list ---------------------------------------------------------------------------


def offer_free_places(session, now=None):
    """Offer the session's free places to the first people waiting. Returns the offers made.

    Nothing is offered on a cancelled session or once the booking deadline's day is over; someone
    waiting who has since been booked elsewhere on the event leaves this waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_session(session.pk)
        closes = deadline_end(locked)
        if locked.cancelled_at is not None or now >= closes:
            return []
        free = locked.capacity - places_taken(locked)
        if free <= 0:
            return []
        waiting = list(locked.bookings.select_for_update().filter(status=BookingStatus.WAITING).order_by("created_at", "pk"))
        booked_elsewhere = set(
            Booking.objects.filter(
                event_id=locked.event_id, person_id__in=[b.person_id for b in waiting], status__in=LIVE_STATUSES, attendance=""
            ).values_list("person_id", flat=True)
        )
        offers = []
        for booking in waiting:
            if len(offers) == free:
                break
            if booking.person_id in booked_elsewhere:
                _changed(booking, status=BookingStatus.CANCELLED)
                continue
            _changed(booking, status=BookingStatus.OFFERED, offer_expires_at=min(now + datetime.timedelta(hours=OFFER_HOURS), closes))
            notify(booking, NoticeKind.PLACE_OFFERED)
            offers.append(booking)
        return offers


def offer_token(booking):
    """A signed, single-use accept link token: it names the offer's sequence, which accepting raises."""
    return signing.Signer(salt=OFFER_SALT).sign_object([str(booking.code), booking.sequence])


def booking_for_offer_token(token):
    """The offered booking the token was made for (in the active hub), or None if it is not one."""
    try:
        code, sequence = signing.Signer(salt=OFFER_SALT).unsign_object(token)
        code = uuid.UUID(code)
    except (signing.BadSignature, ValueError, TypeError, AttributeError):
        return None
    return Booking.objects.filter(code=code, sequence=sequence).select_related("session__event", "person").first()


def _check_offer_open(booking, now):
    if booking.status != BookingStatus.OFFERED:
        raise BookingProblem("This offer is no longer open.")
    if booking.offer_expires_at <= now:
        raise BookingProblem("This offer has expired: the place has gone to the next person waiting.")


def accept_offer(booking, *, actor=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        lock_session(booking.session_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_offer_open(booking, now)
        _changed(booking, status=BookingStatus.BOOKED, offer_expires_at=None, booked_by=actor or booking.booked_by)
        _leave_other_waiting_lists(booking)
        notify(booking, NoticeKind.BOOKING_CONFIRMED)
        return booking


def decline_offer(booking, *, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        session = lock_session(booking.session_id)
        booking = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_offer_open(booking, now)
        _changed(booking, status=BookingStatus.CANCELLED, offer_expires_at=None)
        offer_free_places(session, now)
        return booking


def expire_offers(session, now=None):
    """Cancel the session's offers whose time is up, then offer the places on. Returns
    (offers expired, offers made)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock_session(session.pk)
        expired = list(locked.bookings.select_for_update().filter(status=BookingStatus.OFFERED, offer_expires_at__lte=now))
        for booking in expired:
            _changed(booking, status=BookingStatus.CANCELLED, offer_expires_at=None)
        return len(expired), len(offer_free_places(locked, now))


def work_waiting_lists(now=None):
    """The periodic job: on every live session with offers due to expire or people waiting, expire
    the offers and offer free places. Idempotent: a second run finds nothing more to do."""
    now = now or timezone.now()
    with scopes_disabled():
        due = Session.objects.filter(cancelled_at__isnull=True, booking_deadline__gte=(now - datetime.timedelta(days=1)).date())
        ids = set(due.filter(bookings__status=BookingStatus.WAITING).values_list("pk", flat=True))
        ids |= set(Session.objects.filter(bookings__status=BookingStatus.OFFERED, bookings__offer_expires_at__lte=now).values_list("pk", flat=True))
        sessions = list(Session.objects.filter(pk__in=ids).order_by("pk"))
        expired = offered = 0
        for session in sessions:
            counts = expire_offers(session, now)
            expired, offered = expired + counts[0], offered + counts[1]
    return {"sessions": len(sessions), "expired": expired, "offered": offered}


# --- One choice from a booking form ------------------------------------------------------------

BOOK, WAIT, CANCEL = "book", "wait", "cancel"


@transaction.atomic
def apply_choice(person, current, action, session=None, *, actor=None, by_staff=False, today=None):
    """Do what a booking form's choice asks for `person` (`current`: their booked, offered or waiting
    booking on the event, or None): book a session (moving a booked place there), join a session's
    waiting list, or cancel. Returns the booking; raises `BookingProblem` (`SessionFull`)."""
    if action == CANCEL:
        if current is None:
            raise BookingProblem("There is no booking to cancel.")
        return cancel(current, actor=actor, by_staff=by_staff, today=today)
    if action == WAIT:
        if current is not None and current.status == BookingStatus.WAITING and current.session_id == session.pk:
            return current
        if current is not None and current.status == BookingStatus.WAITING:
            cancel(current, actor=actor, by_staff=by_staff, today=today)
        return join_waiting_list(session, person, actor=actor, by_staff=by_staff, today=today)
    if current is not None and current.status == BookingStatus.BOOKED:
        return move(current, session, actor=actor, by_staff=by_staff, today=today)
    if current is not None and current.status == BookingStatus.OFFERED and current.session_id != session.pk:
        cancel(current, actor=actor, by_staff=by_staff, today=today)
    return book(session, person, actor=actor, by_staff=by_staff, today=today)
