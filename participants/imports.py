"""Import a hub's registrations (schools, ECTs, mentors, induction tutors) from a CSV file.

All or nothing: every row is checked first and every problem is reported as
`line N: column: message` (N is the physical line in the file, the header is line 1); only a
file without problems is written, in one transaction, through `participants.services`.
Importing the same file again changes nothing.

The file is UTF-8 (a byte order mark is accepted) with a header naming the columns in `COLUMNS`,
in any order; header names are matched case-insensitively, unknown columns are ignored (and
noted), a column named twice is an error. Blank lines are skipped.

- `role` is `ect`, `mentor` or `induction_tutor`; `first_name`, `last_name`, `email`,
  `school_urn` and `school_name` are required on every row.
- `start_date` (`YYYY-MM-DD`) is the induction start of an ECT (required) or the start of a
  mentor or tutor role (optional, default today).
- `programme`, `cohort_start`, `mentor_email` and `fte` (default 1.0, 0.1 to 1.0) apply to ECT
  rows only and are ignored on other rows. A blank `mentor_email` leaves the ECT's mentor as it
  is; otherwise it must be a current mentor at the ECT's school, in the hub already or on a
  mentor row of the file (mentor and tutor rows are written before ECT rows).
- A new school URN creates the school; a known URN keeps its name in the hub (a different name
  in the file is noted, not applied). One URN with two names in the file is an error.
- Names of people already in the hub are kept (as `services.get_or_create_person` does; names are
  the hub's own, so another hub's name for an address is never used nor shown). An address whose
  account someone already owns is added unconfirmed (no access until its owner confirms), exactly
  as a new person looks to the hub. One e-mail with two names in the file is an error, and so is
  an e-mail on an ECT row and on any other row.
- For an ECT already in the hub: a changed programme, cohort or FTE is updated; a different
  start date is noted, not applied; an ECT who has left or completed is not touched (noted). A new
  `mentor_email` is a mentor change dated the row's `start_date` when that is after the ECT's
  latest mentor date, else today, so a change never predates the current mentor.
- An ECT who has left, on a row of another school with a `start_date` on or after they left, is
  re-registered there: a transfer from that date (`services.rejoin_ect`: one record, active
  again; the row's FTE applies, its programme and cohort do not). An ECT still at another school
  is an error (hub staff transfer them on their page), unless they were at the row's school
  before (an old file: noted, not applied).
- An old file never re-opens what has ended (noted, not applied): a mentor or tutor row for a
  role at that school that has ended, unless the row's `start_date` is on or after the end (a
  new role); a `mentor_email` who has mentored that ECT before and stopped.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ectprogramme.formats import human_date
from participants import services
from participants.models import (
    ECT,
    ECTAtSchool,
    ECTStatus,
    ECTStatusKind,
    InductionTutor,
    Mentor,
    MentorAssignment,
    Person,
    Programme,
)
from schools.csv_import import ImportProblems, date_cell, email_cell, read_rows
from schools.models import School, urn_validator
from schools.scoping import hub_scope

COLUMNS = (
    "school_urn",
    "school_name",
    "role",
    "first_name",
    "last_name",
    "email",
    "programme",
    "cohort_start",
    "start_date",
    "mentor_email",
    "fte",
)
ECT_ROLE, MENTOR_ROLE, TUTOR_ROLE = "ect", "mentor", "induction_tutor"
ROLES = (ECT_ROLE, MENTOR_ROLE, TUTOR_ROLE)
ROLE_LABELS = {ECT_ROLE: "an ECT", MENTOR_ROLE: "a mentor", TUTOR_ROLE: "an induction tutor"}
MIN_FTE, MAX_FTE = Decimal("0.1"), Decimal("1.0")
MIN_COHORT, MAX_COHORT = 2021, 2100
MAX_LENGTHS = {"school_name": 200, "first_name": 100, "last_name": 100}
# Which column a service's ValidationError field refers to.
FIELD_COLUMNS = {
    "mentor": "mentor_email",
    "on": "start_date",
    "programme": "programme",
    "cohort_start_year": "cohort_start",
    "induction_start_date": "start_date",
    "fte": "fte",
    "school": "school_urn",
    "email": "email",
}


@dataclass
class Row:
    """One checked line of the file."""

    line: int
    urn: str
    school_name: str
    role: str
    first_name: str
    last_name: str
    email: str
    start_date: datetime.date | None
    programme: str = ""
    cohort_start: int | None = None
    mentor_email: str = ""
    fte: Decimal = Decimal("1.00")


@dataclass
class ImportResult(ImportProblems):
    """What an import did (or, for a dry run or a failed import, would have done)."""

    rows: int = 0
    schools_created: int = 0
    people_created: int = 0
    ects_added: int = 0
    ects_updated: int = 0
    ects_transferred: int = 0
    mentors_added: int = 0
    tutors_added: int = 0
    mentors_assigned: int = 0
    mentor_changes: int = 0
    unchanged_rows: int = 0

    def summary_lines(self):
        return [
            f"rows: {self.rows}",
            f"schools created: {self.schools_created}",
            f"people created: {self.people_created}",
            f"ECTs added: {self.ects_added}",
            f"ECTs updated: {self.ects_updated}",
            f"ECTs transferred: {self.ects_transferred}",
            f"mentors added: {self.mentors_added}",
            f"induction tutors added: {self.tutors_added}",
            f"mentors assigned: {self.mentors_assigned}",
            f"mentor changes: {self.mentor_changes}",
            f"unchanged rows: {self.unchanged_rows}",
        ]


def import_registrations(hub, source, *, actor=None, dry_run=False):
    """Check the CSV `source` (bytes, or a path) and, if it has no problems, write it to `hub`.

    Nothing is written when the result has errors or when `dry_run` is set; a dry run still goes
    through the services (in a transaction rolled back at the end) so its counts and errors are
    those of a real import.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    result = ImportResult(dry_run=dry_run)
    records = read_rows(data, COLUMNS, result, what="registrations")
    if result.errors:
        result.sort()
        return result
    with hub_scope(hub), transaction.atomic():
        rows = _check(records, result)
        if not result.errors:
            _write(hub, rows, actor, result)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    result.sort()
    return result


