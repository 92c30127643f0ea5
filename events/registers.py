"""Registers, walk-ins, catch-ups and alternatives: what happens when attendance is recorded.

Attendance is set, never toggled, so a retried tap changes nothing (`mark`). It is recorded from
the day of the session, only for people booked on it, and each change goes on the person's
timeline with who made it. Missing a session (absent, or excused with a reason) has a follow-up
("If you miss a clinic, this will be assigned to you as catch-up ... If you miss a conference, your
school's Induction Tutor should get in touch with us to find you an alternative"):

- a clinic gives a `CatchUp`, due `event.catch_up_days` after the session, with the event's
  materials; correcting the register to attended removes a catch-up not yet done, and attending
  another session of the clinic removes the person's catch-ups for it that are not done;
- a conference opens an `Alternative` for the missed booking; attending any session of the
  event closes the person's open alternatives for it (also the hub can close one with a note).

A known absence in advance: the tutor asks for another date from the booking
(`request_alternative`), and the hub approves by moving the booking (`rebook_for_alternative`).
Walk-ins are bookings marked attended that may exceed the capacity. `import_attendance` records
bookings and registers taken elsewhere with the same functions.
"""

import datetime
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from ectprogramme.formats import human_date
from ectprogramme.hub_cache import hub_changed
from events import booking as bookings
from events import capacity
from events.expected import expected_people
from events.models import (
    LIVE_STATUSES,
    Alternative,
    AlternativeReason,
    Attendance,
    Audience,
    Booking,
    BookingStatus,
    CatchUp,
    Session,
)
from participants.models import ECT, InductionTutor, Mentor, Person
from participants.services import record_change
from schools.csv_import import ImportProblems, email_cell, read_rows
from schools.models import School
from schools.scoping import hub_scope

MISSED = (Attendance.ABSENT, Attendance.EXCUSED)
MARKS = (Attendance.ATTENDED, Attendance.ABSENT, Attendance.EXCUSED)
IMPORTED_EXCUSE = "Excused in a register taken elsewhere (imported)"


class RegisterError(ValueError):
    """Attendance that cannot be recorded; the message says why, for the person taking it."""


def _today():
    return timezone.localdate()


# --- Who is on the register ------------------------------------------------------------------


def school_id_of_person(audience=None, person_field="person_id"):
    """An expression giving the school a person belongs to for an event of `audience`: an ECT's
    current school, a mentor's or induction tutor's current role's school (the role the event is
    for first). Refers to the outer row's `person_field`."""
    person = OuterRef(person_field)
    ect = ECT.objects.filter(person=person).values("school_id")[:1]
    mentor = Mentor.objects.filter(person=person).current(_today()).order_by("started_on", "pk").values("school_id")[:1]
    tutor = InductionTutor.objects.filter(person=person).current(_today()).order_by("started_on", "pk").values("school_id")[:1]
    order = {Audience.MENTOR: (mentor, ect, tutor), Audience.TUTOR: (tutor, ect, mentor)}.get(audience, (ect, mentor, tutor))
    return Coalesce(*(Subquery(query) for query in order))


def schools_of_people(person_ids, audience=None):
    """{person id: School} for the people, as `school_id_of_person` picks it: an ECT's current
    school, else a current mentor's or tutor's role's school (the event's audience first). One
    query per kind of role still needed, however many people (cheaper than a correlated subquery
    per row on a 300-person register)."""
    wanted = set(person_ids)
    sources = {
        Audience.ECT: lambda ids: ECT.objects.filter(person_id__in=ids),
        Audience.MENTOR: lambda ids: Mentor.objects.filter(person_id__in=ids).current(_today()).order_by("-started_on", "-pk"),
        Audience.TUTOR: lambda ids: InductionTutor.objects.filter(person_id__in=ids).current(_today()).order_by("-started_on", "-pk"),
    }
    order = {Audience.MENTOR: (Audience.MENTOR, Audience.ECT, Audience.TUTOR), Audience.TUTOR: (Audience.TUTOR, Audience.ECT, Audience.MENTOR)}
    found = {}
    for kind in order.get(audience, (Audience.ECT, Audience.MENTOR, Audience.TUTOR)):
        if not wanted:
            break
        rows = sources[kind](wanted)
        if kind == Audience.ECT:
            rows = rows.order_by()
        schools = {}
        for person_id, school_id, name, code in rows.values_list("person_id", "school_id", "school__name", "school__code"):
            schools[person_id] = School(pk=school_id, name=name, code=code)  # the earliest current role wins
        found.update(schools)
        wanted -= schools.keys()
    return found


