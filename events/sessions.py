"""Sessions of the hub's events: create, edit, cancel, copy a year forward, import from CSV.

A session is valid when it ends after it starts, its booking deadline is not after its date, its
capacity holds everyone booked or offered a place, an online session has a joining link and an
in-person one a venue (`session_problems`, shared by the form and the import). A change to what a
calendar shows (date, times, format, place, link) raises the session's `sequence` and the
`sequence` of every live booking, and tells the people booked (`session-changed`); cancelling
cancels its bookings and tells everyone booked or waiting (`session-cancelled`).
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from ectprogramme.queueing import on_commit
from events.booking import offer_free_places
from events.capacity import places_taken
from events.models import LIVE_STATUSES, Booking, BookingNotice, BookingStatus, Event, NoticeKind, Session, SessionFormat
from participants.cohorts import academic_year_of
from schools.csv_import import ImportProblems, date_cell, read_rows
from schools.models import HalfTerm
from schools.scoping import hub_scope

# What a calendar shows: a change to any of them raises `sequence` and tells the people booked.
CALENDAR_FIELDS = ("date", "start_time", "end_time", "format", "venue", "address", "online_url")
EDITABLE_FIELDS = (*CALENDAR_FIELDS, "session_code", "capacity", "booking_deadline", "note")
TOLD_OF_CANCELLATION = (BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.WAITING)


def session_problems(hub, fields, session=None):
    """{field: message} of what is wrong with a session's `fields` (all of EDITABLE_FIELDS)."""
    problems = {}
    start, end, day, deadline = fields.get("start_time"), fields.get("end_time"), fields.get("date"), fields.get("booking_deadline")
    if start and end and end <= start:
        problems["end_time"] = "The session must end after it starts."
    if day and deadline and deadline > day:
        problems["booking_deadline"] = "The booking deadline cannot be after the session’s date."
    if fields.get("format") == SessionFormat.ONLINE and not fields.get("online_url"):
        problems["online_url"] = "An online session needs its joining link."
    if fields.get("format") == SessionFormat.IN_PERSON and not fields.get("venue"):
        problems["venue"] = "An in-person session needs its venue."
    capacity = fields.get("capacity")
    if capacity is not None and session is not None:
        held = places_taken(session)
        if capacity < held:
            problems["capacity"] = f"{held} places are booked or offered: the capacity cannot be below that."
    code = fields.get("session_code")
    if code:
        clash = Session.objects.filter(hub=hub, session_code=code)
        if session is not None and session.pk:
            clash = clash.exclude(pk=session.pk)
        if clash.exists():
            problems["session_code"] = f"The hub already has a session {code}."
    return problems


def _tell(session, kind):
    """Record a notice for each booking of the session that hears of `kind` and queue the sending."""
    statuses = TOLD_OF_CANCELLATION if kind == NoticeKind.SESSION_CANCELLED else LIVE_STATUSES
    bookings = list(session.bookings.filter(status__in=statuses, attendance="").values_list("pk", "sequence"))
    BookingNotice.objects.bulk_create(
        [BookingNotice(hub_id=session.hub_id, booking_id=pk, kind=kind, sequence=sequence) for pk, sequence in bookings],
        ignore_conflicts=True,
    )
    if bookings:
        from events.tasks import send_session_notices

        on_commit(send_session_notices, session.pk)
    return len(bookings)


@transaction.atomic
def create_session(event, fields):
    session = Session(hub=event.hub, event=event, **{name: fields[name] for name in EDITABLE_FIELDS if name in fields})
    session.save()
    return session


class SessionUpdate(NamedTuple):
    changed: list  # the names of the fields that changed
    offered: int = 0  # people waiting offered a place the change freed


@transaction.atomic
def update_session(session, fields):
    """Apply `fields` to the session (locked while its bookings are counted): a `SessionUpdate`. A
    calendar change raises the sequences and tells the people booked; a higher capacity or a later
    booking deadline offers the places free to the first people waiting at once."""
    locked = Session.objects.select_for_update().get(pk=session.pk)
    changed = [name for name in EDITABLE_FIELDS if name in fields and getattr(locked, name) != fields[name]]
    if not changed:
        return SessionUpdate([])
    for name in changed:
        setattr(locked, name, fields[name])
    calendar_change = any(name in CALENDAR_FIELDS for name in changed)
    if calendar_change:
        locked.sequence += 1
    locked.save()
    if calendar_change:
        locked.bookings.filter(status__in=TOLD_OF_CANCELLATION).update(sequence=F("sequence") + 1, updated_at=timezone.now())
        _tell(locked, NoticeKind.SESSION_CHANGED)
    offered = offer_free_places(locked) if {"capacity", "booking_deadline"} & set(changed) else []
    session.refresh_from_db()
    return SessionUpdate(changed, len(offered))


