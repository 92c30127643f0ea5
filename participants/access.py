"""Who may see and change what inside the active hub.

Every view fetches tenant objects through these helpers. Anything the viewer may not see is a
404 — the same answer as "does not exist", so codes cannot be probed — and anything they may
see but not change is a 403. Hub staff see the whole hub; induction tutors their school(s);
mentors their current ECTs; ECTs themselves. A person with several roles has all their rights.

A tutor sees someone only through their roles at the tutor's own schools: a person who is also
at another school shows the tutor only the roles, mentees and timeline entries of the tutor's
schools (`person_school_ids`), and only someone wholly in the tutor's care is theirs to manage
(`can_manage_person`). Hub roles and the hub's settings are for hub admins only.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from participants.models import ECT, ECTAtSchool, ImportUpload, InductionTutor, Mentor, MentorAssignment, Person
from schools.models import School


@dataclass(frozen=True)
class Viewer:
    person: Person | None
    is_hub_staff: bool = False
    is_hub_admin: bool = False
    is_facilitator: bool = False
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
            is_facilitator=person.is_facilitator,
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
    def can_take_registers(self):
        """Hub staff, hub admins and facilitators see every session and take registers."""
        return self.is_hub_staff or self.is_facilitator

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


def require_hub_admin(viewer):
    """Hub admins only: hidden (404) below hub staff, refused (403) to hub staff."""
    require_hub_staff(viewer)
    if not viewer.is_hub_admin:
        raise PermissionDenied


# --- People ----------------------------------------------------------------------------------


def _people_at_schools(school_ids):
    """People with an ECT record or a mentor/tutor role (current or past) at the schools."""
    return (
        Q(ect_roles__school_id__in=school_ids)
        | Q(mentor_roles__school_id__in=school_ids)
        | Q(tutor_roles__school_id__in=school_ids)
    )


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


def _role_school_ids(person, current_only=False):
    """The schools of the person's ECT record (every school it has been at) and mentor/tutor roles
    (with `current_only`, the ECT's current school and open roles)."""
    roles = [model.objects.filter(person=person) for model in (Mentor, InductionTutor)]
    if current_only:
        today = timezone.localdate()
        roles = [role.filter(Q(finished_on__isnull=True) | Q(finished_on__gt=today)) for role in roles]
    else:
        roles.append(ECTAtSchool.objects.filter(ect__person=person))
    queries = [query.order_by().values_list("school_id") for query in (ECT.objects.filter(person=person), *roles)]
    union = queries[0].union(*queries[1:])  # unordered: SQLite refuses ORDER BY inside a UNION
    return {school_id for (school_id,) in union}


def care_school_ids(viewer):
    """The schools whose people the viewer looks after (where they tutor, where their mentees are),
    or None for every school (hub staff)."""
    if viewer.is_hub_staff:
        return None
    school_ids = set(viewer.tutor_school_ids)
    if viewer.mentee_ect_ids:
        school_ids |= set(ECT.objects.filter(id__in=viewer.mentee_ect_ids).values_list("school_id", flat=True))
    return frozenset(school_ids)


def person_school_ids(viewer, person):
    """The schools whose roles and timeline entries of `person` the viewer sees, or None for all of them.

    Hub staff and the person themselves see everything, and so does a tutor or mentor when every
    role the person has ever had in the hub is at schools in their care. Otherwise (someone also at
    another school, or with a hub role) they see only their own schools' part; hub-wide entries
    (account, hub role) are not part of it.
    """
    if viewer.is_hub_staff or (viewer.person is not None and viewer.person.pk == person.pk):
        return None
    school_ids = care_school_ids(viewer)
    if person.is_hub_staff or not _role_school_ids(person) <= school_ids:
        return school_ids
    return None


def manageable_school_ids(viewer):
    """The schools whose roles the viewer manages, or None for every school (hub staff)."""
    return None if viewer.is_hub_staff else viewer.tutor_school_ids


def find_person_by_email(viewer, email):
    """The person the viewer sees with this e-mail address, if any (never anyone outside the hub)."""
    return visible_people(viewer).filter(user__email=email.strip().lower()).select_related("user").first()


def can_manage_person(viewer, person):
    """Whether the viewer manages the person themselves (set-up e-mail, account), not only their roles.

    Hub staff manage everyone. A tutor manages someone who is not hub staff and whose every current
    role in the hub is at the tutor's schools: a person who is also at another school is managed by
    hub staff, so attaching them to one's own school gives no hold over them.
    """
    if viewer.is_hub_staff:
        return True
    if not viewer.tutor_school_ids or person.is_hub_staff:
        return False
    current = _role_school_ids(person, current_only=True)
    return bool(current) and current <= viewer.tutor_school_ids


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
    return not person.is_confirmed or not _has_roles_beyond(person, viewer.tutor_school_ids)


def _has_roles_beyond(person, school_ids):
    """Whether the person's account is hub staff anywhere, in another hub at all, or has any role
    (current or past, an ECT's earlier schools included) at a school outside `school_ids`. Only confirmed memberships count: an
    unconfirmed one gives the account nothing, and must not tell its hub that the account exists."""
    memberships = Person.objects.with_scopes_disabled().filter(user_id=person.user_id, confirmed_at__isnull=False)
    if memberships.exclude(hub_id=person.hub_id).exists() or memberships.exclude(hub_role="").exists():
        return True
    roles = [(model, "person") for model in (Mentor, InductionTutor)] + [(ECTAtSchool, "ect__person")]
    return any(
        model.objects.with_scopes_disabled()
        .filter(**{f"{owner}__user_id": person.user_id, f"{owner}__confirmed_at__isnull": False})
        .exclude(school_id__in=school_ids)
        .exists()
        for model, owner in roles
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


def get_ect_for_transfer(viewer, code):
    """Moving an ECT between schools is for hub staff: others who can see the ECT are refused."""
    ect = get_ect(viewer, code)
    if not viewer.is_hub_staff:
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


def get_mentor_role_for_training(viewer, code):
    """A mentor role whose "previously trained" may be recorded: by the mentor themselves, hub
    staff, or an induction tutor of the role's school."""
    role = Mentor.objects.filter(code=code).select_related("person__user", "school").first()
    if role is None:
        raise Http404("Not found")
    own = viewer.person is not None and role.person_id == viewer.person.pk
    if not (own or viewer.is_hub_staff or role.school_id in viewer.tutor_school_ids):
        raise Http404("Not found")
    return role


# --- Hub roles -------------------------------------------------------------------------------


def get_person_for_hub_role_change(viewer, code):
    """Someone whose hub role a hub admin may change: anyone in the hub but the admin themselves."""
    require_hub_admin(viewer)
    person = get_person(viewer, code)
    if person.pk == viewer.person.pk:
        raise PermissionDenied
    return person


# --- Uploaded registration files -------------------------------------------------------------


def get_import_upload(viewer, code):
    """An upload of the active hub, for hub staff only (404 for everyone else)."""
    require_hub_staff(viewer)
    return _none_or_404(ImportUpload.objects.defer("content").filter(code=code).first())  # the file only when downloaded
