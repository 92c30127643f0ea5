"""Who is booked and who has not booked, per event and school: the hub's weekly question ("which
schools still have people to book on Clinic 2?") and the rows of a school's booking form.

Expectation is judged on `reference_date(event, today)`; every figure comes from a fixed number of
queries, whatever the number of people and schools.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from events.expected import expected_at_schools, expected_pairs_sql
from events.models import Booking, BookingStatus, Session
from events.sessions import with_fill
from participants.models import Person
from schools.models import School

STATE_ORDER = Case(
    When(status=BookingStatus.BOOKED, then=Value(0)),
    When(status=BookingStatus.OFFERED, then=Value(1)),
    When(status=BookingStatus.WAITING, then=Value(2)),
    output_field=IntegerField(),
)


def key_dates(event, today):
    """(reference date, next open booking deadline or None) from the event's live sessions, in one
    query. Who is expected is judged on the reference date: the event's next live session from
    `today`, else its last live session, else `today`."""
    dates = list(Session.objects.filter(event=event, cancelled_at__isnull=True).order_by("date").values_list("date", "booking_deadline"))
    upcoming = [day for day, _ in dates if day >= today]
    reference = upcoming[0] if upcoming else (dates[-1][0] if dates else today)
    deadline = min((deadline for _, deadline in dates if deadline >= today), default=None)
    return reference, deadline


def reference_date(event, today):
    return key_dates(event, today)[0]


def counted_bookings(event):
    """The event's bookings that count: on a live session, booked (any attendance), offered or waiting."""
    return Booking.objects.filter(
        event=event, session__cancelled_at__isnull=True, status__in=[BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.WAITING]
    )


@dataclass
class SchoolRow:
    """A school's people expected at an event, counted by their best booking state."""

    school_id: int
    name: str
    code: object
    expected: int = 0
    booked: int = 0
    offered: int = 0
    waiting: int = 0

    @property
    def not_booked(self):
        return self.expected - self.booked - self.offered

    def shown(self, book_url):
        """The row as the page shows it: figures already text (a template localizes each number it
        renders, at a cost that shows over a page of schools), and its link to book them."""
        figures = {name: str(getattr(self, name)) for name in ("expected", "booked", "offered", "waiting", "not_booked")}
        return {"name": self.name, "book_url": book_url.format(self.code), "to_book": self.not_booked > 0, **figures}


# Each school with someone expected, its people counted by their best state on the event (booked,
# offered, waiting): `counted_bookings` ranked as `STATE_ORDER` ranks them. At 400 schools the hub's
# page is this one statement; written in SQL, as compiling it through the ORM cost as much as running it.
SCHOOL_ROWS_SQL = """
SELECT p.school_id, school.name, school.code, count(*),
       count(*) FILTER (WHERE best.rank = 0), count(*) FILTER (WHERE best.rank = 1), count(*) FILTER (WHERE best.rank = 2)
FROM ({expected}) p
JOIN schools_school school ON school.id = p.school_id
LEFT JOIN (
  SELECT booking.person_id, min(CASE booking.status WHEN 'booked' THEN 0 WHEN 'offered' THEN 1 ELSE 2 END) AS rank
  FROM events_booking booking JOIN events_session session ON session.id = booking.session_id
  WHERE booking.event_id = %s AND session.cancelled_at IS NULL AND booking.status IN ('booked', 'offered', 'waiting')
  GROUP BY booking.person_id
) best ON best.person_id = p.person_id
GROUP BY p.school_id, school.name, school.code
"""


def school_rows(event, on, school_ids=None):
    """One `SchoolRow` per school with someone expected at `event` on `on` (at `school_ids` when
    given), in one query."""
    expected, params = expected_pairs_sql(event, on, school_ids)
    with connection.cursor() as cursor:
        cursor.execute(SCHOOL_ROWS_SQL.format(expected=expected), (*params, event.pk))
        rows = cursor.fetchall()
    to_uuid = School._meta.get_field("code").to_python  # SQLite gives text
    return [SchoolRow(school_id, name, to_uuid(code), *figures) for school_id, name, code, *figures in rows]


def next_deadline(event, today):
    """The first booking deadline still open among the event's live sessions, or None."""
    return key_dates(event, today)[1]


def bookable_sessions(event, today=None):
    """The event's live sessions (with fill), by date; past deadlines included for hub staff to use."""
    sessions = with_fill(Session.objects.filter(event=event, cancelled_at__isnull=True)).order_by("date", "start_time", "pk")
    if today is not None:
        sessions = sessions.filter(booking_deadline__gte=today)
    return list(sessions)


def people_to_book(event, school, on, *, anyone_at_school=False):
    """The people of `school` to show on its booking form for `event`: everyone expected on `on`
    (with `anyone_at_school`, for an event the hub added, everyone with a current role there),
    each with `.booking`, their booked, offered or waiting booking on the event (or None). Three queries."""
    if anyone_at_school:
        people = Person.objects.filter(
            Q(ect_roles__school_periods__school=school, ect_roles__school_periods__finished_on__isnull=True)
            | Q(mentor_roles__school=school, mentor_roles__finished_on__isnull=True)
            | Q(tutor_roles__school=school, tutor_roles__finished_on__isnull=True)
        )
    else:
        people = Person.objects.filter(pk__in=expected_at_schools(event, on, [school.pk]).values("person_id"))
    people = list(people.distinct().select_related("user").order_by("last_name", "first_name", "pk"))
    bookings = {}
    for booking in counted_bookings(event).filter(person__in=people).annotate(rank=STATE_ORDER).order_by("-rank", "pk").select_related("session"):
        bookings[booking.person_id] = booking
    for person in people:
        person.booking = bookings.get(person.pk)
    return people


def own_booking(event, person):
    """The person's booked, offered or waiting booking on the event (the best of them), or None."""
    return counted_bookings(event).filter(person=person).annotate(rank=STATE_ORDER).order_by("rank", "pk").select_related("session").first()