REGISTER_FIELDS = (
    "code", "person_id", "attendance", "absence_reason", "walk_in", "person__first_name", "person__last_name",
)


def register_bookings(session, query=""):
    """Everyone booked on the session (walk-ins too), by name, as dicts of `REGISTER_FIELDS`; `query`
    keeps those whose names contain every one of its words."""
    bookings = Booking.objects.filter(session=session, status=BookingStatus.BOOKED)
    for word in query.split()[:5]:
        bookings = bookings.filter(Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word))
    return bookings.order_by("person__last_name", "person__first_name", "pk").values(*REGISTER_FIELDS)


ATTENDANCE_LABELS = dict(Attendance.choices)


def shown(rows, session):
    """Register rows (`register_bookings`) as the register shows them, with each person's school: a
    dict of text each, which a template reads faster than a booking's attributes (it shows over a
    page of rows). The schools take a query per kind of role still needed, however many rows."""
    rows = list(rows)
    schools = schools_of_people({row["person_id"] for row in rows}, session.event.audience)
    shown_rows = []
    for row in rows:
        school, attendance = schools.get(row["person_id"]), row["attendance"]
        shown_rows.append({
            "code": str(row["code"]), "name": f"{row['person__first_name']} {row['person__last_name']}".strip(),
            "school": school.name if school else "No school", "walk_in": row["walk_in"], "attendance": attendance,
            "label": ATTENDANCE_LABELS[attendance], "absence_reason": row["absence_reason"],
            "pressed": {value: "true" if attendance == value else "false" for value in ("attended", "absent", "excused")},
        })
    return shown_rows


def register_rows(session, query=""):
    """The whole register of a session as `shown` gives it."""
    return shown(register_bookings(session, query), session)


def register_row(session, booking_pk):
    """One row of the register, as `register_rows` gives it (for a swapped htmx row)."""
    return shown(register_bookings(session).filter(pk=booking_pk), session)[0]


REGISTER_COUNTS_SQL = "SELECT attendance, count(*) FROM events_booking WHERE session_id = %s AND status = %s GROUP BY attendance"


def register_counts(session):
    """How many booked on the session are attended, absent, excused, not taken, and in all: one query."""
    counts = {value: 0 for value in Attendance.values}
    with connection.cursor() as cursor:  # on every tap: in SQL, as the ORM's compiling cost more than the query
        cursor.execute(REGISTER_COUNTS_SQL, [session.pk, BookingStatus.BOOKED])
        counts.update(cursor.fetchall())
    return {
        "total": sum(counts.values()), "not_taken": counts[""], "attended": counts["attended"], "absent": counts["absent"],
        "excused": counts["excused"],
    }


def people_at_schools(school_ids):
    """Pks of the people whose event follow-ups the schools' tutors see: their ECTs (current
    school) and their current mentors and induction tutors."""
    return Person.objects.filter(
        Q(ect_roles__school_id__in=school_ids)
        | Q(pk__in=Mentor.objects.filter(school_id__in=school_ids).current(_today()).values("person_id"))
        | Q(pk__in=InductionTutor.objects.filter(school_id__in=school_ids).current(_today()).values("person_id"))
    ).values("pk")