def _check(records, result):
    """Checked rows, validating each cell and the rows against each other and the hub."""
    rows = [row for row in (_check_cells(line, values, result) for line, values in records) if row]
    file_mentors = {
        (values["school_urn"], values["email"].lower()) for _, values in records if values["role"].lower() == MENTOR_ROLE
    }
    schools = {school.urn: school for school in School.objects.all()}
    ects = {ect.person.user.email: ect for ect in ECT.objects.select_related("person__user", "school")}
    statuses = dict(ECTStatus.objects.filter(finished_on__isnull=True).values_list("ect_id", "status"))
    past_schools = set(ECTAtSchool.objects.filter(finished_on__isnull=False).values_list("ect_id", "school__urn"))
    open_mentor_roles = Mentor.objects.filter(finished_on__isnull=True)
    mentors = file_mentors | set(open_mentor_roles.values_list("school__urn", "person__user__email"))
    first_school_row, first_person_row, first_role_row = {}, {}, {}
    for row in rows:
        earlier = first_school_row.setdefault(row.urn, row)
        if earlier.school_name != row.school_name:
            result.error(row.line, "school_name", f"differs from line {earlier.line} for URN {row.urn}")
        elif earlier is row and row.urn in schools and schools[row.urn].name != row.school_name:
            result.note(row.line, "school_name", f"URN {row.urn} is {schools[row.urn].name} in the hub; name kept")
        earlier = first_person_row.setdefault(row.email, row)
        for column in ("first_name", "last_name"):
            if getattr(earlier, column) != getattr(row, column):
                result.error(row.line, column, f"differs from line {earlier.line} for {row.email}")
        if earlier is not row and ECT_ROLE in (earlier.role, row.role):
            result.error(
                row.line,
                "email",
                f"{row.email} is listed as {ROLE_LABELS[earlier.role]} on line {earlier.line}; "
                "an ECT is listed once and has no other role",
            )
        if row.role != ECT_ROLE:
            earlier = first_role_row.setdefault((row.role, row.urn, row.email), row)
            if earlier.start_date != row.start_date:
                result.error(row.line, "start_date", f"differs from line {earlier.line} for the same role")
            continue
        if row.mentor_email:
            if row.mentor_email == row.email:
                result.error(row.line, "mentor_email", "an ECT cannot mentor themselves")
            elif (row.urn, row.mentor_email) not in mentors:
                result.error(
                    row.line,
                    "mentor_email",
                    f"{row.mentor_email} is not a mentor at URN {row.urn}, in the hub or on a mentor row of the file",
                )
        ect = ects.get(row.email)
        if ect is not None:
            if ect.school.urn != row.urn:
                if statuses[ect.pk] not in (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED) and (ect.pk, row.urn) not in past_schools:
                    result.error(
                        row.line,
                        "school_urn",
                        f"{row.email} is an ECT at {ect.school} in the hub; hub staff transfer a current ECT on their page",
                    )
            elif ect.induction_start_date != row.start_date:
                result.note(row.line, "start_date", f"the hub has {ect.induction_start_date:%Y-%m-%d}; kept")
    return rows


