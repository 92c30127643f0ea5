"""The engagement activity on a person's timeline (`participants.timeline`): study recorded, coaching
cycles and mentor meetings, formal observations — as the ECT or as their mentor or tutor. Each source
is one query (two for coaching: cycles and meetings). Registered from `EngagementConfig.ready`."""

from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from ectprogramme.formats import human_date
from engagement.models import CoachingCycle, FormalObservation, MentorMeeting, Source, StudyRecord
from participants import timeline
from participants.models import Person


def _name(prefix):
    return Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name"))


def _at_schools(school_ids, *fields):
    if school_ids is None:
        return Q()
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__in": school_ids})
    return condition


def study(person, school_ids, limit, viewer):
    """Modules the person studied as an ECT, when they were recorded and by whom."""
    recorders = Person.objects.filter(hub=OuterRef("hub"), user=OuterRef("recorded_by"))
    records = (
        StudyRecord.objects.filter(_at_schools(school_ids, "ect__school_id"), ect__person=person)
        .annotate(module_name=F("module__title"), recorder=Subquery(recorders.annotate(name=_name("")).values("name")[:1]))
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        timeline.Entry(
            record.created_at,
            "study",
            f"Study recorded: {record.module_name}, done on {human_date(record.done_on)}",
            "from the learning platform's import" if record.source == Source.IMPORT
            else timeline.by_name(record.recorder, record.recorded_by_id is not None),
        )
        for record in records
    ]


def coaching(person, school_ids, limit, viewer):
    """Coaching cycles and mentor meetings, as the ECT coached or as the mentor coaching."""
    mine = Q(ect__person=person) | Q(mentor__person=person)
    where = _at_schools(school_ids, "mentor__school_id")
    entries = []
    for cycle in (
        CoachingCycle.objects.filter(mine, where)
        .annotate(mentor_name=_name("mentor__person__"), ect_name=_name("ect__person__"))
        .order_by("-created_at", "-id")[:limit]
    ):
        feedback = f", feedback on {human_date(cycle.feedback_on)}" if cycle.feedback_on else ", feedback still to come"
        entries.append(timeline.Entry(
            cycle.created_at,
            "coaching",
            f"Coaching cycle with {cycle.ect_name}: observed on {human_date(cycle.observed_on)}{feedback}",
            timeline.by_name(cycle.mentor_name),
        ))
    for meeting in (
        MentorMeeting.objects.filter(mine, where)
        .annotate(mentor_name=_name("mentor__person__"), ect_name=_name("ect__person__"))
        .order_by("-created_at", "-id")[:limit]
    ):
        entries.append(timeline.Entry(
            meeting.created_at,
            "coaching",
            f"{meeting.get_kind_display()} with {meeting.ect_name} on {human_date(meeting.met_on)}",
            timeline.by_name(meeting.mentor_name),
        ))
    return entries


def observations(person, school_ids, limit, viewer):
    """Formal observations, as the ECT observed or as the induction tutor observing."""
    rows = (
        FormalObservation.objects.filter(
            Q(ect__person=person) | Q(tutor__person=person), _at_schools(school_ids, "tutor__school_id")
        )
        .annotate(tutor_name=_name("tutor__person__"), ect_name=_name("ect__person__"))
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        timeline.Entry(
            row.created_at,
            "observations",
            f"Formal observation of {row.ect_name} on {human_date(row.observed_on)}: {row.get_outcome_display()}",
            timeline.by_name(row.tutor_name),
        )
        for row in rows
    ]


def register():
    timeline.register("study", "Study", study)
    timeline.register("coaching", "Coaching", coaching)
    timeline.register("observations", "Formal observations", observations)
