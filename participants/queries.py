"""Read-side queries for pages: lists of schools, ECTs and mentors with what each row shows.

Each returns a queryset with a constant number of queries however many rows it has.
"""

from django.db.models import Case, Count, OuterRef, Prefetch, Q, Subquery, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from schools.models import School
from participants.models import ECT, ECTAtSchool, ECTStatus, HubRole, InductionTutor, Mentor, MentorAssignment, Person


def _open(prefix=""):
    today = timezone.localdate()
    return Q(**{f"{prefix}started_on__lte": today}) & (
        Q(**{f"{prefix}finished_on__isnull": True}) | Q(**{f"{prefix}finished_on__gt": today})
    )


def schools_with_counts(schools):
    return schools.annotate(
        tutor_count=Count("induction_tutors", filter=_open("induction_tutors__"), distinct=True),
        mentor_count=Count("mentors", filter=_open("mentors__"), distinct=True),
        ect_count=Count(
            "ects",
            filter=Q(ects__statuses__finished_on__isnull=True, ects__statuses__status__in=["active", "paused"]),
            distinct=True,
        ),
    )


def hub_totals():
    """Counts for the hub overview (inside the hub's scope)."""
    today = timezone.localdate()
    return {
        "schools": School.objects.count(),
        "ects": ECTStatus.objects.filter(finished_on__isnull=True, status__in=["active", "paused"]).count(),
        "mentors": Mentor.objects.current(today).values("person").distinct().count(),
        "tutors": InductionTutor.objects.current(today).values("person").distinct().count(),
    }


def search_schools(schools, q):
    q = (q or "").strip()
    if q:
        schools = schools.filter(Q(name__icontains=q) | Q(urn__startswith=q))
    return schools


def ects_with_current(ects):
    """ECTs with their current status ("not_started" before their induction starts, whatever it
    says) and current mentor's name, in one query."""
    status = ECTStatus.objects.filter(ect=OuterRef("pk"), finished_on__isnull=True).values("status")[:1]
    assignment = MentorAssignment.objects.filter(ect=OuterRef("pk"), finished_on__isnull=True)
    not_started = When(induction_start_date__gt=timezone.localdate(), then=Value("not_started"))
    return ects.select_related("person__user", "school").annotate(
        current_status=Case(not_started, default=Subquery(status)),
        mentor_first_name=Subquery(assignment.values("mentor__person__first_name")[:1]),
        mentor_last_name=Subquery(assignment.values("mentor__person__last_name")[:1]),
        mentor_person_code=Subquery(assignment.values("mentor__person__code")[:1]),
    )


def search_people(people, q, prefix=""):
    """Filter by every word of `q` against first name, last name or e-mail (`prefix` reaches the person)."""
    for word in (q or "").split():
        people = people.filter(
            Q(**{f"{prefix}first_name__icontains": word})
            | Q(**{f"{prefix}last_name__icontains": word})
            | Q(**{f"{prefix}user__email__icontains": word})
        )
    return people


def people_with_roles(people, school_ids=None):
    """People with their ECT records and current roles (with `school_ids`, only those at these schools)."""
    today = timezone.localdate()
    at_schools = Q() if school_ids is None else Q(school_id__in=school_ids)
    return people.select_related("user").prefetch_related(
        Prefetch("ect_roles", queryset=ECT.objects.filter(at_schools).select_related("school")),
        Prefetch("mentor_roles", queryset=Mentor.objects.filter(at_schools).current(today).select_related("school")),
        Prefetch("tutor_roles", queryset=InductionTutor.objects.filter(at_schools).current(today).select_related("school")),
    )


def mentors_at(school):
    today = timezone.localdate()
    return (
        Mentor.objects.filter(school=school)
        .current(today)
        .select_related("person__user")
        .annotate(mentee_count=Count("assignments", filter=_open("assignments__")))
        .order_by("person__last_name", "person__first_name")
    )


def tutors_at(school):
    return InductionTutor.objects.filter(school=school).current().select_related("person__user")


