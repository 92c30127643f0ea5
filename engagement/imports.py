"""Import a hub's activity from the learning platform's export: ECTs' self-study, and mentors'
observations and feedback sessions (the two halves of a coaching cycle).

All or nothing, as `participants.imports`: every row is checked and every problem is reported as
`line N: column: message` (N is the physical line, the header is line 1); the rows are written in
one transaction that is rolled back if any row has a problem. Importing the same file again
changes nothing.

The file is UTF-8 (a byte order mark is accepted) with a header naming the columns in `COLUMNS`,
in any order and any case; unknown columns are ignored (and noted), a column named twice is an
error. Blank lines are skipped. Every row has an `email`, an `activity` and a `date`
(`YYYY-MM-DD`, not in the future, not before the ECT's induction started).

- `study`: the ECT `email` did module `module_code` of their programme version on `date`
  (`subject_email` is ignored). A study record is the ECT, the module and the date: a module
  already recorded on that date is unchanged; on another date it is recorded again (ECT2s revise
  year-one modules, and a module studied again counts for the period it was studied in).
- `observation`: mentor `email` observed ECT `subject_email` on `date` (`module_code` is
  ignored), starting a coaching cycle. The mentor must have been the ECT's mentor on that date
  (a `MentorAssignment` covering it). A cycle of theirs already observed that day is unchanged.
- `feedback`: mentor `email` gave ECT `subject_email` the feedback session on `date`. It
  completes the latest of their cycles observed on or before that date that has no feedback yet;
  if one of their cycles already has feedback on that date the row is unchanged. The platform
  exports no action step, so imported feedback is written here without one: the rule that a
  mentor entering feedback in the browser gives the action step (`engagement.coaching`) still
  holds there, and the edit window does not apply to an import.

Rows are applied in date order (on one day, observations before feedback, whatever their order
in the file) so an observation and its feedback can arrive in the same file. A person not in the
hub, or in it without the row's role (an ECT for study and as subject, a mentor for observation
and feedback), is a problem.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagement import coaching, study
from engagement.models import CoachingCycle, Module, Source, StudyRecord
from participants.models import ECT, Mentor, MentorAssignment, Person
from schools.csv_import import ImportProblems, date_cell, email_cell, read_rows
from schools.scoping import hub_scope

COLUMNS = ("email", "activity", "date", "subject_email", "module_code")
STUDY, OBSERVATION, FEEDBACK = "study", "observation", "feedback"
ACTIVITIES = (STUDY, OBSERVATION, FEEDBACK)
# On one day an observation is applied before the feedback that may complete it.
SAME_DAY_ORDER = {OBSERVATION: 0, FEEDBACK: 1, STUDY: 2}
# Which column a service's ValidationError field refers to.
FIELD_COLUMNS = {"module": "module_code", "done_on": "date", "observed_on": "date", "feedback_on": "date"}


@dataclass
class Row:
    """One checked line of the file."""

    line: int
    activity: str
    email: str
    on: datetime.date
    subject_email: str = ""
    module_code: str = ""

    @property
    def ect_column(self):
        """The column naming the ECT the activity is about."""
        return "email" if self.activity == STUDY else "subject_email"


@dataclass
class ActivityImportResult(ImportProblems):
    """What an import did (or, for a dry run or a failed import, would have done)."""

    rows: int = 0
    study_records_added: int = 0
    observations_added: int = 0
    feedback_added: int = 0
    unchanged_rows: int = 0

    def summary_lines(self):
        return [
            f"rows: {self.rows}",
            f"study records added: {self.study_records_added}",
            f"observations added: {self.observations_added}",
            f"feedback added: {self.feedback_added}",
            f"unchanged rows: {self.unchanged_rows}",
        ]


def import_activity(hub, source, *, actor=None, dry_run=False):
    """Check the CSV `source` (bytes, or a path) and, if it has no problems, write it to `hub`.

    Rows are applied through the engagement services inside one transaction, which is rolled
    back when any row has a problem or for a dry run; `actor` is recorded on study records.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    result = ActivityImportResult(dry_run=dry_run)
    records = read_rows(data, COLUMNS, result, what="activity")
    if not result.errors:
        rows = [row for row in (_check_cells(line, values, result) for line, values in records) if row]
        with hub_scope(hub), transaction.atomic():
            _apply(rows, actor, result)
            if result.errors or dry_run:
                transaction.set_rollback(True)
    result.sort()
    return result


def _check_cells(line, values, result):
    """A `Row` from one line's cells, or None if a cell is wrong (each problem is reported)."""
    errors_before = len(result.errors)
    for column in ("email", "activity", "date"):
        if not values[column]:
            result.error(line, column, "required")
    activity = values["activity"].lower()
    if activity and activity not in ACTIVITIES:
        result.error(line, "activity", f"unknown activity {values['activity']!r}; expected one of {', '.join(ACTIVITIES)}")
    email = email_cell(line, "email", values["email"], result)
    on = date_cell(line, "date", values["date"], result)
    if on is not None and on > timezone.localdate():
        result.error(line, "date", f"{on:%Y-%m-%d} is in the future")
    row = Row(line=line, activity=activity, email=email, on=on)
    if activity == STUDY:
        row.module_code = values["module_code"].upper()
        if not row.module_code:
            result.error(line, "module_code", "required for study")
        if values["subject_email"]:
            result.note(line, "subject_email", "ignored on a study row")
    elif activity in (OBSERVATION, FEEDBACK):
        if not values["subject_email"]:
            result.error(line, "subject_email", f"required for {activity}: the ECT's e-mail address")
        else:
            row.subject_email = email_cell(line, "subject_email", values["subject_email"], result)
            if row.subject_email == email:
                result.error(line, "subject_email", "is the same person as email; a mentor observes another person")
        if values["module_code"]:
            result.note(line, "module_code", f"ignored on {'an' if activity == OBSERVATION else 'a'} {activity} row")
    return row if len(result.errors) == errors_before else None


