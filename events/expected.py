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

from django.core.exceptions import EmptyResultSet
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


# `expected_at_schools` for an ECT event in SQL: "who has not booked" asks it for the whole hub on
# every load, and compiling the ORM's form cost a third of that page. Tests hold the two to the same
# pairs. Parameters in order: the hub, the date (three times), the programme, the cohort year.
ECT_PAIRS_SQL = """
SELECT DISTINCT ect.person_id, period.school_id FROM participants_ectatschool period
JOIN participants_ect ect ON ect.id = period.ect_id
WHERE period.hub_id = %s AND period.started_on <= %s AND (period.finished_on IS NULL OR period.finished_on > %s)
  AND EXISTS (SELECT 1 FROM participants_ectstatus status WHERE status.ect_id = period.ect_id AND status.status = 'active'
              AND status.started_on <= %s AND (status.finished_on IS NULL OR status.finished_on > %s))
  AND ect.programme = %s AND ect.cohort_start_year = %s
"""


NOBODY_SQL = "SELECT NULL AS person_id, NULL AS school_id WHERE 1 = 0"


def expected_pairs_sql(event: Event, on: datetime.date, school_ids=None):
    """(sql, params) selecting `expected_at_schools`' (person_id, school_id) pairs, to use inside a
    statement: plain SQL for an ECT event, the ORM's compiled query for any other."""
    if not (event.attendance_expected and event.audience == Audience.ECT):
        try:
            return expected_at_schools(event, on, school_ids).query.sql_with_params()
        except EmptyResultSet:  # no schools, or nobody can be expected
            return NOBODY_SQL, ()
    sql = ECT_PAIRS_SQL
    params = [event.hub_id, on, on, on, on, event.programme, academic_year_of(on) - (event.ect_year or 0) + 1]
    if school_ids is not None:
        school_ids = list(school_ids)
        sql += f"  AND period.school_id IN ({', '.join(['%s'] * len(school_ids)) or 'NULL'})\n"
        params += school_ids
    return sql, tuple(params)


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
