"""Who may see and change what inside the active hub.

Every view fetches tenant objects through these helpers. Anything the viewer may not see is a
404 — the same answer as "does not exist", so codes cannot be probed — and anything they may
see but not change is a 403. Hub staff see the whole hub; induction tutors their school(s);
mentors their current ECTs; ECTs themselves. A person with several roles has all their rights.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from participants.models import ECT, InductionTutor, Mentor, MentorAssignment, Person
from schools.models import School


@dataclass(frozen=True)
class Viewer:
    person: Person | None
    is_hub_staff: bool = False
    is_hub_admin: bool = False
    tutor_school_ids: frozenset = field(default_factory=frozenset)
    tutor_schools: tuple = ()  # (code, name) of each school they tutor at, by name
    mentor_ids: frozenset = field(default_factory=frozenset)
    mentee_ect_ids: frozenset = field(default_factory=frozenset)
    own_ect_ids: frozenset = field(default_factory=frozenset)

    @classmethod
    def for_person(cls, person, today=None):
        if person is None:
            return cls(person=None)
        today = today or timezone.localdate()
        roles = _current_roles(person, today)
        mentor_ids = frozenset(ref for role, ref, _, _ in roles if role == "mentor")
        tutor_schools = {ref: (code, name) for role, ref, code, name in roles if role == "tutor"}
        return cls(
            person=person,
            is_hub_staff=person.is_hub_staff,
            is_hub_admin=person.is_hub_admin,
            tutor_school_ids=frozenset(tutor_schools),
            tutor_schools=tuple(tutor_schools.values()),
            mentor_ids=mentor_ids,
            mentee_ect_ids=frozenset(
                MentorAssignment.objects.filter(mentor_id__in=mentor_ids).current(today).values_list("ect_id", flat=True)
            )
            if mentor_ids
            else frozenset(),
            own_ect_ids=frozenset(ref for role, ref, _, _ in roles if role == "ect"),
        )

    @property
    def is_tutor(self):
        return bool(self.tutor_school_ids)

    @property
    def is_mentor(self):
        return bool(self.mentor_ids)

    @property
    def is_ect(self):
        return bool(self.own_ect_ids)


ROLES_SQL = """
SELECT 'tutor', t.school_id, s.code, s.name FROM participants_inductiontutor t JOIN schools_school s ON s.id = t.school_id
  WHERE t.hub_id = %(hub)s AND t.person_id = %(person)s AND t.started_on <= %(today)s AND (t.finished_on IS NULL OR t.finished_on > %(today)s)
UNION ALL
SELECT 'mentor', m.id, NULL, NULL FROM participants_mentor m
  WHERE m.hub_id = %(hub)s AND m.person_id = %(person)s AND m.started_on <= %(today)s AND (m.finished_on IS NULL OR m.finished_on > %(today)s)