@transaction.atomic
def cancel_session(session):
    """Cancel the session and its bookings; everyone booked, offered or waiting is told once.
    Returns how many people are told (0 when it was already cancelled)."""
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if locked.cancelled_at is not None:
        return 0
    locked.cancelled_at = timezone.now()
    locked.sequence += 1
    locked.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    told = list(locked.bookings.filter(status__in=TOLD_OF_CANCELLATION, attendance="").values_list("pk", flat=True))
    Booking.objects.filter(pk__in=told).update(
        status=BookingStatus.CANCELLED, offer_expires_at=None, sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    BookingNotice.objects.bulk_create(
        [
            BookingNotice(hub_id=locked.hub_id, booking_id=booking.pk, kind=NoticeKind.SESSION_CANCELLED, sequence=booking.sequence)
            for booking in Booking.objects.filter(pk__in=told).only("pk", "sequence")
        ],
        ignore_conflicts=True,
    )
    if told:
        from events.tasks import send_session_notices

        on_commit(send_session_notices, locked.pk)
    session.refresh_from_db()
    return len(told)


def with_fill(sessions):
    """Sessions annotated with `booked`, `offered` and `waiting` counts (one query)."""
    return sessions.annotate(
        booked=Count("bookings", filter=Q(bookings__status=BookingStatus.BOOKED)),
        offered=Count("bookings", filter=Q(bookings__status=BookingStatus.OFFERED)),
        waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITING)),
    )


# --- Copying a year forward -----------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """A session of year Y and its copy in Y+1 (`exists`: already copied, left alone)."""

    source: Session
    session_code: str
    date: datetime.date
    booking_deadline: datetime.date
    exists: bool


def _copy_code(code, year):
    if str(year) in code:
        return code.replace(str(year), str(year + 1))
    return f"{code}-{year + 1}"


def _same_week_of_term(day, half_terms, year):
    """The day of the same weekday and week of the same half term a year later, or None."""
    for (y, name), (start, end) in half_terms.items():
        if y == year and start <= day <= end and (year + 1, name) in half_terms:
            week = ((day - start).days + start.weekday()) // 7
            next_start, next_end = half_terms[(year + 1, name)]
            monday = next_start - datetime.timedelta(days=next_start.weekday())
            moved = monday + datetime.timedelta(weeks=week, days=day.weekday())
            return moved if moved <= next_end else None
    return None


def copy_forward_plan(hub, year):
    """The live sessions of academic year `year` (1 Sep – 31 Aug) and where each goes in `year`+1:
    the same weekday and week of the same half term where both years have term dates, else 52
    weeks later. A copy whose session code the hub already has is marked `exists`."""
    half_terms = {
        (term.academic_year, term.name): (term.start_date, term.end_date)
        for term in HalfTerm.objects.filter(hub=hub, academic_year__in=[year, year + 1])
    }
    sources = Session.objects.filter(
        hub=hub, cancelled_at__isnull=True, date__gte=datetime.date(year, 9, 1), date__lt=datetime.date(year + 1, 9, 1)
    ).select_related("event")
    codes = set(Session.objects.filter(hub=hub).values_list("session_code", flat=True))
    plan = []
    for source in sources:
        day = _same_week_of_term(source.date, half_terms, year) or source.date + datetime.timedelta(weeks=52)
        code = _copy_code(source.session_code, year)
        plan.append(Copy(source, code, day, day - (source.date - source.booking_deadline), code in codes))
    return plan


@transaction.atomic
def copy_forward(hub, year):
    """Create the copies of `copy_forward_plan` that do not exist yet; returns how many."""
    created = 0
    for copy in copy_forward_plan(hub, year):
        if copy.exists:
            continue
        fields = {name: getattr(copy.source, name) for name in EDITABLE_FIELDS}
        fields.update(session_code=copy.session_code, date=copy.date, booking_deadline=copy.booking_deadline)
        create_session(copy.source.event, fields)
        created += 1
    return created


def academic_years_with_sessions(hub):
    return sorted({academic_year_of(day) for day in Session.objects.filter(hub=hub).values_list("date", flat=True)})


# --- Import ---------------------------------------------------------------------------------------

