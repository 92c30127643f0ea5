"""Who is expected at an event on a date, hub-wide or at some schools: one query, never a loop.

- ECT events: every ECT of the event's programme whose cohort year on the date is the event's year
  (ECT1 in the academic year their cohort starts, ECT2 the year after) and whose status on the
  date is active (not paused, left or completed, nor before their induction started), at the
  school they are at on that date.
- Mentor events: every new mentor of the academic year of the date: no mentor role of theirs is
  marked previously trained ("previously trained mentors do not need to repeat the programme"),
  their first mentor role (at any school of the hub) started in that academic year, and they
  still have a mentor role that has not finished by the date (at that role's school).
- Induction tutor events: every induction tutor whose role covers the date (at its school).
- Nobody is expected at an event whose attendance is not expected (coaching for mentors).

`expected_at_schools` gives (person_id, school_id) pairs to build "who has not booked" on;
`expected_people` the distinct people.
"""

import datetime

from django.db.models import Exists, F, Min, OuterRef, Q

from events.models import Audience, Event
from participants.cohorts import academic_year_of
from participants.models import ECTAtSchool, ECTStatus, ECTStatusKind, InductionTutor, Mentor, Person


def _not_finished_by(on):
    return Q(finished_on__isnull=True) | Q(finished_on__gt=on)


def expected_at_schools(event: Event, on: datetime.date, school_ids=None):
    """A values queryset of `{"person_id", "school_id"}`: who is expected at `event` on `on`, and at
    which school; limited to `school_ids` (ids or a queryset of ids) when given."""
    if not event.attendance_expected:
        return ECTAtSchool.objects.none().annotate(person_id=F("ect__person_id")).values("person_id", "school_id")
    if event.audience == Audience.ECT:
        active = ECTStatus.objects.filter(ect=OuterRef("ect_id"), status=ECTStatusKind.ACTIVE).current(on)
        rows = ECTAtSchool.objects.current(on).filter(
            Exists(active),
            hub_id=event.hub_id,
            ect__programme=event.programme,
            ect__cohort_start_year=academic_year_of(on) - (event.ect_year or 0) + 1,
        )
        rows = rows.annotate(person_id=F("ect__person_id"))
    elif event.audience == Audience.MENTOR:
        rows = Mentor.objects.filter(_not_finished_by(on), hub_id=event.hub_id, person__in=new_mentors(event.hub_id, on))
    else:
        rows = InductionTutor.objects.current(on).filter(hub_id=event.hub_id)
    if school_ids is not None:
        rows = rows.filter(school_id__in=school_ids)
    return rows.order_by().values("person_id", "school_id").distinct()


def expected_people(event: Event, on: datetime.date, school_ids=None):
    """The people expected at `event` on `on` (a Person queryset), at `school_ids` when given."""
    return Person.objects.filter(pk__in=expected_at_schools(event, on, school_ids).values("person_id"))


def new_mentors(hub_id, on: datetime.date):
    """People of the hub in their first mentoring year on `on` and not previously trained."""
    year = academic_year_of(on)
    trained = Mentor.objects.filter(person=OuterRef("pk"), previously_trained=True)
    return (
        Person.objects.filter(hub_id=hub_id)
        .annotate(first_mentoring=Min("mentor_roles__started_on"))
        .filter(
            first_mentoring__gte=datetime.date(year, 9, 1),
            first_mentoring__lt=datetime.date(year + 1, 9, 1),
        )
        .exclude(Exists(trained))
        .values("pk")
    )