def _apply(rows, actor, result):
    """Check each row against the hub and apply it, in date order; problems go to `result`."""
    emails = {row.email for row in rows} | {row.subject_email for row in rows if row.subject_email}
    people = set(Person.objects.filter(user__email__in=emails).values_list("user__email", flat=True))
    ects = ECT.objects.filter(person__user__email__in=emails).select_related("person__user")
    ects = {ect.person.user.email: ect for ect in ects}
    mentors = set(Mentor.objects.filter(person__user__email__in=emails).values_list("person__user__email", flat=True))
    modules = Module.objects.select_related("programme")
    modules = {(module.programme.code, module.code.upper()): module for module in modules}
    known_codes = {code for _, code in modules}
    result.rows = len(rows)
    for row in sorted(rows, key=lambda row: (row.on, SAME_DAY_ORDER[row.activity], row.line)):
        errors_before = len(result.errors)
        if row.activity == STUDY:
            _check_person(row, "email", row.email, people, ects, "an ECT", result)
        else:
            _check_person(row, "email", row.email, people, mentors, "a mentor", result)
            _check_person(row, "subject_email", row.subject_email, people, ects, "an ECT", result)
        if len(result.errors) > errors_before:
            continue
        ect = ects[row.email if row.activity == STUDY else row.subject_email]
        if row.on < ect.induction_start_date:
            started = f"{ect.person.user.email}'s induction started ({ect.induction_start_date:%Y-%m-%d})"
            result.error(row.line, "date", f"{row.on:%Y-%m-%d} is before {started}")
            continue
        try:
            if row.activity == STUDY:
                changed = _study(row, ect, modules, known_codes, actor, result)
            elif row.activity == OBSERVATION:
                changed = _observation(row, ect, result)
            else:
                changed = _feedback(row, ect, result)
        except ValidationError as error:
            for column, message in _messages(error, row.ect_column):
                result.error(row.line, column, message)
            continue
        if changed is False:
            result.unchanged_rows += 1


def _check_person(row, column, email, people, holders, role, result):
    if email not in people:
        result.error(row.line, column, f"{email} is not in this hub")
    elif email not in holders:
        result.error(row.line, column, f"{email} is not {role} in this hub")


def _study(row, ect, modules, known_codes, actor, result):
    """Record the module as done on the date; False if already recorded that day, None if the row is a problem."""
    module = modules.get((ect.programme, row.module_code))
    if module is None:
        if row.module_code in known_codes:
            message = f"{row.module_code} is not a module of {row.email}'s programme ({ect.get_programme_display()})"
        else:
            message = f"unknown module {row.module_code!r}"
        result.error(row.line, "module_code", message)
        return None
    if StudyRecord.objects.filter(ect=ect, module=module, done_on=row.on).exists():
        return False
    study.record_module(ect, module, row.on, recorded_by=actor, source=Source.IMPORT)
    result.study_records_added += 1
    return True


def _observation(row, ect, result):
    """Start a coaching cycle; False if the mentor already observed the ECT that day."""
    assignment = (
        MentorAssignment.objects.filter(ect=ect, mentor__person__user__email=row.email)
        .current(row.on)
        .select_related("mentor")
        .first()
    )
    if assignment is None:
        result.error(row.line, "email", f"{row.email} is not {row.subject_email}'s mentor on {row.on:%Y-%m-%d}")
        return None
    if CoachingCycle.objects.filter(ect=ect, mentor=assignment.mentor, observed_on=row.on).exists():
        return False
    coaching.record_observation(ect, assignment.mentor, observed_on=row.on, source=Source.IMPORT)
    result.observations_added += 1
    return True


def _feedback(row, ect, result):
    """Complete the pair's latest open cycle observed by the date; False if already given that day."""
    cycles = CoachingCycle.objects.filter(ect=ect, mentor__person__user__email=row.email)
    if cycles.filter(feedback_on=row.on).exists():
        return False
    cycle = cycles.filter(observed_on__lte=row.on, feedback_on__isnull=True).order_by("-observed_on", "-id").first()
    if cycle is None:
        result.error(
            row.line,
            "date",
            f"no observation of {row.subject_email} by {row.email} on or before {row.on:%Y-%m-%d} to attach feedback to",
        )
        return None
    attach_feedback(cycle, row.on)
    result.feedback_added += 1
    return True


def attach_feedback(cycle, feedback_on):
    """Record the learning platform's feedback date on a cycle that has none.

    The export carries no action step, so unlike `coaching.update_cycle` (a mentor in the
    browser) this does not ask for one, and it ignores the mentor's edit window: it only fills
    a date that was missing. The date rules are those of any feedback.
    """
    if cycle.feedback_on is not None:
        raise ValidationError({"feedback_on": "This coaching cycle already has feedback."})
    if feedback_on > timezone.localdate():
        raise ValidationError({"feedback_on": "The feedback date cannot be in the future."})
    if feedback_on < cycle.observed_on:
        raise ValidationError({"feedback_on": "Feedback cannot come before the observation."})
    cycle.feedback_on = feedback_on
    cycle.save(update_fields=["feedback_on", "updated_at"])
    return cycle


def _messages(error, default_column):
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            for message in messages:
                yield FIELD_COLUMNS.get(name, default_column), message
    else:
        for message in error.messages:
            yield default_column, message
