"""Mentors' instructional coaching cycles, drop-ins and pastoral meetings; induction tutors'
formal observations and how many are expected.

A mentor records cycles only for their *current* ECTs. A cycle is editable for
`EDIT_WINDOW_DAYS` after it was recorded, then locked; the induction tutor can unlock it for
another window. Formal observations are expected once a half term (ECT1) or once a term (ECT2).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ectprogramme.formats import human_date
from engagement.models import CoachingCycle, FormalObservation, MentorMeeting, ObservationCadence, ProgrammeVersion
from participants.models import MentorAssignment
from schools.models import HalfTerm, HalfTermName

EDIT_WINDOW_DAYS = 14

OBSERVATION_FIELDS = ["observed_on", "observation_minutes", "class_subject", "focus", "observation_notes"]
FEEDBACK_FIELDS = ["feedback_on", "action_step", "model_shown", "practice", "next_steps", "pastoral"]


def current_mentor_role(ect, mentor_ids, on=None):
    """The mentor role (of `mentor_ids`) currently assigned to the ECT, or None."""
    assignment = (
        MentorAssignment.objects.filter(ect=ect, mentor_id__in=mentor_ids).current(on or timezone.localdate()).select_related("mentor").first()
    )
    return assignment.mentor if assignment else None


def _check_date(errors, name, value, ect, label="The date"):
    if value is None:
        return
    if value > timezone.localdate():
        errors[name] = f"{label} cannot be in the future."
    elif value < ect.induction_start_date:
        errors[name] = f"{label} cannot be before the ECT's induction started ({human_date(ect.induction_start_date)})."


def _validate(cycle):
    errors = {}
    _check_date(errors, "observed_on", cycle.observed_on, cycle.ect, "The observation date")
    _check_date(errors, "feedback_on", cycle.feedback_on, cycle.ect, "The feedback date")
    if cycle.feedback_on and cycle.observed_on and cycle.feedback_on < cycle.observed_on and "feedback_on" not in errors:
        errors["feedback_on"] = "Feedback cannot come before the observation."
    if cycle.feedback_on and not cycle.action_step.strip():
        errors["action_step"] = "Give the one action step agreed in the feedback session."
    if errors:
        raise ValidationError(errors)


def is_locked(cycle, today=None):
    today = today or timezone.localdate()
    if cycle.unlocked_until and today <= cycle.unlocked_until:
        return False
    return today > timezone.localdate(cycle.created_at) + datetime.timedelta(days=EDIT_WINDOW_DAYS)


def _submitted(model, ect, form_token):
    """The record this form submission (`ectprogramme.once`) already created, or None."""
    return model.objects.filter(ect=ect, form_token=form_token).first() if form_token else None


def _save_once(record):
    """Save a new record; if the same form submission saved one meanwhile, return that one."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        existing = _submitted(type(record), record.ect, record.form_token)
        if existing is None:
            raise
        return existing
    return record


@transaction.atomic
def record_observation(ect, mentor, form_token=None, **fields):
    """Start a coaching cycle with its observation (feedback may be given now or later).

    A retried submission (the same `form_token`) returns the cycle it created the first time.
    """
    if existing := _submitted(CoachingCycle, ect, form_token):
        return existing
    cycle = CoachingCycle(hub=ect.hub, ect=ect, mentor=mentor, form_token=form_token, **fields)
    _validate(cycle)
    return _save_once(cycle)


@transaction.atomic
def update_cycle(cycle, **fields):
    """Edit a cycle's observation or add/edit its feedback, while it is not locked."""
    if is_locked(cycle):
        raise ValidationError(
            f"This record was made more than {EDIT_WINDOW_DAYS} days ago and is locked; ask the induction tutor to unlock it."
        )
    for name, value in fields.items():
        setattr(cycle, name, value)
    _validate(cycle)
    cycle.save()
    return cycle


def unlock(cycle, today=None):
    """The induction tutor reopens a locked cycle for another edit window."""
    cycle.unlocked_until = (today or timezone.localdate()) + datetime.timedelta(days=EDIT_WINDOW_DAYS)
    cycle.save(update_fields=["unlocked_until", "updated_at"])


@transaction.atomic
def record_meeting(ect, mentor, kind, met_on, notes="", form_token=None):
    """Record a drop-in or pastoral meeting; a retried submission returns the first one."""
    if existing := _submitted(MentorMeeting, ect, form_token):
        return existing
    meeting = MentorMeeting(hub=ect.hub, ect=ect, mentor=mentor, kind=kind, met_on=met_on, notes=notes, form_token=form_token)
    errors = {}
    _check_date(errors, "met_on", met_on, ect)
    if errors:
        raise ValidationError(errors)
    return _save_once(meeting)


def current_action_step(ect):
    """The action step of the ECT's latest feedback session, or None."""
    return (
        CoachingCycle.objects.filter(ect=ect, feedback_on__isnull=False)
        .exclude(action_step="")
        .order_by("-feedback_on", "-id")
        .select_related("mentor__person__user")
        .first()
    )


@transaction.atomic
def record_formal_observation(ect, tutor, observed_on, outcome, notes="", form_token=None):
    """Record a formal observation (one per ECT per day); a retried submission returns the first one."""
    if existing := _submitted(FormalObservation, ect, form_token):
        return existing
    errors = {}
    _check_date(errors, "observed_on", observed_on, ect)
    if not errors and FormalObservation.objects.filter(ect=ect, observed_on=observed_on).exists():
        errors["observed_on"] = "There is already a formal observation of this ECT on that date."
    if errors:
        raise ValidationError(errors)
    return _save_once(
        FormalObservation(hub=ect.hub, ect=ect, tutor=tutor, observed_on=observed_on, outcome=outcome, notes=notes, form_token=form_token)
    )


@dataclass
class ObservationWindow:
    """A half term (ECT1) or term (ECT2) in which one formal observation is expected."""

    label: str
    start: datetime.date
    end: datetime.date
    cohort: str
    observations: list

    @property
    def done(self):
        return bool(self.observations)

    def status(self, as_of):
        if self.done:
            return "done"
        if self.end < as_of:
            return "missed"
        return "due" if self.start <= as_of else "upcoming"


TERM_LABELS = {"autumn": "Autumn term", "spring": "Spring term", "summer": "Summer term"}


def formal_observation_windows(ect, half_terms=None, observations=None):
    """Where formal observations are expected across the ECT's two years, with those done."""
    programme = ProgrammeVersion.objects.get(code=ect.programme)
    half_terms = list(HalfTerm.objects.filter(hub=ect.hub)) if half_terms is None else half_terms
    observations = list(ect.formal_observations.all()) if observations is None else observations
    windows = []
    for cohort, year in (("ECT1", ect.cohort_start_year), ("ECT2", ect.cohort_start_year + 1)):
        year_terms = sorted((h for h in half_terms if h.academic_year == year), key=lambda h: h.start_date)
        if programme.formal_observation_cadence(cohort) == ObservationCadence.HALF_TERMLY:
            groups = [(HalfTermName(h.name).label, [h]) for h in year_terms]
        else:
            grouped = {}
            for h in year_terms:
                grouped.setdefault(h.term, []).append(h)
            groups = [(TERM_LABELS[term], hs) for term, hs in grouped.items()]
        for label, hs in groups:
            start, end = hs[0].start_date, hs[-1].end_date
            inside = [o for o in observations if start <= o.observed_on <= end]
            windows.append(ObservationWindow(f"{label} {year}/{str(year + 1)[-2:]}", start, end, cohort, inside))
    return windows