UNION ALL
SELECT 'ect', e.id, NULL, NULL FROM participants_ect e WHERE e.hub_id = %(hub)s AND e.person_id = %(person)s
ORDER BY 4, 2"""


def _current_roles(person, today):
    """(role, id, school code, school name) of the person's current tutor roles (their schools, by
    name), current mentor roles and ECT records: the same as `InductionTutor.objects.current(today)`
    etc. for `person` (in their own hub), in one statement. Every page needs them, and as SQL they
    cost a fifth of three ORM queries."""
    to_uuid = School._meta.get_field("code").to_python  # SQLite gives the code as text
    with connection.cursor() as cursor:
        cursor.execute(ROLES_SQL, {"hub": person.hub_id, "person": person.pk, "today": today})
        return [(role, ref, code and to_uuid(code), name) for role, ref, code, name in cursor.fetchall()]


def _none_or_404(obj):
    if obj is None:
        raise Http404("Not found")
    return obj


# --- Schools ---------------------------------------------------------------------------------


def visible_schools(viewer):
    if viewer.is_hub_staff:
        return School.objects.all()
    return School.objects.filter(id__in=viewer.tutor_school_ids)


def get_school(viewer, code):
    return _none_or_404(visible_schools(viewer).filter(code=code).first())


def can_manage_school_people(viewer, school):
    return viewer.is_hub_staff or school.id in viewer.tutor_school_ids


def get_school_for_people_change(viewer, code):
    school = get_school(viewer, code)
    if not can_manage_school_people(viewer, school):
        raise PermissionDenied
    return school


def require_hub_staff(viewer):
    if not viewer.is_hub_staff:
        raise Http404("Not found")


# --- People ----------------------------------------------------------------------------------


def _people_at_schools(school_ids, current_only=False):
    """People with an ECT record or a mentor/tutor role at the schools (with `current_only`, an
    open role: someone who has moved on is history to see, not a person to manage)."""
    condition = Q(ect_roles__school_id__in=school_ids)
    for role in ("mentor_roles", "tutor_roles"):
        role_condition = Q(**{f"{role}__school_id__in": school_ids})
        if current_only:
            today = timezone.localdate()
            role_condition &= Q(**{f"{role}__finished_on__isnull": True}) | Q(**{f"{role}__finished_on__gt": today})
        condition |= role_condition
    return condition


def visible_people(viewer):
    if viewer.person is None:
        return Person.objects.none()
    if viewer.is_hub_staff:
        return Person.objects.all()
    condition = Q(pk=viewer.person.pk)
    if viewer.tutor_school_ids:
        condition |= _people_at_schools(viewer.tutor_school_ids)
    if viewer.mentee_ect_ids:
        condition |= Q(ect_roles__id__in=viewer.mentee_ect_ids)
    return Person.objects.filter(pk__in=Person.objects.filter(condition).values("pk"))


def get_person(viewer, code):
    return _none_or_404(visible_people(viewer).filter(code=code).select_related("user", "hub").first())


def can_manage_person(viewer, person):
    """Hub staff manage everyone; a tutor manages people at their schools who are not hub staff."""
    if viewer.is_hub_staff:
        return True
    if not viewer.tutor_school_ids or person.is_hub_staff:
        return False
    return Person.objects.filter(_people_at_schools(viewer.tutor_school_ids, current_only=True), pk=person.pk).exists()


def get_person_for_change(viewer, code):
    person = get_person(viewer, code)
    if not can_manage_person(viewer, person):
        raise PermissionDenied
    return person


def get_person_for_account_change(viewer, code):
    """A person whose account details (their one account, shared by every hub they are in) the
    viewer may ask to change: 404 if not visible, 403 if not theirs to change (`can_change_account`)."""
    person = get_person(viewer, code)
    if not can_change_account(viewer, person):
        raise PermissionDenied
    return person


def can_change_account(viewer, person):
    """Hub staff may ask for anyone in their hub (the owner confirms an e-mail change from the new
    address, and the old address is told). A tutor may only for someone whose every role, in
    every hub, is at the tutor's own schools: never hub staff, nor anyone with a role elsewhere."""
    if viewer.is_hub_staff:
        return True
    if not can_manage_person(viewer, person):
        return False
    return not _has_roles_beyond(person, viewer.tutor_school_ids)


def _has_roles_beyond(person, school_ids):
    """Whether the person's account is hub staff anywhere, in another hub at all, or has any role
    (current or past) at a school outside `school_ids`."""
    memberships = Person.objects.with_scopes_disabled().filter(user_id=person.user_id)
    if memberships.exclude(hub_id=person.hub_id).exists() or memberships.exclude(hub_role="").exists():
        return True
    return any(
        model.objects.with_scopes_disabled().filter(person__user_id=person.user_id).exclude(school_id__in=school_ids).exists()
        for model in (ECT, Mentor, InductionTutor)
    )


# --- ECTs and mentors ------------------------------------------------------------------------


def visible_ects(viewer):
    if viewer.is_hub_staff:
        return ECT.objects.all()
    return ECT.objects.filter(
        Q(school_id__in=viewer.tutor_school_ids) | Q(id__in=viewer.mentee_ect_ids) | Q(id__in=viewer.own_ect_ids)
    )


def get_ect(viewer, code):
    return _none_or_404(visible_ects(viewer).filter(code=code).select_related("person__user", "school").first())


def get_ect_for_change(viewer, code):
    ect = get_ect(viewer, code)
    if not (viewer.is_hub_staff or ect.school_id in viewer.tutor_school_ids):
        raise PermissionDenied
    return ect


def visible_mentor_roles(viewer):
    if viewer.is_hub_staff:
        return Mentor.objects.all()
    return Mentor.objects.filter(Q(school_id__in=viewer.tutor_school_ids) | Q(id__in=viewer.mentor_ids))


def get_school_role_for_change(viewer, code):
    """A mentor or induction tutor role, for ending it: staff, or a tutor of that school."""
    for model in (Mentor, InductionTutor):
        role = model.objects.filter(code=code).select_related("person__user", "school").first()
        if role is not None:
            break
    if role is None or not (viewer.is_hub_staff or role.school_id in viewer.tutor_school_ids):
        raise Http404("Not found")
    return role
