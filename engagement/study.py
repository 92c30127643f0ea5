"""ECT self-study: the schedule of modules over study periods, and recording a module as done.

Rules (`../shared/domain/RULES.md`): one module a period, at the programme version's cadence for
the ECT's year (ECT1 / ECT2). A period is met by at least one module dated inside it; doing
several modules in one period does not credit another period. A period is *excused* when on any
day of it the ECT had not started, had left or was paused.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagement.calendar import hub_half_terms, induction_periods
from engagement.models import Module, ProgrammeVersion, StudyRecord
from engagement.periods import Period
from participants.models import ECTStatusKind

DONE, MISSED, DUE, UPCOMING, EXCUSED = "done", "missed", "due", "upcoming", "excused"
STATUS_LABELS = {DONE: "Done", MISSED: "Missed", DUE: "Due now", UPCOMING: "Upcoming", EXCUSED: "No study expected"}


@dataclass
class ScheduledPeriod:
    cohort: str
    period: Period
    module: Module | None
    status: str
    records: list = field(default_factory=list)

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


def is_excused(period: Period, status_periods, induction_start: datetime.date) -> bool:
    """True when on any day of the period the ECT was not yet started, had left or was paused.

    `status_periods` are the ECT's ECTStatus rows ([started_on, finished_on) each).
    """
    if period.start < induction_start:
        return True
    for status in status_periods:
        if status.status == ECTStatusKind.ACTIVE:
            continue
        ends = status.finished_on or datetime.date.max
        # the status covers [started_on, ends); it touches the period if it overlaps any day of it
        if status.started_on <= period.end and ends > period.start:
            return True
    return False


def schedule(ect, as_of, half_terms=None, programme=None, records=None, statuses=None):
    """The ECT's study periods over both induction years, each with its module and status."""
    programme = programme or ProgrammeVersion.objects.get(code=ect.programme)
    half_terms = hub_half_terms(ect.hub) if half_terms is None else half_terms
    records = list(ect.study_records.select_related("module")) if records is None else records
    statuses = list(ect.statuses.all()) if statuses is None else statuses
    modules = {1: [], 2: []}
    for module in programme.modules.all():
        modules[module.year].append(module)
    result, index = [], {"ECT1": 0, "ECT2": 0}
    for cohort, period in induction_periods(half_terms, ect.cohort_start_year, programme.study_cadence):
        year_modules = modules[1 if cohort == "ECT1" else 2]
        module = year_modules[index[cohort]] if index[cohort] < len(year_modules) else None
        index[cohort] += 1
        inside = [r for r in records if period.contains(r.done_on)]
        if inside:
            status = DONE
        elif is_excused(period, statuses, ect.induction_start_date):
            status = EXCUSED
        elif period.is_judged(as_of):
            status = MISSED
        elif period.contains(as_of):
            status = DUE
        else:
            status = UPCOMING
        result.append(ScheduledPeriod(cohort, period, module, status, inside))
    return result


def next_module(ect, programme=None, done_ids=None):
    """The first module of the ECT's programme, in order, that they have not done yet."""
    programme = programme or ProgrammeVersion.objects.get(code=ect.programme)
    done_ids = set(ect.study_records.values_list("module_id", flat=True)) if done_ids is None else done_ids
    return programme.modules.exclude(id__in=done_ids).order_by("year", "order").first()


@transaction.atomic
def record_module(ect, module, done_on, recorded_by, source="web"):
    """Record that the ECT did `module` on `done_on` (not in the future, not before induction)."""
    errors = {}
    if module.programme.code != ect.programme:
        errors["module"] = f"{module.code} is not a module of the ECT's programme ({ect.get_programme_display()})."
    if done_on > timezone.localdate():
        errors["done_on"] = "The date cannot be in the future."
    elif done_on < ect.induction_start_date:
        errors["done_on"] = f"The date cannot be before induction started ({human_date(ect.induction_start_date)})."
    if not errors and StudyRecord.objects.filter(ect=ect, module=module).exists():
        errors["module"] = f"{module.code} is already recorded as done."
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return StudyRecord.objects.create(
                hub=ect.hub, ect=ect, module=module, done_on=done_on, recorded_by=recorded_by, source=source
            )
    except IntegrityError:
        raise ValidationError({"module": f"{module.code} is already recorded as done."}) from None