# --- Taking the register ---------------------------------------------------------------------


def _describe(attendance, reason):
    if attendance == Attendance.EXCUSED:
        return f"excused ({reason})"
    return Attendance(attendance).label.lower() if attendance else "not taken"


def _school_for(person, event):
    """The school a timeline entry about `person` and `event` belongs to (None: hub-wide)."""
    school_id = (
        Person.objects.filter(pk=person.pk).annotate(school=school_id_of_person(event.audience, "pk")).values_list("school", flat=True).get()
    )
    return School.objects.filter(pk=school_id).first() if school_id else None


def _check_can_record(session):
    if session.is_cancelled:
        raise RegisterError("This session was cancelled: it has no register.")
    if session.date > _today():
        raise RegisterError(f"The register opens on the day of the session ({human_date(session.date)}).")


@transaction.atomic
def mark(booking, attendance, actor, reason=""):
    """Set a booked person's attendance (attended, absent, or excused with a reason). Setting what
    is already recorded changes nothing and returns False; a change returns True, is on the
    person's timeline and gives the follow-up (catch-up, alternative)."""
    booking = Booking.objects.select_for_update().select_related("session__event", "person").get(pk=booking.pk)
    _check_can_record(booking.session)
    if booking.status != BookingStatus.BOOKED:
        raise RegisterError("Only people booked on the session are on its register.")
    if attendance not in MARKS:
        raise RegisterError("Choose attended, absent or excused.")
    reason = " ".join(reason.split())[:500]
    if attendance == Attendance.EXCUSED and not reason:
        raise RegisterError("Give the reason for the excused absence.")
    if attendance == Attendance.ATTENDED:
        reason = ""
    if (booking.attendance, booking.absence_reason) == (attendance, reason):
        return False
    before = booking.attendance
    booking.attendance, booking.absence_reason = attendance, reason
    booking.sequence += 1
    booking.save(update_fields=["attendance", "absence_reason", "sequence", "updated_at"])
    follow_up = _follow_up(booking, actor)
    _record(booking, actor, before, follow_up)
    return True


def _record(booking, actor, before, follow_up, walk_in=False):
    session, event = booking.session, booking.event
    what = f"{event.title}, {human_date(session.date)} ({session.session_code}): "
    now = _describe(booking.attendance, booking.absence_reason)
    if walk_in:
        what += f"added at the register as a walk-in, {now}"
    elif before:
        what += f"register corrected from {_describe(before, '')} to {now}"
    else:
        what += f"marked {now} on the register"
    if follow_up:
        what += f"; {follow_up}"
    record_change(booking.person, actor, what, school=_school_for(booking.person, event))


def _follow_up(booking, actor):
    """Create or remove the catch-up or alternative the booking's attendance calls for. Returns a
    few words for the timeline ("" when nothing changed)."""
    event, session = booking.event, booking.session
    missed = booking.attendance in MISSED
    if event.is_clinic:
        if missed:
            due_on = session.date + datetime.timedelta(days=event.catch_up_days)
            _, created = CatchUp.objects.get_or_create(
                booking=booking, defaults={"hub_id": booking.hub_id, "person_id": booking.person_id, "event": event, "due_on": due_on}
            )
            return f"catch-up due {human_date(due_on)}" if created else ""
        removed, _ = CatchUp.objects.filter(person_id=booking.person_id, event=event, done_at__isnull=True).delete()
        return "catch-up no longer needed" if removed else ""
    if event.is_conference:
        if missed:
            if Alternative.objects.filter(booking=booking, closed_at__isnull=True).exists():
                return ""
            Alternative.objects.create(hub_id=booking.hub_id, person_id=booking.person_id, event=event, booking=booking, reason=AlternativeReason.ABSENT)
            return "alternative needed"
        if booking.attendance == Attendance.ATTENDED:
            closed = Alternative.objects.filter(person_id=booking.person_id, event=event, closed_at__isnull=True).update(
                closed_at=timezone.now(), closed_by=actor, closing_note=f"Attended {session.session_code} on {human_date(session.date)}."
            )
            hub_changed(booking.hub_id)
            return "alternative closed" if closed else ""
    return ""


