"""Event attendance per person: for every person expected at an event of the academic year, as of
a date, their `status` and `follow_up` (the `attendance` command's rows, My events and the
dashboards' "attended N of M expected so far").

- The events counted are the hub's events whose attendance is expected and which have a live
  session in the academic year of the date; who is expected is `events.expected` on that date
  (one query per kind of audience: ECT programme and year, mentors, induction tutors).
- `status`: `attended` if any booking on the event this year was attended, else `booked` (a
  booked place whose register is not taken), `waiting` (on a waiting list or offered a place),
  `excused`, `absent`, else `not_booked`. States are the bookings' current ones.
- `follow_up`: an open alternative is `alternative_booked` when the person holds a place on
  another live session of the event, else `alternative_needed`; otherwise a catch-up is
  `catch_up_due` or `catch_up_done`; otherwise empty.
- "Expected so far": a person and event with a register taken (a missed conference counts even
  with another date booked), or whose event's last live session of the year is on or before the date.

A fixed number of queries whatever the number of people (`attendance_rows`); the counts the
dashboards and the hub's report show (attended of expected so far, open alternatives, per school or
person) in one (`counts`).
"""

import datetime
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from ectprogramme.csv_safety import SafeDictWriter
from ectprogramme.sql import to_date
from events.expected import ects_in_training_sql, expected_at_schools, new_mentor_pairs_sql, tutor_pairs_sql
from events.models import LIVE_STATUSES, Alternative, Audience, Booking, BookingStatus, CatchUp, Event
from participants.cohorts import academic_year_bounds, academic_year_of
from participants.models import Person
from schools.models import School

COLUMNS = ("school_urn", "email", "role", "event_code", "session_code", "status", "follow_up")
STATUSES = ("not_booked", "waiting", "booked", "attended", "absent", "excused")
FOLLOW_UPS = ("", "catch_up_due", "catch_up_done", "alternative_needed", "alternative_booked")
ROLES = {Audience.ECT: "ect", Audience.MENTOR: "mentor", Audience.TUTOR: "induction_tutor"}
# A booking's state, best first: the one shown when a person has several on an event.
_RANK = {"attended": 0, "booked": 1, "waiting": 2, "excused": 3, "absent": 4}


@dataclass
class Row:
    """A person expected at an event, at a school."""

    person_id: int
    school_id: int
    event: Event
    status: str = "not_booked"
    session_code: str = ""
    session_date: datetime.date | None = None
    follow_up: str = ""
    due_so_far: bool = False

    @property
    def role(self):
        return ROLES[self.event.audience]


@dataclass
class Counts:
    """A person's or a school's figures: attended of expected so far, and open alternatives."""

    attended: int = 0
    expected: int = 0
    open_alternatives: int = 0

    def add(self, row):
        self.expected += row.due_so_far
        self.attended += row.due_so_far and row.status == "attended"
        self.open_alternatives += row.follow_up in ("alternative_needed", "alternative_booked")

    @property
    def text(self):
        return f"{self.attended} of {self.expected}"


# The hub's events counted in a year, with their live sessions' first and last dates that year. In
# SQL: the dashboards ask on every load, and the ORM's compiling of it cost more than running it.
# Positional parameters: the hub, the year's first day and the next year's, the hub.
YEAR_EVENTS_SQL = """
SELECT event.*, dates.first_date, dates.last_date FROM events_event event
JOIN (SELECT event_id, min(date) AS first_date, max(date) AS last_date FROM events_session
      WHERE hub_id = %s AND cancelled_at IS NULL AND date >= %s AND date < %s GROUP BY event_id) dates
  ON dates.event_id = event.id
WHERE event.hub_id = %s AND event.attendance_expected
ORDER BY event.event_code
"""


def year_events(hub, on):
    """The hub's events counted in `on`'s academic year, each with `first_date` and `last_date` of
    its live sessions that year (one query)."""
    start, end = academic_year_bounds(on)
    events = list(Event.objects.raw(YEAR_EVENTS_SQL, [hub.pk, start, end, hub.pk]))
    for event in events:
        event.first_date, event.last_date = to_date(event.first_date), to_date(event.last_date)
    return events


def _audience_key(event):
    return (event.audience, event.programme, event.ect_year)


def attendance_rows(hub, on, school_ids=None, person_ids=None):
    """Every (person, school, event) expected as of `on` (at `school_ids` / for `person_ids` when
    given) as `Row`s, with status and follow-up. One query per kind of audience among the year's
    events, plus three (bookings, catch-ups, alternatives)."""
    events = year_events(hub, on)
    groups = {}
    for event in events:
        groups.setdefault(_audience_key(event), []).append(event)
    rows = []
    for same in groups.values():
        pairs = expected_at_schools(same[0], on, school_ids)
        if person_ids is not None:
            pairs = pairs.filter(person_id__in=person_ids)
        for person_id, school_id in pairs.values_list("person_id", "school_id"):
            rows.extend(Row(person_id, school_id, event, due_so_far=event.last_date <= on) for event in same)
    if not rows:
        return rows
    _fill(rows, events, on)
    return rows