COLUMNS = (
    "event_code", "session_code", "date", "start_time", "end_time", "format", "venue", "online_url", "capacity",
    "booking_deadline",
)


@dataclass
class SessionImport(ImportProblems):
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def summary_lines(self):
        return [f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"]


def _time_cell(line, column, value, result):
    """A wall-clock time written HH:MM (or HH:MM:SS), 24-hour."""
    if not value:
        result.error(line, column, "required")
        return None
    try:
        if len(value) in (5, 8):
            return datetime.time.fromisoformat(value)
    except ValueError:
        pass
    result.error(line, column, f"{value!r} is not a time written HH:MM (24-hour)")
    return None


def _required_date(line, column, value, result):
    if not value:
        result.error(line, column, "required")
        return None
    return date_cell(line, column, value, result)


def import_sessions(hub, data, dry_run=False):
    """Create or update the hub's sessions from CSV `data` (columns `COLUMNS`), all or nothing.

    A session is identified by its `session_code`; a row for an existing session updates it (and a
    calendar change raises its sequence and tells the people booked, as an edit does). Every
    problem is reported as `line N: column: message` and then nothing is written.
    """
    result = SessionImport(dry_run=dry_run)
    with hub_scope(hub):
        rows = read_rows(data, COLUMNS, result, what="sessions")
        events = {event.event_code: event for event in Event.objects.filter(hub=hub)}
        existing = {session.session_code: session for session in Session.objects.filter(hub=hub).select_related("event")}
        seen = {}
        checked = []
        for line, row in rows:
            fields = _check_row(hub, line, row, events, existing, seen, result)
            if fields is not None:
                checked.append(fields)
        if result.errors:
            result.sort()
            return result
        with transaction.atomic():
            for fields in checked:
                event, session = fields.pop("event"), existing.get(fields["session_code"])
                if session is None:
                    create_session(event, fields)
                    result.created += 1
                elif update_session(session, fields).changed:
                    result.updated += 1
                else:
                    result.unchanged += 1
            if dry_run:
                transaction.set_rollback(True)
    return result


def _check_row(hub, line, row, events, existing, seen, result):
    errors_before = len(result.errors)
    event = events.get(row["event_code"])
    if not row["event_code"]:
        result.error(line, "event_code", "required")
    elif event is None:
        result.error(line, "event_code", f"no event {row['event_code']!r} in this hub")
    code = row["session_code"]
    if not code:
        result.error(line, "session_code", "required")
    elif len(code) > Session._meta.get_field("session_code").max_length:
        result.error(line, "session_code", "longer than 60 characters")
    elif code in seen:
        result.error(line, "session_code", f"{code!r} is also on line {seen[code]}")
    else:
        seen[code] = line
    session = existing.get(code)
    if session is not None and event is not None and session.event_id != event.id:
        result.error(line, "event_code", f"session {code!r} belongs to {session.event.event_code}; a session cannot move to another event")
    day = _required_date(line, "date", row["date"], result)
    deadline = _required_date(line, "booking_deadline", row["booking_deadline"], result)
    start = _time_cell(line, "start_time", row["start_time"], result)
    end = _time_cell(line, "end_time", row["end_time"], result)
    if row["format"] not in SessionFormat.values:
        result.error(line, "format", f"{row['format']!r} is not one of in_person, online")
    capacity = None
    if not row["capacity"].isdigit() or int(row["capacity"]) < 1:
        result.error(line, "capacity", f"{row['capacity']!r} is not a whole number of places (1 or more)")
    else:
        capacity = int(row["capacity"])
    url = row["online_url"]
    if url and not url.startswith(("https://", "http://")):
        result.error(line, "online_url", f"{url!r} is not a web address (https://…)")
    elif len(url) > Session._meta.get_field("online_url").max_length:
        result.error(line, "online_url", "longer than 500 characters")
    if len(row["venue"]) > Session._meta.get_field("venue").max_length:
        result.error(line, "venue", "longer than 200 characters")
    fields = {
        "session_code": code, "date": day, "start_time": start, "end_time": end, "format": row["format"],
        "venue": row["venue"], "online_url": url, "capacity": capacity, "booking_deadline": deadline,
    }
    if session is not None:
        fields.update(address=session.address, note=session.note)
    else:
        fields.update(address="", note="")
    for column, message in session_problems(hub, {**fields, "session_code": None}, session).items():
        if column in COLUMNS and not any(error.startswith(f"line {line}: {column}:") for error in result.errors):
            result.error(line, column, message.rstrip("."))
    if len(result.errors) > errors_before:
        return None
    return {**fields, "event": event}
