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
from participants.cohorts import academic_year_bounds, academic_year_of
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


# `expected_at_schools` in SQL, one statement per kind of audience: "who has not booked" and the
# dashboards' attendance ask it on every load, where compiling the ORM's form cost as much as running
# it (and its mentor form aggregated every mentor role of the hub). Tests hold each to the ORM's pairs.
# Parameters in order: the hub, the date (four times), then an event's programme and cohort year.
_ECTS_IN_TRAINING = """FROM participants_ectatschool period
JOIN participants_ect ect ON ect.id = period.ect_id
WHERE period.hub_id = %s AND period.started_on <= %s AND (period.finished_on IS NULL OR period.finished_on > %s)
  AND EXISTS (SELECT 1 FROM participants_ectstatus status WHERE status.ect_id = period.ect_id AND status.status = 'active'
              AND status.started_on <= %s AND (status.finished_on IS NULL OR status.finished_on > %s))
"""
ECT_PAIRS_SQL = "SELECT DISTINCT ect.person_id, period.school_id " + _ECTS_IN_TRAINING + "  AND ect.programme = %s AND ect.cohort_start_year = %s\n"
# Every ECT in training on the date, with their programme and cohort: the pairs of every ECT event at once.
ECTS_IN_TRAINING_SQL = "SELECT ect.person_id, period.school_id, ect.programme, ect.cohort_start_year " + _ECTS_IN_TRAINING

# A new mentor's first role started in the academic year (no role before it, one in it) and none of
# their roles is marked previously trained. Parameters: the hub, the date, the year's first day (twice), the next year's.
MENTOR_PAIRS_SQL = """
SELECT DISTINCT role.person_id, role.school_id FROM participants_mentor role
WHERE role.hub_id = %s AND (role.finished_on IS NULL OR role.finished_on > %s)
  AND NOT EXISTS (SELECT 1 FROM participants_mentor other WHERE other.person_id = role.person_id
                  AND (other.previously_trained OR other.started_on < %s))
  AND EXISTS (SELECT 1 FROM participants_mentor other WHERE other.person_id = role.person_id
              AND other.started_on >= %s AND other.started_on < %s)
"""

# Parameters: the hub, the date (twice).
TUTOR_PAIRS_SQL = """
SELECT DISTINCT role.person_id, role.school_id FROM participants_inductiontutor role
WHERE role.hub_id = %s AND role.started_on <= %s AND (role.finished_on IS NULL OR role.finished_on > %s)
"""

NOBODY_SQL = "SELECT NULL AS person_id, NULL AS school_id WHERE 1 = 0"


def expected_pairs_sql(event: Event, on: datetime.date, school_ids=None):
    """(sql, params) selecting `expected_at_schools`' (person_id, school_id) pairs in plain SQL, to
    use inside a statement (positional parameters)."""
    if not event.attendance_expected:
        return NOBODY_SQL, ()
    if event.audience == Audience.ECT:
        params = [event.hub_id, on, on, on, on, event.programme, academic_year_of(on) - (event.ect_year or 0) + 1]
        return _at_schools(ECT_PAIRS_SQL, params, "period.school_id", school_ids)
    if event.audience == Audience.MENTOR:
        return new_mentor_pairs_sql(event.hub_id, on, school_ids)
    return tutor_pairs_sql(event.hub_id, on, school_ids)


def new_mentor_pairs_sql(hub_id, on: datetime.date, school_ids=None):
    """`expected_pairs_sql` of a mentor event: (person_id, school_id) of the new mentors."""
    start, end = academic_year_bounds(on)
    return _at_schools(MENTOR_PAIRS_SQL, [hub_id, on, start, start, end], "role.school_id", school_ids)


def tutor_pairs_sql(hub_id, on: datetime.date, school_ids=None):
    """`expected_pairs_sql` of an induction tutor event: (person_id, school_id) of the current tutors."""
    return _at_schools(TUTOR_PAIRS_SQL, [hub_id, on, on], "role.school_id", school_ids)


def ects_in_training_sql(hub_id, on: datetime.date, school_ids=None):
    """(sql, params) selecting (person_id, school_id, programme, cohort_start_year) of every ECT
    whom an ECT event on `on` would expect (at `school_ids` when given): `expected_pairs_sql` of all
    ECT events at once, matched on programme and cohort year (possibly twice over for one person)."""
    return _at_schools(ECTS_IN_TRAINING_SQL, [hub_id, on, on, on, on], "period.school_id", school_ids)


def _at_schools(sql, params, school_column, school_ids):
    if school_ids is not None:
        school_ids = list(school_ids)
        sql += f"  AND {school_column} IN ({', '.join(['%s'] * len(school_ids)) or 'NULL'})\n"
        params = [*params, *school_ids]
    return sql, tuple(params)


def expected_people(event: Event, on: datetime.date, school_ids=None):
    """The people expected at `event` on `on` (a Person queryset), at `school_ids` when given."""
    return Person.objects.filter(pk__in=expected_at_schools(event, on, school_ids).values("person_id"))


def new_mentors(hub_id, on: datetime.date):
    """People of the hub in their first mentoring year on `on` and not previously trained."""
    start, end = academic_year_bounds(on)
    trained = Mentor.objects.filter(person=OuterRef("pk"), previously_trained=True)
    return (
        Person.objects.filter(hub_id=hub_id)
        .annotate(first_mentoring=Min("mentor_roles__started_on"))
        .filter(first_mentoring__gte=start, first_mentoring__lt=end)
        .exclude(Exists(trained))
        .values("pk")
    )