# `by_school` / `by_person` of `attendance_rows` in one statement, for the dashboards and the hub's
# report: building a row per person and event in Python cost many times the rest of those pages.
# `events`: `year_events`, `due` 1 when the event's last live session of the year is on or before the
# date; `ects`: everyone in training, read once (MATERIALIZED: SQLite 3.35+), not once per ECT event;
# `expected`: (person_id, school_id, event_id, due) of every expected person and event, by
# `events.expected`'s SQL; `{key}` what to count by. Then the year's bookings (not cancelled) and open
# alternatives of those people. Positional parameters: the date, then `YEAR_EVENTS_SQL`'s; the ECTs';
# the academic year plus one (an ECT event's cohort is that minus its ECT year); the mentors' and the
# tutors'; the hub and the year's bounds, twice.
COUNTS_SQL = """
WITH events AS (
  SELECT counted.id, counted.audience, counted.programme, counted.ect_year, CASE WHEN counted.last_date <= %s THEN 1 ELSE 0 END AS due
  FROM ({year_events}) counted
),
ects AS MATERIALIZED ({ects}),
expected AS (
  SELECT DISTINCT ects.person_id, ects.school_id, events.id AS event_id, events.due FROM ects
  JOIN events ON events.audience = 'ect' AND events.programme = ects.programme AND %s - COALESCE(events.ect_year, 0) = ects.cohort_start_year
  UNION ALL
  SELECT mentors.person_id, mentors.school_id, events.id, events.due FROM ({mentors}) mentors JOIN events ON events.audience = 'mentor'
  UNION ALL
  SELECT tutors.person_id, tutors.school_id, events.id, events.due FROM ({tutors}) tutors JOIN events ON events.audience = 'tutor'
)
SELECT {key},
  sum(CASE WHEN expected.due = 1 OR booked.taken = 1 THEN 1 ELSE 0 END),
  sum(CASE WHEN (expected.due = 1 OR booked.taken = 1) AND booked.attended = 1 THEN 1 ELSE 0 END),
  sum(CASE WHEN alternative.person_id IS NULL THEN 0 ELSE 1 END)
FROM ({counted}) expected
LEFT JOIN (
  SELECT booking.person_id, booking.event_id, max(CASE WHEN booking.attendance <> '' THEN 1 ELSE 0 END) AS taken,
         max(CASE WHEN booking.attendance = 'attended' THEN 1 ELSE 0 END) AS attended
  FROM events_booking booking JOIN events_session session ON session.id = booking.session_id
  WHERE booking.hub_id = %s AND session.date >= %s AND session.date < %s AND booking.status <> 'cancelled'
    AND booking.person_id IN (SELECT person_id FROM expected)
  GROUP BY booking.person_id, booking.event_id
) booked ON booked.person_id = expected.person_id AND booked.event_id = expected.event_id
LEFT JOIN (
  SELECT DISTINCT alt.person_id, alt.event_id FROM events_alternative alt
  JOIN events_booking booking ON booking.id = alt.booking_id JOIN events_session session ON session.id = booking.session_id
  WHERE alt.hub_id = %s AND alt.closed_at IS NULL AND session.date >= %s AND session.date < %s
    AND alt.person_id IN (SELECT person_id FROM expected)
) alternative ON alternative.person_id = expected.person_id AND alternative.event_id = expected.event_id
GROUP BY {key}
"""
COUNTED_BY = {  # what to count by, and the rows counted (each expected pair is distinct already)
    "school": ("expected.school_id", "SELECT * FROM expected"),
    # a person expected at two schools counts once per event
    "person": ("expected.person_id", "SELECT DISTINCT person_id, event_id, due FROM expected"),
}


