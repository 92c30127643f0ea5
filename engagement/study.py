"""ECT self-study: the schedule of modules over study periods, and recording a module as done.

Rules (`../shared/domain/RULES.md`): one module a period, at the programme version's cadence for
the ECT's year (ECT1 / ECT2). A period is met by at least one module dated inside it; doing
several modules in one period does not credit another period. A module may be studied again
later (ECT2s revise year-one modules): it counts for the period it was studied in. Which periods
are met, missed or excused is the engine's to say (`engagement.compute.period_history`); this
module lays the modules over the periods and shows that.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ectprogramme.formats import human_date
from engagement import compute
from engagement.calendar import hub_half_terms, induction_periods, sync_calendar
from engagement.models import Module, ProgrammeVersion, StudyRecord
from engagement.periods import Period

DONE, MISSED, DUE, UPCOMING, EXCUSED, NOT_COUNTED = "done", "missed", "due", "upcoming", "excused", "not_counted"
STATUS_LABELS = {
    DONE: "Done", MISSED: "Missed", DUE: "Due now", UPCOMING: "Upcoming", EXCUSED: "No study expected",
    NOT_COUNTED: "Done, not counted",
}
# the engine's outcome of a judged or current period, without and with a record inside it
FROM_OUTCOME = {
    "met": (DONE, DONE), "missed": (MISSED, MISSED), "in_progress": (DUE, DONE), "excused": (EXCUSED, NOT_COUNTED),
    "upcoming": (UPCOMING, DONE),
}


@dataclass
class ScheduledPeriod:
    cohort: str
    period: Period
    module: Module | None
    status: str = UPCOMING
    records: list = field(default_factory=list)
    reason: str = ""  # why the period is excused (`compute.EXCUSED_REASONS`)

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


def plan(ect, half_terms=None, programme=None):
    """The ECT's study periods over both induction years, each with the module due in it (none once
    the year's modules run out)."""
    programme = programme or ProgrammeVersion.objects.get(code=ect.programme)
    half_terms = hub_half_terms(ect.hub) if half_terms is None else half_terms
    modules = {1: [], 2: []}
    for module in programme.modules.all():
        modules[module.year].append(module)
    result, index = [], {"ECT1": 0, "ECT2": 0}
    for cohort, period in induction_periods(half_terms, ect.cohort_start_year, programme.study_cadence):
        year_modules = modules[1 if cohort == "ECT1" else 2]
        module = year_modules[index[cohort]] if index[cohort] < len(year_modules) else None
        index[cohort] += 1
        result.append(ScheduledPeriod(cohort, period, module))
    return result


def schedule(ect, as_of):
    """`plan` with each period's status as of `as_of` and the records dated inside it.

    Every period takes the engine's outcome (`compute.period_history`): judged and current ones
    met, missed, due or excused, later ones upcoming or excused (while paused or after leaving). A
    record in a period that does not count shows as done, with the reason it does not count. A
    record's period is the one it is dated in, whichever module it is.
    """
    sync_calendar(ect.hub)  # the engine's periods, in case the term dates changed since the last recompute
    items = plan(ect)
    records = list(ect.study_records.select_related("module"))
    outcomes = {h.start: h for h in compute.period_history(ect.hub_id, as_of, ect_id=ect.id, upcoming=True)}
    for item in items:
        item.records = [r for r in records if item.period.contains(r.done_on)]
        outcome = outcomes.get(item.period.start)
        if outcome is not None:
            item.status = FROM_OUTCOME[outcome.outcome][bool(item.records)]
            item.reason = outcome.reason_label
        elif item.records:
            item.status = DONE
    _plan_ahead(items)
    return items


def _plan_ahead(items):
    """The periods still to come take the year's modules not done yet, in order: a module done early
    shows under the period it was done in, not again as due."""
    done = {record.module_id for item in items for record in item.records}
    ahead = [item for item in items if item.status in (DUE, UPCOMING)]
    for cohort in ("ECT1", "ECT2"):
        periods = [item for item in ahead if item.cohort == cohort]
        planned = [item.module for item in periods if item.module is not None]
        if not planned:
            continue
        year = planned[0].year
        to_do = [module for module in Module.objects.filter(programme_id=planned[0].programme_id, year=year).order_by("order")
                 if module.id not in done and module.order >= planned[0].order]
        for item, module in zip(periods, to_do + [None] * len(periods)):
            item.module = module


def next_module(ect, programme=None, done_ids=None):
    """The first module of the ECT's programme, in order, that they have not done yet."""
    programme = programme or ProgrammeVersion.objects.get(code=ect.programme)
    done_ids = set(ect.study_records.values_list("module_id", flat=True)) if done_ids is None else done_ids
    return programme.modules.exclude(id__in=done_ids).order_by("year", "order").first()


@transaction.atomic
def record_module(ect, module, done_on, recorded_by, source="web"):
    """Record that the ECT did `module` on `done_on` (not in the future, not before induction).

    A module done before may be done again on another day: ECT2s revise year-one modules, and a
    module studied in a later period counts for that period. The same module twice on one day is
    one record.
    """
    errors = {}
    if module.programme.code != ect.programme:
        errors["module"] = f"{module.code} is not a module of the ECT's programme ({ect.get_programme_display()})."
    if done_on > timezone.localdate():
        errors["done_on"] = "The date cannot be in the future."
    elif done_on < ect.induction_start_date:
        errors["done_on"] = f"The date cannot be before induction started ({human_date(ect.induction_start_date)})."
    already = f"{module.code} is already recorded as done on {human_date(done_on)}."
    if not errors and StudyRecord.objects.filter(ect=ect, module=module, done_on=done_on).exists():
        errors["module"] = already
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return StudyRecord.objects.create(
                hub=ect.hub, ect=ect, module=module, done_on=done_on, recorded_by=recorded_by, source=source
            )
    except IntegrityError:
        raise ValidationError({"module": already}) from None
