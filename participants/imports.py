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

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from participants import import_plan
from participants.import_plan import ECT_ROLE, MENTOR_ROLE, ROLE_LABELS, TUTOR_ROLE, Row
from participants.models import ECT, ECTAtSchool, ECTStatus, ECTStatusKind, Mentor, Programme
from schools.csv_import import date_cell, email_cell, read_rows
from schools.models import School, urn_validator

FORMAT = "registrations"
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
ROLES = (ECT_ROLE, MENTOR_ROLE, TUTOR_ROLE)
MIN_FTE, MAX_FTE = Decimal("0.1"), Decimal("1.0")
MIN_COHORT, MAX_COHORT = 2021, 2100
MAX_LENGTHS = {"school_name": 200, "first_name": 100, "last_name": 100}


def import_registrations(hub, source, *, actor=None, dry_run=False):
    """Check the CSV `source` (bytes) and, if it has no problems, write it to `hub`; the `ImportPlan`.

    With `dry_run` the import is done and rolled back, so its counts and problems are a real one's.
    The DfE's participant file (recognised by its header) is imported the same way.
    """
    return import_plan.check_and_apply(hub, source, actor, dry_run=dry_run)


def parse(hub, data, plan):
    """The checked rows of `data` in our format; problems go to `plan` (inside the hub's scope)."""
    records = read_rows(data, COLUMNS, plan, what="registrations")
    if plan.errors:
        return []
    return _check(records, plan)


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