def mark_rest_absent(session, actor):
    """Mark everyone booked whose attendance is not yet taken as absent. Returns how many."""
    _check_can_record(session)
    pending = Booking.objects.filter(session=session, status=BookingStatus.BOOKED, attendance="").order_by("pk")
    return sum(1 for booking in pending if mark(booking, Attendance.ABSENT, actor))


def walk_in_candidates(session, query, limit=20):
    """People of the hub matching every word of `query` (names or e-mail) and not yet on the
    register of `session`."""
    words = query.split()
    if not words:
        return Person.objects.none()
    on_register = Booking.objects.filter(person=OuterRef("pk"), session=session, status=BookingStatus.BOOKED)
    people = Person.objects.filter(~Exists(on_register), hub_id=session.hub_id)
    for word in words[:5]:
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(user__email__icontains=word))
    return people.select_related("user").order_by("last_name", "first_name", "pk")[:limit]


@transaction.atomic
def add_walk_in(session, person, actor):
    """Put someone who came without a place on the register, attended (they may exceed the
    capacity). Someone already booked is simply marked attended. Returns the booking."""
    session = capacity.lock_session(session.pk)
    _check_can_record(session)
    booking = Booking.objects.select_for_update().filter(session=session, person=person).first()
    if booking is not None and booking.status == BookingStatus.BOOKED:
        mark(booking, Attendance.ATTENDED, actor)
        return booking
    if booking is None:
        booking = Booking(hub_id=session.hub_id, session=session, event_id=session.event_id, person=person)
    booking.status, booking.walk_in, booking.offer_expires_at = BookingStatus.BOOKED, True, None
    booking.attendance, booking.absence_reason, booking.booked_by = Attendance.ATTENDED, "", actor
    booking.sequence += 1
    booking.save()
    booking.session = session
    _record(booking, actor, "", _follow_up(booking, actor), walk_in=True)
    return booking


# --- Catch-ups -------------------------------------------------------------------------------


def complete_catch_up(catch_up, actor):
    """The person has done their catch-up (claimed once: a second click changes nothing)."""
    with transaction.atomic():
        if not CatchUp.objects.filter(pk=catch_up.pk, done_at__isnull=True).update(done_at=timezone.now()):
            return False
        catch_up.refresh_from_db()
        session = catch_up.booking.session
        record_change(
            catch_up.person, actor, f"Catch-up for {catch_up.event.title} ({human_date(session.date)}) done",
            school=_school_for(catch_up.person, catch_up.event),
        )
    return True


def catch_ups_for_school(school):
    return (
        CatchUp.objects.filter(person__in=people_at_schools([school.pk]))
        .select_related("person__user", "event", "booking__session")
        .order_by(F("done_at").asc(nulls_first=True), "due_on", "person__last_name", "pk")
    )


# --- Alternatives ----------------------------------------------------------------------------


def with_follow_up_state(alternatives):
    """Alternatives annotated `booked_elsewhere`: the person holds a live place on another live
    session of the event (alternative_booked), else the alternative is still needed."""
    elsewhere = Booking.objects.filter(
        person_id=OuterRef("person_id"), event_id=OuterRef("event_id"), status__in=LIVE_STATUSES, attendance="",
        session__cancelled_at__isnull=True,
    ).exclude(pk=OuterRef("booking_id"))
    return alternatives.annotate(booked_elsewhere=Exists(elsewhere))


def open_alternatives(school=None):
    alternatives = Alternative.objects.filter(closed_at__isnull=True)
    if school is not None:
        alternatives = alternatives.filter(person__in=people_at_schools([school.pk]))
    return with_follow_up_state(alternatives).select_related("person__user", "event", "booking__session").order_by("opened_at", "pk")