def _check_cells(line, values, result):
    """A `Row` from one line's cells, or None if a cell is wrong (each problem is reported)."""
    errors_before = len(result.errors)
    for column in ("school_urn", "school_name", "role", "first_name", "last_name", "email"):
        if not values[column]:
            result.error(line, column, "required")
    urn = values["school_urn"]
    if urn:
        try:
            urn_validator(urn)
        except ValidationError as error:
            result.error(line, "school_urn", " ".join(error.messages))
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            result.error(line, column, f"longer than {limit} characters")
    role = values["role"].lower()
    if role and role not in ROLES:
        result.error(line, "role", f"unknown role {values['role']!r}; expected one of {', '.join(ROLES)}")
    email = email_cell(line, "email", values["email"], result)
    start_date = date_cell(line, "start_date", values["start_date"], result)
    row = Row(
        line=line,
        urn=urn,
        school_name=values["school_name"],
        role=role,
        first_name=values["first_name"],
        last_name=values["last_name"],
        email=email,
        start_date=start_date,
    )
    if role == ECT_ROLE:
        if not values["start_date"]:
            result.error(line, "start_date", "required for an ECT")
        row.programme = values["programme"].lower()
        if row.programme not in Programme.values:
            found = f"unknown programme {values['programme']!r}" if row.programme else "required for an ECT"
            result.error(line, "programme", f"{found}; expected one of {', '.join(Programme.values)}")
        row.cohort_start = _cohort(line, values["cohort_start"], result)
        row.mentor_email = email_cell(line, "mentor_email", values["mentor_email"], result) if values["mentor_email"] else ""
        row.fte = _fte(line, values["fte"], result)
    return row if len(result.errors) == errors_before else None


def _cohort(line, value, result):
    if not value:
        result.error(line, "cohort_start", "required for an ECT")
        return None
    if not value.isdigit() or not MIN_COHORT <= int(value) <= MAX_COHORT:
        result.error(line, "cohort_start", f"{value!r} is not a year from {MIN_COHORT} to {MAX_COHORT}")
        return None
    return int(value)


def _fte(line, value, result):
    if not value:
        return Decimal("1.00")
    try:
        fte = Decimal(value)
    except InvalidOperation:
        fte = None
    if fte is None or not fte.is_finite() or not MIN_FTE <= fte <= MAX_FTE or fte != fte.quantize(Decimal("0.01")):
        result.error(line, "fte", f"{value!r} is not a number from {MIN_FTE} to {MAX_FTE} with at most two decimals")
        return None
    return fte.quantize(Decimal("0.01"))


def _write(hub, rows, actor, result):
    """Write checked rows: schools, then mentors and tutors, then ECTs and their mentors."""
    result.rows = len(rows)
    schools = {school.urn: school for school in School.objects.all()}
    for row in rows:
        if row.urn not in schools:
            school = School(hub=hub, urn=row.urn, name=row.school_name)
            school.full_clean()
            school.save()
            schools[row.urn] = school
            result.schools_created += 1
    for row in sorted(rows, key=lambda row: row.role == ECT_ROLE):
        try:
            changed = _write_row(row, schools[row.urn], actor, result)
        except ValidationError as error:
            default_column = "mentor_email" if row.role == ECT_ROLE else "email"
            for column, message in _messages(error, default_column):
                result.error(row.line, column, message)
            continue
        if not changed:
            result.unchanged_rows += 1


