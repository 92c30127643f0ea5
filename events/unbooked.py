"""Who is booked and who has not booked, per event and school: the hub's weekly question ("which
schools still have people to book on Clinic 2?") and the rows of a school's booking form.

Expectation is judged on `reference_date(event, today)`; every figure comes from a fixed number of
queries, whatever the number of people and schools.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When

from events.expected import expected_at_schools
from events.models import Booking, BookingStatus, Session
from events.sessions import with_fill
from participants.models import Person

STATE_ORDER = Case(
    When(status=BookingStatus.BOOKED, then=Value(0)),
    When(status=BookingStatus.OFFERED, then=Value(1)),
    When(status=BookingStatus.WAITING, then=Value(2)),
    output_field=IntegerField(),
)


def reference_date(event, today):
    """The date who is expected is judged on: the event's next live session from `today`, else its
    last live session, else `today`."""
    live = Session.objects.filter(event=event, cancelled_at__isnull=True)
    upcoming = live.filter(date__gte=today).order_by("date").values_list("date", flat=True).first()
    return upcoming or live.order_by("-date").values_list("date", flat=True).first() or today


def counted_bookings(event):
    """The event's bookings that count: on a live session, booked (any attendance), offered or waiting."""
    return Booking.objects.filter(
        event=event, session__cancelled_at__isnull=True, status__in=[BookingStatus.BOOKED, BookingStatus.OFFERED, BookingStatus.WAITING]
    )


def booking_state(event):
    """A subquery: the outer row's `person_id`'s best state on the event (booked, offered, waiting) or NULL."""
    best = counted_bookings(event).filter(person_id=OuterRef("person_id")).annotate(rank=STATE_ORDER).order_by("rank", "pk")
    return Subquery(best.values("status")[:1])


@dataclass
class SchoolRow:
    school_id: int
    expected: int = 0
    booked: int = 0
    offered: int = 0
    waiting: int = 0
    school: object = None

    @property
    def not_booked(self):
        return self.expected - self.booked - self.offered


def school_rows(event, on, school_ids=None):
    """One `SchoolRow` per school with someone expected at `event` on `on` (at `school_ids` when
    given), schools with most people still to book first: one query."""
    pairs = expected_at_schools(event, on, school_ids).annotate(state=booking_state(event)).values_list("school_id", "state")
    rows = {}
    for school_id, state in pairs:
        row = rows.setdefault(school_id, SchoolRow(school_id))
        row.expected += 1
        if state:
            setattr(row, state, getattr(row, state) + 1)
    return list(rows.values())


def next_deadline(event, today):
    """The first booking deadline still open among the event's live sessions, or None."""
    return (
        Session.objects.filter(event=event, cancelled_at__isnull=True, booking_deadline__gte=today)
        .order_by("booking_deadline")
        .values_list("booking_deadline", flat=True)
        .first()
    )


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
