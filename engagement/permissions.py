"""Who may see and record coaching, study and formal observations (on top of `participants.access`).

As there: what the viewer may not see is a 404; what they may see but not change is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from engagement.coaching import current_mentor_role
from engagement.models import CoachingCycle
from participants import access
from participants.models import InductionTutor


def require_own_ect(viewer, ect):
    """Only the ECT records their own study."""
    if ect.id not in viewer.own_ect_ids:
        raise PermissionDenied


def require_current_mentor(viewer, ect):
    """The viewer's mentor role that currently mentors this ECT."""
    mentor = current_mentor_role(ect, viewer.mentor_ids) if viewer.mentor_ids else None
    if mentor is None:
        raise PermissionDenied
    return mentor


def require_tutor_of(viewer, ect):
    """The viewer's induction tutor role at the ECT's school."""
    tutor = InductionTutor.objects.filter(person=viewer.person, school_id=ect.school_id).current().first() if viewer.person else None
    if tutor is None:
        raise PermissionDenied
    return tutor


def can_unlock(viewer, ect):
    return viewer.is_hub_staff or ect.school_id in viewer.tutor_school_ids


def get_cycle(viewer, code):
    cycle = (
        CoachingCycle.objects.filter(code=code, ect__in=access.visible_ects(viewer))
        .select_related("ect__person__user", "ect__school", "mentor__person__user")
        .first()
    )
    if cycle is None:
        raise Http404("Not found")
    return cycle
