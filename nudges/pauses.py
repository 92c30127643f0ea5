"""A school's pause of automatic nudges: set by its induction tutor (or hub staff) until a date, undone at will.

Like the DfE's own service, which lets a school stop reminders until the end of the term, the date
offered is the end of the current term from the hub's term dates. The pause holds while today is on
or before `until`; `nudges.gentle` reads it when deciding what to send.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from ectprogramme.formats import human_date
from nudges.models import SchoolPause
from schools.models import HalfTerm

LONGEST_PAUSE = datetime.timedelta(days=366)


def current_pause(school, today=None):
    """The school's pause if it still holds today, else None."""
    today = today or timezone.localdate()
    return SchoolPause.objects.filter(school=school, until__gte=today).first()


def paused_school_ids(school_ids, today=None):
    """Of `school_ids`, the ids of the schools whose pause still holds today, with its date."""
    today = today or timezone.localdate()
    return dict(SchoolPause.objects.filter(school_id__in=school_ids, until__gte=today).values_list("school_id", "until"))


def end_of_current_term(hub, today=None):
    """The last day of the term (a pair of half terms) that today is in, or of the next term when today
    is in a holiday; None when the hub has no term dates that far."""
    today = today or timezone.localdate()
    half_term = HalfTerm.objects.filter(hub=hub, end_date__gte=today).order_by("start_date").first()
    if half_term is None:
        return None
    second_half = f"{half_term.term}2"
    closing = HalfTerm.objects.filter(hub=hub, academic_year=half_term.academic_year, name=second_half).first()
    return (closing or half_term).end_date


def pause_school(school, until, actor, today=None):
    """Pause automatic nudges to the school's people until `until` (replacing any pause)."""
    today = today or timezone.localdate()
    if until < today:
        raise ValidationError({"until": "Choose today or a later date."})
    if until > today + LONGEST_PAUSE:
        raise ValidationError({"until": f"Choose a date within a year (by {human_date(today + LONGEST_PAUSE)})."})
    pause, _ = SchoolPause.objects.update_or_create(
        school=school, defaults={"hub": school.hub, "until": until, "set_by": actor, "set_at": timezone.now()}
    )
    return pause


def resume_school(school):
    """Undo the school's pause: automatic nudges go to its people again from the next run."""
    return SchoolPause.objects.filter(school=school).delete()[0] > 0
