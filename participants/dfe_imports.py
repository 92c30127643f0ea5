"""The DfE's participant file ("Manage training for early career teachers", delivery partner CSV).

Parsed and checked here, planned and written by `participants.import_plan` like our own format.
The header is `full_name,email_address,trn,role,lead_provider,school,
school_unique_reference_number,academic_year,training_status,status` (any order and case; a byte
order mark, CRLF line ends and spaces around cells are accepted, e-mails are lower-cased).

- `role`: `Early career teacher` or `Mentor`. `full_name` is split at its first space into
  first and last name (the hub's names of people already in it are kept). `lead_provider` is not used.
- `trn` (seven digits, optional) is kept on the person and recognises someone whose e-mail
  changed: that is a change of e-mail the hub asks for (`email_changes.request_email_change`:
  confirmed from the new address when the account is someone's; an unconfirmed membership is
  simply re-pointed).
- `school_unique_reference_number` and `school`: a new URN creates the school, a known one is
  renamed to the file's name.
- `academic_year` is the ECT's cohort; the programme follows from it (2025 and later: `ecte2025`,
  before: `ecf2021`) and a new ECT's induction starts on 1 September of it (a new mentor role too).
- The ECT's status: `status` "Induction completed" → completed; else `training_status` `withdrawn`
  → left, `deferred` → paused, `active` → active (a deferred ECT active again is resumed); each
  change is dated the day of the import. A change the programme's rules do not allow (anything
  after completed, paused straight to completed) is noted and not applied. A withdrawn mentor
  is not added as a mentor (noted).
- Nobody is deleted: people with a current role not in the file are listed (`ImportPlan.not_in_file`).
"""

import datetime
import re

from django.core.exceptions import ValidationError

from participants.import_plan import ECT_ROLE, MENTOR_ROLE, ROLE_LABELS, Row
from participants.models import ECTStatusKind, Programme
from schools.csv_import import email_cell, read_rows
from schools.models import urn_validator

FORMAT = "dfe"
COLUMNS = (
    "full_name",
    "email_address",
    "trn",
    "role",
    "lead_provider",
    "school",
    "school_unique_reference_number",
    "academic_year",
    "training_status",
    "status",
)
ROLES = {"early career teacher": ECT_ROLE, "mentor": MENTOR_ROLE}
TRAINING_STATUSES = {"active": ECTStatusKind.ACTIVE, "deferred": ECTStatusKind.PAUSED, "withdrawn": ECTStatusKind.LEFT}
COMPLETED_LABEL = "induction completed"
FIRST_2025_COHORT = 2025
MIN_YEAR, MAX_YEAR = 2021, 2100
TRN = re.compile(r"^\d{7}$")
MAX_LENGTHS = {"school": 200, "full_name": 201}


def is_dfe_file(data):
    """Whether the first line of `data` is the DfE file's header."""
    first = data[:4096].decode("utf-8-sig", errors="replace").splitlines()[:1]
    names = {name.strip().strip('"').lower() for name in (first[0].split(",") if first else [])}
    return {"full_name", "email_address", "school_unique_reference_number"} <= names


def programme_for(academic_year):
    return Programme.ECTE2025 if academic_year >= FIRST_2025_COHORT else Programme.ECF2021


def parse(hub, data, plan):
    """The checked rows of a DfE file; problems go to `plan`."""
    records = read_rows(data, COLUMNS, plan, what="participants")
    if plan.errors:
        return []
    rows = [row for row in (_row(line, values, plan) for line, values in records) if row]
    _check_across(rows, plan)
    return rows


def _row(line, values, plan):
    errors_before = len(plan.errors)
    for column in ("full_name", "email_address", "role", "school", "school_unique_reference_number", "training_status"):
        if not values[column]:
            plan.error(line, column, "required")
    for column, limit in MAX_LENGTHS.items():
        if len(values[column]) > limit:
            plan.error(line, column, f"longer than {limit} characters")
    urn = values["school_unique_reference_number"]
    if urn:
        try:
            urn_validator(urn)
        except ValidationError as error:
            plan.error(line, "school_unique_reference_number", " ".join(error.messages))
    role = ROLES.get(" ".join(values["role"].lower().split()))
    if values["role"] and role is None:
        plan.error(line, "role", f"unknown role {values['role']!r}; expected Early career teacher or Mentor")
    email = email_cell(line, "email_address", values["email_address"], plan)
    trn = values["trn"]
    if trn and not TRN.match(trn):
        plan.error(line, "trn", f"{trn!r} is not a TRN (seven digits)")
    year = values["academic_year"]
    if year and (not year.isdigit() or not MIN_YEAR <= int(year) <= MAX_YEAR):
        plan.error(line, "academic_year", f"{year!r} is not a year from {MIN_YEAR} to {MAX_YEAR}")
    elif not year and role == ECT_ROLE:
        plan.error(line, "academic_year", "required for an early career teacher")
    training = values["training_status"].lower()
    if training and training not in TRAINING_STATUSES:
        plan.error(line, "training_status", f"unknown training status {values['training_status']!r}; expected active, deferred or withdrawn")
    first_name, _, last_name = " ".join(values["full_name"].split()).partition(" ")
    for column, name in (("full_name", first_name), ("full_name", last_name)):
        if len(name) > 100:
            plan.error(line, column, "a first or last name longer than 100 characters")
    if len(plan.errors) > errors_before:
        return None
    academic_year = int(year) if year else None
    status = TRAINING_STATUSES[training]
    if " ".join(values["status"].lower().split()) == COMPLETED_LABEL:
        status = ECTStatusKind.COMPLETED
    row = Row(
        line=line,
        urn=urn,
        school_name=" ".join(values["school"].split()),
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        start_date=datetime.date(academic_year, 9, 1) if academic_year else None,
        trn=trn,
        rename_school=True,
    )
    if role == ECT_ROLE:
        row.programme, row.cohort_start, row.status = programme_for(academic_year), academic_year, status
    elif status == ECTStatusKind.LEFT:
        row.status = status
    return row


def _check_across(rows, plan):
    """Rows that contradict each other: one URN with two names, one person with two names or TRNs,
    one TRN on two e-mails, an ECT listed twice or with another role."""
    first_school, first_person, first_trn = {}, {}, {}
    for row in rows:
        earlier = first_school.setdefault(row.urn, row)
        if earlier.school_name != row.school_name:
            plan.error(row.line, "school", f"differs from line {earlier.line} for URN {row.urn}")
        earlier = first_person.setdefault(row.email, row)
        if (earlier.first_name, earlier.last_name) != (row.first_name, row.last_name):
            plan.error(row.line, "full_name", f"differs from line {earlier.line} for {row.email}")
        if earlier.trn != row.trn:
            plan.error(row.line, "trn", f"differs from line {earlier.line} for {row.email}")
        if earlier is not row and ECT_ROLE in (earlier.role, row.role):
            plan.error(
                row.line,
                "email_address",
                f"{row.email} is listed as {ROLE_LABELS[earlier.role]} on line {earlier.line}; an ECT is listed once and has no other role",
            )
        elif earlier is not row and earlier.urn == row.urn:
            plan.error(row.line, "email_address", f"{row.email} is listed at URN {row.urn} on line {earlier.line} too")
        if row.trn:
            earlier = first_trn.setdefault(row.trn, row)
            if earlier.email != row.email:
                plan.error(row.line, "trn", f"TRN {row.trn} is {earlier.email} on line {earlier.line}")
