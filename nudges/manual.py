"""A tutor's manual nudge or praise: who may send one to whom, its preview, and sending it once.

Only a person's own induction tutors (of a school where they are an ECT in training or a current
mentor) and hub staff may nudge or praise them; anyone else gets a 404, as if they did not exist.
A manual message is a person's choice, so it ignores the weekly cap and a school's pause, and it
goes to someone who opted out of automatic nudges too (the preview says so).
"""

from django.http import Http404
from django.utils import timezone

from participants import access
from participants.models import ECT, ECTStatusKind, Mentor

IN_TRAINING = (ECTStatusKind.ACTIVE, ECTStatusKind.PAUSED)


def nudge_school_ids(person, today=None):
    """The schools where `person` can be nudged about their programme: where they are an ECT in
    training, and where they mentor now. Ordered so the first is the most telling (ECT first)."""
    today = today or timezone.localdate()
    ects = ECT.objects.filter(
        person=person, statuses__finished_on__isnull=True, statuses__status__in=IN_TRAINING
    ).values_list("school_id", flat=True)
    mentors = Mentor.objects.filter(person=person).current(today).order_by("started_on").values_list("school_id", flat=True)
    ids = list(ects)
    ids += [school_id for school_id in mentors if school_id not in ids]
    return ids


def school_to_nudge_about(viewer, person, today=None):
    """The school a manual message from `viewer` to `person` concerns, or None if the viewer may not
    nudge them: hub staff anyone in training or mentoring, a tutor only those at their own schools."""
    if viewer.person is None or not (viewer.is_hub_staff or viewer.is_tutor):
        return None
    ids = nudge_school_ids(person, today)
    if not viewer.is_hub_staff:
        ids = [school_id for school_id in ids if school_id in viewer.tutor_school_ids]
    return ids[0] if ids else None


def get_person_to_nudge(viewer, code):
    """(person, school id) for a manual message, or 404 for anyone the viewer may not nudge."""
    if not (viewer.is_hub_staff or viewer.is_tutor):
        raise Http404("Not found")
    person = access.get_person(viewer, code)
    school_id = school_to_nudge_about(viewer, person)
    if school_id is None:
        raise Http404("Not found")
    return person, school_id