def counts(hub, on, school_ids=None, per="school"):
    """{school id (`per="school"`) or person id (`per="person"`): `Counts`}: `by_school` or
    `by_person` of `attendance_rows(hub, on, school_ids)` in one query, whoever is expected."""
    start, end = academic_year_bounds(on)
    ects, ects_params = ects_in_training_sql(hub.pk, on, school_ids)
    mentors, mentors_params = new_mentor_pairs_sql(hub.pk, on, school_ids)
    tutors, tutors_params = tutor_pairs_sql(hub.pk, on, school_ids)
    key, counted = COUNTED_BY[per]
    sql = COUNTS_SQL.format(year_events=YEAR_EVENTS_SQL, ects=ects, mentors=mentors, tutors=tutors, key=key, counted=counted)
    params = [
        on, hub.pk, start, end, hub.pk, *ects_params, academic_year_of(on) + 1, *mentors_params, *tutors_params,
        hub.pk, start, end, hub.pk, start, end,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {ref: Counts(attended, expected, alternatives) for ref, expected, attended, alternatives in cursor.fetchall()}


def _fill(rows, events, on):
    start, end = academic_year_bounds(on)
    event_ids = [event.pk for event in events]
    people = {row.person_id for row in rows}
    this_year = Q(session__date__gte=start, session__date__lt=end)
    best, taken = {}, set()
    bookings = Booking.objects.filter(this_year, event_id__in=event_ids, person_id__in=people).exclude(status=BookingStatus.CANCELLED)
    for person_id, event_id, status, attendance, code, day in bookings.values_list(
        "person_id", "event_id", "status", "attendance", "session__session_code", "session__date"
    ):
        if attendance:
            state = attendance
        elif status == BookingStatus.BOOKED:
            state = "booked"
        else:
            state = "waiting"
        key = (person_id, event_id)
        if attendance:
            taken.add(key)
        if key not in best or _RANK[state] < _RANK[best[key][0]] or (_RANK[state] == _RANK[best[key][0]] and day > best[key][2]):
            best[key] = (state, code, day)
    elsewhere = Booking.objects.filter(
        person_id=OuterRef("person_id"), event_id=OuterRef("event_id"), status__in=LIVE_STATUSES, attendance="",
        session__cancelled_at__isnull=True,
    ).exclude(pk=OuterRef("booking_id"))
    follow_ups = {}
    for person_id, event_id, done_at in CatchUp.objects.filter(
        booking__session__date__gte=start, booking__session__date__lt=end, event_id__in=event_ids, person_id__in=people
    ).values_list("person_id", "event_id", "done_at"):
        if follow_ups.get((person_id, event_id)) != "catch_up_due":
            follow_ups[(person_id, event_id)] = "catch_up_done" if done_at else "catch_up_due"
    for person_id, event_id, booked in (
        Alternative.objects.filter(
            closed_at__isnull=True, booking__session__date__gte=start, booking__session__date__lt=end,
            event_id__in=event_ids, person_id__in=people,
        )
        .annotate(booked=Exists(elsewhere))
        .values_list("person_id", "event_id", "booked")
    ):
        if follow_ups.get((person_id, event_id)) != "alternative_needed":
            follow_ups[(person_id, event_id)] = "alternative_booked" if booked else "alternative_needed"
    for row in rows:
        key = (row.person_id, row.event.pk)
        if key in best:
            row.status, row.session_code, row.session_date = best[key]
        row.follow_up = follow_ups.get(key, "")
        row.due_so_far = row.due_so_far or key in taken


def by_person(rows):
    """{person_id: Counts} (a person at two schools counts once per event)."""
    counts, seen = {}, set()
    for row in rows:
        if (row.person_id, row.event.pk) in seen:
            continue
        seen.add((row.person_id, row.event.pk))
        counts.setdefault(row.person_id, Counts()).add(row)
    return counts


def by_school(rows):
    """{school_id: Counts} (what `counts` gives in SQL, and is tested against)."""
    counts = {}
    for row in rows:
        counts.setdefault(row.school_id, Counts()).add(row)
    return counts


def by_event(rows):
    """Per expected event, in the order of `rows` (a school's): the event's title and how many people
    were expected, attended, missed (absent or excused), are booked on a session still to come, are
    not booked (or waiting), and their catch-ups due and done and alternatives open. A list of dicts
    (the school report's table)."""
    events, seen = {}, set()
    for row in rows:
        if (row.person_id, row.event.pk) in seen:
            continue
        seen.add((row.person_id, row.event.pk))
        e = events.setdefault(row.event.pk, {
            "title": row.event.title, "expected": 0, "attended": 0, "missed": 0, "booked": 0, "not_booked": 0,
            "catch_ups_due": 0, "catch_ups_done": 0, "alternatives": 0,
        })
        e["expected"] += 1
        if row.status == "attended":
            e["attended"] += 1
        elif row.status in ("absent", "excused"):
            e["missed"] += 1
        elif row.status == "booked":
            e["booked"] += 1
        else:
            e["not_booked"] += 1
        e["catch_ups_due"] += row.follow_up == "catch_up_due"
        e["catch_ups_done"] += row.follow_up == "catch_up_done"
        e["alternatives"] += row.follow_up in ("alternative_needed", "alternative_booked")
    return list(events.values())


def command_rows(hub, on):
    """The `attendance` command's rows (dicts of `COLUMNS`): one per person and expected event (a
    person expected at two schools is listed at the one with the lower URN), sorted by school
    URN, e-mail and event code."""
    rows = attendance_rows(hub, on)
    urns = dict(School.objects.filter(pk__in={row.school_id for row in rows}).values_list("pk", "urn"))
    emails = dict(Person.objects.filter(pk__in={row.person_id for row in rows}).values_list("pk", "user__email"))
    chosen = {}
    for row in rows:
        key = (row.person_id, row.event.pk)
        if key not in chosen or urns[row.school_id] < urns[chosen[key].school_id]:
            chosen[key] = row
    result = [
        {
            "school_urn": urns[row.school_id], "email": emails[row.person_id], "role": row.role,
            "event_code": row.event.event_code, "session_code": row.session_code, "status": row.status,
            "follow_up": row.follow_up,
        }
        for row in chosen.values()
    ]
    result.sort(key=lambda r: (r["school_urn"], r["email"], r["event_code"]))
    return result


def write_csv(rows, stream):
    writer = SafeDictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def write_json(rows, stream):
    stream.write(json.dumps(rows, indent=2) + "\n")