def _messages(error, default_column):
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            for message in messages:
                yield FIELD_COLUMNS.get(name, default_column), message
    else:
        for message in error.messages:
            yield default_column, message


def _write_row(row, school, actor, result):
    """Apply one row; True if it changed anything."""
    created = not Person.objects.filter(user__email=row.email).exists()
    person = services.get_or_create_person(school.hub, row.email, row.first_name, row.last_name, actor=actor)
    result.people_created += created
    if row.role != ECT_ROLE:
        model, add, counter = (
            (Mentor, services.add_mentor, "mentors_added")
            if row.role == MENTOR_ROLE
            else (InductionTutor, services.add_induction_tutor, "tutors_added")
        )
        roles = model.objects.filter(person=person, school=school)
        if roles.filter(finished_on__isnull=True).exists():
            return created
        ended = roles.order_by("-finished_on").first()
        if ended is not None and (row.start_date is None or row.start_date < ended.finished_on):
            result.note(
                row.line, "role",
                f"{row.email} stopped being {ROLE_LABELS[row.role].split(' ', 1)[1]} at {school.name} "
                f"on {human_date(ended.finished_on)}; not re-opened",
            )
            return created
        add(person, school, actor, started_on=row.start_date)
        setattr(result, counter, getattr(result, counter) + 1)
        return True
    ect = ECT.objects.filter(person=person).first()
    if ect is None:
        ect = services.add_ect(
            person,
            school,
            actor,
            programme=row.programme,
            cohort_start_year=row.cohort_start,
            induction_start_date=row.start_date,
            fte=row.fte,
        )
        result.ects_added += 1
        changed = True
    elif ect.school_id != school.pk:
        status = services.current_status(ect)
        if status.status != ECTStatusKind.LEFT or row.start_date < status.started_on:
            period = ect.school_periods.filter(school=school, finished_on__isnull=False).order_by("-finished_on").first()
            left = f"moved from {school.name} on {human_date(period.finished_on)}" if period else f"has {status.get_status_display().lower()}"
            result.note(row.line, "school_urn", f"{row.email} {left}; row not applied")
            return created
        services.rejoin_ect(ect, school, actor, on=row.start_date, fte=row.fte)
        result.ects_transferred += 1
        changed = True
    else:
        status = services.current_status(ect)
        if status is not None and status.status in (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED):
            result.note(row.line, "email", f"{row.email} has {status.get_status_display().lower()}; row not applied")
            return created
        changes = services.update_ect(ect, actor, programme=row.programme, cohort_start_year=row.cohort_start, fte=row.fte)
        result.ects_updated += bool(changes)
        changed = created or bool(changes)
    return _assign_mentor(ect, row, school, actor, result) or changed


def _assign_mentor(ect, row, school, actor, result):
    """Make the row's mentor the ECT's current mentor; True if that is a change."""
    if not row.mentor_email:
        return False
    mentor = Mentor.objects.filter(school=school, person__user__email=row.mentor_email, finished_on__isnull=True).first()
    if mentor is None:  # their mentor row was an ended role, not re-opened
        result.note(row.line, "mentor_email", f"{row.mentor_email} is no longer a mentor at {school.name}; not applied")
        return False
    current = services.current_mentor_assignment(ect)
    if current is not None and current.mentor_id == mentor.pk:
        return False
    history = MentorAssignment.objects.filter(ect=ect)
    if history.filter(mentor=mentor, finished_on__isnull=False).exists():
        result.note(row.line, "mentor_email", f"{row.mentor_email} stopped mentoring {row.email} before; not re-opened")
        return False
    latest = max((a.finished_on or a.started_on for a in history), default=None)
    on = row.start_date if latest is None or row.start_date > latest else timezone.localdate()
    services.change_mentor(ect, mentor, actor, on=on)
    if current is None:
        result.mentors_assigned += 1
    else:
        result.mentor_changes += 1
    return True