def person_page(person, school_ids=None):
    """Everything a person's page shows about their roles: with `school_ids`, only their roles at those
    schools (see `access.person_school_ids`); the timeline is `participants.timeline`."""
    at_schools = Q() if school_ids is None else Q(school_id__in=school_ids)
    ects = list(
        ECT.objects.filter(at_schools, person=person)
        .select_related("school")
        .prefetch_related(
            "statuses",
            Prefetch("school_periods", queryset=ECTAtSchool.objects.select_related("school")),
            Prefetch("mentor_assignments", queryset=MentorAssignment.objects.select_related("mentor__person__user")),
        )
    )
    mentor_roles = list(
        Mentor.objects.filter(at_schools, person=person)
        .select_related("school")
        .prefetch_related(Prefetch("assignments", queryset=MentorAssignment.objects.select_related("ect__person__user")))
    )
    for ect in ects:
        current = next((status for status in ect.statuses.all() if status.finished_on is None), None)
        in_training = current is not None and current.status in ("active", "paused")
        ect.no_mentor = in_training and not any(a.finished_on is None for a in ect.mentor_assignments.all())
    tutor_roles = list(InductionTutor.objects.filter(at_schools, person=person).select_related("school"))
    return {"ects": ects, "mentor_roles": mentor_roles, "tutor_roles": tutor_roles}


def people_with_hub_roles():
    """Hub admins then hub staff, by name (inside the hub's scope)."""
    return (
        Person.objects.exclude(hub_role=HubRole.NONE)
        .select_related("user")
        .order_by("hub_role", "last_name", "first_name", "pk")
    )


def handover(role):
    """For ending a mentor role: (its current mentees, the school's other current mentors)."""
    if not isinstance(role, Mentor):
        return [], []
    mentees = ECT.objects.filter(mentor_assignments__mentor=role, mentor_assignments__finished_on__isnull=True)
    others = Mentor.objects.filter(school_id=role.school_id, finished_on__isnull=True).exclude(pk=role.pk)
    return (
        list(mentees.select_related("person__user").order_by("person__last_name", "person__first_name")),
        list(others.select_related("person__user").order_by("person__last_name", "person__first_name")),
    )


def current_mentees(mentor_ids):
    return ects_with_current(
        ECT.objects.filter(
            pk__in=MentorAssignment.objects.filter(mentor_id__in=mentor_ids).current().values("ect_id")
        )
    ).order_by("person__last_name", "person__first_name")


def people_at_school(school):
    """People with a current role at the school (ECTs in training, mentors, induction tutors)."""
    today = timezone.localdate()
    return Person.objects.filter(
        Q(ect_roles__school=school, ect_roles__statuses__finished_on__isnull=True, ect_roles__statuses__status__in=["active", "paused"])
        | Q(mentor_roles__in=Mentor.objects.filter(school=school).current(today))
        | Q(tutor_roles__in=InductionTutor.objects.filter(school=school).current(today))
    ).distinct()


# `people_at_school`'s rule in SQL, for many schools at once on pages that must be quick (the Lead
# and hub dashboards): (school_id, person_id) of the people with a current role at a school of
# %(schools)s (a list of ids: expand it with `ectprogramme.sql.with_lists`) on %(today)s; a person with two roles at a school is one row. Tests
# hold it to `people_at_school`.
PEOPLE_AT_SCHOOLS_SQL = """
SELECT e.school_id, e.person_id FROM participants_ect e JOIN participants_ectstatus s ON s.ect_id = e.id
 WHERE e.school_id IN (%(schools)s) AND s.finished_on IS NULL AND s.status IN ('active', 'paused')
UNION
SELECT school_id, person_id FROM participants_mentor
 WHERE school_id IN (%(schools)s) AND started_on <= %(today)s AND (finished_on IS NULL OR finished_on > %(today)s)
UNION
SELECT school_id, person_id FROM participants_inductiontutor
 WHERE school_id IN (%(schools)s) AND started_on <= %(today)s AND (finished_on IS NULL OR finished_on > %(today)s)
"""


def timeline(person):
    """The person's timeline, each change with `actor_name`: the name the hub knows its actor by
    (never the account's own name, which another hub may have given), blank if the actor has no
    membership of the hub."""
    actors = Person.objects.filter(hub=OuterRef("hub"), user=OuterRef("actor"))
    return person.changes.annotate(
        actor_name=Subquery(actors.annotate(name=Concat("first_name", Value(" "), "last_name")).values("name")[:1])
    )