@transaction.atomic
def request_alternative(booking, actor, note):
    """A known absence in advance: ask the hub for another date for a live booking. Asking again
    updates the note."""
    booking = Booking.objects.select_for_update().select_related("session__event", "person").get(pk=booking.pk)
    note = " ".join(note.split())[:500]
    if not note:
        raise RegisterError("Say why the person cannot come (the hub reads it).")
    if not booking.is_live or booking.status != BookingStatus.BOOKED or booking.session.is_cancelled:
        raise RegisterError("Only a booked place can be changed for another date.")
    if booking.session.date < _today():
        raise RegisterError("This session has already taken place.")
    booking.alternative_requested_at, booking.alternative_note = timezone.now(), note
    booking.save(update_fields=["alternative_requested_at", "alternative_note", "updated_at"])
    alternative = Alternative.objects.filter(booking=booking, closed_at__isnull=True).first()
    if alternative is None:
        alternative = Alternative.objects.create(
            hub_id=booking.hub_id, person_id=booking.person_id, event=booking.event, booking=booking, reason=AlternativeReason.REQUESTED
        )
    session = booking.session
    record_change(
        booking.person, actor, f"{booking.event.title}, {human_date(session.date)} ({session.session_code}): another date asked for: {note}",
        school=_school_for(booking.person, booking.event),
    )
    return alternative


@transaction.atomic
def close_alternative(alternative, actor, note):
    """The hub closes an alternative (met another way, or not needed), with a note."""
    note = " ".join(note.split())[:500]
    if not note:
        raise RegisterError("Add a note saying why it is closed.")
    if not Alternative.objects.filter(pk=alternative.pk, closed_at__isnull=True).update(closed_at=timezone.now(), closed_by=actor, closing_note=note):
        return False
    hub_changed(alternative.hub_id)
    record_change(alternative.person, actor, f"Alternative for {alternative.event.title} closed: {note}", school=_school_for(alternative.person, alternative.event))
    return True


def sessions_for_alternative(alternative):
    """Live sessions of the event, from today, other than the missed one, with their places taken."""
    taken = Booking.objects.filter(session=OuterRef("pk"), status__in=LIVE_STATUSES, walk_in=False).order_by().values("session").annotate(n=Count("pk")).values("n")
    return (
        Session.objects.filter(event_id=alternative.event_id, cancelled_at__isnull=True, date__gte=_today())
        .exclude(pk=alternative.booking.session_id)
        .annotate(taken=Coalesce(Subquery(taken), 0))
        .order_by("date", "start_time")
    )


@transaction.atomic
def rebook_for_alternative(alternative, session, actor):
    """The hub finds the person another session of the event: an absence asked for in advance
    moves the live booking there (and the alternative is met); a missed conference gets a new
    booking there (the alternative stays open until they attend). The booking service takes the
    place under the session lock and tells the person (e-mail and calendar update);
    `capacity.SessionFull` when there is no place."""
    alternative = Alternative.objects.select_for_update().select_related("booking__session", "event", "person").get(pk=alternative.pk)
    if not alternative.is_open:
        raise RegisterError("This alternative is already closed.")
    if session.event_id != alternative.event_id or session.is_cancelled or session.date < _today() or session.pk == alternative.booking.session_id:
        raise RegisterError("Choose another live session of the same event.")
    booking = alternative.booking
    moving = booking.is_live and booking.status == BookingStatus.BOOKED
    live_elsewhere = Booking.objects.filter(person_id=alternative.person_id, event_id=alternative.event_id, status__in=LIVE_STATUSES, attendance="").exclude(pk=booking.pk)
    if live_elsewhere.exists():
        raise RegisterError("They already hold a place on another session of this event.")
    existing = Booking.objects.filter(session=session, person_id=alternative.person_id).first()
    if existing is not None and existing.status != BookingStatus.CANCELLED:
        raise RegisterError("They are already on that session (booked or waiting).")
    try:
        if moving:
            result = bookings.move(booking, session, actor=actor, by_staff=True)
        else:
            result = bookings.book(session, alternative.person, actor=actor, by_staff=True)
    except capacity.SessionFull:
        raise
    except capacity.BookingProblem as problem:
        raise RegisterError(problem.message) from problem
    booked = result.session
    if moving:
        Alternative.objects.filter(pk=alternative.pk).update(
            closed_at=timezone.now(), closed_by=actor, closing_note=f"Moved to {booked.session_code} on {human_date(booked.date)}."
        )
        hub_changed(alternative.hub_id)
        summary = f"{alternative.event.title}: booking moved to {booked.session_code} on {human_date(booked.date)} (alternative date)"
    else:
        summary = f"{alternative.event.title}: booked on {booked.session_code} on {human_date(booked.date)} as an alternative"
    record_change(alternative.person, actor, summary, school=_school_for(alternative.person, alternative.event))
    return result


# --- Import ----------------------------------------------------------------------------------

COLUMNS = ("email", "session_code", "status")
STATUSES = ("booked", "attended", "absent", "excused")


@dataclass
class AttendanceImport(ImportProblems):
    booked: int = 0
    recorded: int = 0
    unchanged: int = 0

    def summary_lines(self):
        return [f"{self.booked} booked, {self.recorded} attendance recorded, {self.unchanged} unchanged"]


@dataclass
class _Line:
    line: int
    person: Person
    session: Session
    status: str
    booking: Booking | None


def import_attendance(hub, data, dry_run=False):
    """Record bookings and registers taken elsewhere from CSV `data` (columns `email,session_code,
    status`; status `booked`, `attended`, `absent` or `excused`), all or nothing.

    A line needs a person of the hub, a live session, and the person expected at the event on
    its date (or already on that session); a line that needs a new place on a full session is a
    problem for that line. Attendance is recorded from the session's day, through `mark`, so
    catch-ups and alternatives follow as from the register. Importing the same file again
    changes nothing.
    """
    result = AttendanceImport(dry_run=dry_run)
    with hub_scope(hub):
        rows = read_rows(data, COLUMNS, result, what="rows")
        lines = _check_lines(hub, rows, result)
        if result.errors:
            result.sort()
            return result
        with transaction.atomic():
            for line in lines:
                _apply(line, result)
            if result.errors:
                result.sort()
                transaction.set_rollback(True)
            elif dry_run:
                transaction.set_rollback(True)
    return result


def _check_lines(hub, rows, result):
    emails = {row["email"].strip().lower() for _, row in rows}
    codes = {row["session_code"] for _, row in rows}
    people = {person.user.email.lower(): person for person in Person.objects.filter(hub=hub, user__email__in=emails).select_related("user")}
    sessions = {s.session_code: s for s in Session.objects.filter(hub=hub, session_code__in=codes).select_related("event")}
    bookings = {
        (b.person_id, b.session_id): b
        for b in Booking.objects.filter(hub=hub, session__in=sessions.values(), person__in=people.values())
    }
    live = {}
    for b in Booking.objects.filter(hub=hub, person__in=people.values(), status__in=LIVE_STATUSES, attendance=""):
        live[(b.person_id, b.event_id)] = b
    expected = {}
    seen = {}
    lines = []
    for line, row in rows:
        errors_before = len(result.errors)
        email = email_cell(line, "email", row["email"], result)
        person = people.get(email)
        if not email:
            result.error(line, "email", "required")
        elif len(result.errors) == errors_before and person is None:
            result.error(line, "email", f"no person with the e-mail {email} in this hub")
        code = row["session_code"]
        session = sessions.get(code)
        if not code:
            result.error(line, "session_code", "required")
        elif session is None:
            result.error(line, "session_code", f"no session {code!r} in this hub")
        elif session.is_cancelled:
            result.error(line, "session_code", f"session {code} was cancelled")
        status = row["status"].lower()
        if status not in STATUSES:
            result.error(line, "status", f"{row['status']!r} is not one of {', '.join(STATUSES)}")
        if person is None or session is None or len(result.errors) > errors_before:
            continue
        key = (person.pk, session.session_code)
        if key in seen:
            result.error(line, "email", f"{email} on {code} is also on line {seen[key]}")
            continue
        seen[key] = line
        booking = bookings.get((person.pk, session.pk))
        if status != "booked" and session.date > _today():
            result.error(line, "status", f"session {code} is on {human_date(session.date)}: attendance is recorded from that day")
            continue
        if booking is None or booking.status != BookingStatus.BOOKED:
            if (session.event_id, session.date) not in expected:
                expected[(session.event_id, session.date)] = set(expected_people(session.event, session.date).values_list("pk", flat=True))
            if person.pk not in expected[(session.event_id, session.date)]:
                result.error(line, "email", f"{email} is not expected at {session.event.event_code} on {human_date(session.date)}")
                continue
            other = live.get((person.pk, session.event_id))
            if other is not None and other.session_id != session.pk and status == "booked":
                result.error(line, "session_code", f"{email} already holds a place on another session of {session.event.event_code}")
                continue
        lines.append(_Line(line, person, session, status, booking))
    _check_places(lines, result)
    return lines


def _check_places(lines, result):
    """A line that needs a new place on a session already full (counting the file's earlier lines) is a problem."""
    needed = {}
    for entry in lines:
        if entry.booking is not None and entry.booking.status == BookingStatus.BOOKED:
            continue
        session = entry.session
        if session.pk not in needed:
            needed[session.pk] = capacity.places_taken(session)
        if entry.booking is not None and entry.booking.status == BookingStatus.OFFERED:
            continue  # an offered place is already counted
        if needed[session.pk] >= session.capacity:
            result.error(entry.line, "session_code", f"session {session.session_code} is full ({session.capacity} places)")
        else:
            needed[session.pk] += 1


def _apply(entry, result):
    """Write one checked line: a new (or renewed) booking takes a place under the session lock;
    attendance goes through `mark`, or for a new booking is written with it, with the same
    follow-up and timeline entry."""
    booking, session = entry.booking, entry.session
    attendance = "" if entry.status == "booked" else entry.status
    if booking is not None and booking.status == BookingStatus.BOOKED:
        reason = ""
        if attendance == Attendance.EXCUSED:
            reason = booking.absence_reason if booking.attendance == Attendance.EXCUSED else IMPORTED_EXCUSE
        if attendance and mark(booking, attendance, None, reason):
            result.recorded += 1
        else:
            result.unchanged += 1
        return
    try:
        capacity.take_place(session.pk, exclude_booking_id=booking.pk if booking else None)
    except capacity.SessionFull:
        result.error(entry.line, "session_code", f"session {session.session_code} is full ({session.capacity} places)")
        return
    if booking is None:
        booking = Booking(hub_id=session.hub_id, session=session, event_id=session.event_id, person=entry.person)
    booking.status, booking.offer_expires_at, booking.walk_in = BookingStatus.BOOKED, None, False
    booking.attendance, booking.absence_reason = attendance, IMPORTED_EXCUSE if attendance == Attendance.EXCUSED else ""
    booking.sequence += 1
    booking.save()
    result.booked += 1
    follow_up = _follow_up(booking, None) if attendance else ""
    summary = f"{session.event.title}, {human_date(session.date)} ({session.session_code}): booked"
    if attendance:
        summary += f" and marked {_describe(attendance, booking.absence_reason)}"
        result.recorded += 1
    summary += " (imported)" + (f"; {follow_up}" if follow_up else "")
    record_change(entry.person, None, summary, school=_school_for(entry.person, session.event))
