"""Registration imports in two steps that every file format shares: `check`, then `apply`.

`check(hub, data)` recognises the format by its header (ours, `participants.imports`, or the
DfE's participant file, `participants.dfe_imports`), parses and validates every line, reads the
hub's schools, people and roles in a few set-based queries and returns an `ImportPlan`: what the
import would do, and every problem as `line N: column: message`. Nothing is written.

`apply(plan, actor)` writes a plan without problems, all or nothing, in one short transaction: it
plans the same rows again inside the transaction (a plan checked a while ago may be out of date:
then nothing is written and the plan says so) and writes with `bulk_create` / `bulk_update`, a
few statements per table whatever the file's size. The account rules are those of
`participants.services` (an address whose account someone owns gets an unconfirmed membership;
no address is ever marked proven). The rare changes that end or move something already there (a
leaver re-registered at another school, a mentor replacing a current mentor, an e-mail change
recognised by TRN) go through the services one by one, after the bulk writes.

No hub-wide row is locked: new rows only reference the hub and its schools (a foreign-key share
lock, which recording study or coaching also takes and never waits for), and updated rows are the
imported people's own (ECT, status and assignment rows, never their key columns).
"""

import dataclasses
import datetime
import functools
import json
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from ectprogramme import formats
from participants import services
from participants.models import (
    ECT,
    ECTAtSchool,
    ECTStatus,
    ECTStatusKind,
    EmailChange,
    InductionTutor,
    Mentor,
    MentorAssignment,
    Person,
    PersonChange,
    Programme,
    User,
)
from participants.signals import people_imported
from schools.csv_import import ImportProblems
from schools.models import Hub, School
from schools.scoping import hub_scope, scopes_disabled

human_date = functools.lru_cache(maxsize=4096)(formats.human_date)  # thousands of rows, a few dates
ECT_ROLE, MENTOR_ROLE, TUTOR_ROLE = "ect", "mentor", "induction_tutor"
ROLE_LABELS = {ECT_ROLE: "an ECT", MENTOR_ROLE: "a mentor", TUTOR_ROLE: "an induction tutor"}
BATCH = 1000
CHUNK = 5000  # values in one `IN (...)`
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
# The parts of a plan that say what will happen (compared again by `apply`).
ACTIONS = (
    "new_schools", "renamed_schools", "new_people", "new_roles", "changes", "status_changes", "mentor_links",
    "transfers", "email_changes",
)


@dataclass
class Row:
    """One checked line of a file, in the terms both formats share.

    `status` is the ECT status the file asks for (the DfE's file; None: leave it as it is);
    `rename_school` says whether the file's school name replaces the hub's (the DfE's file).
    """

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
    trn: str = ""
    status: str | None = None
    rename_school: bool = False

    def to_json(self):
        data = dataclasses.asdict(self)
        data["start_date"] = self.start_date.isoformat() if self.start_date else None
        data["fte"] = str(self.fte)
        return data

    @classmethod
    def from_json(cls, data):
        data = dict(data)
        data["start_date"] = datetime.date.fromisoformat(data["start_date"]) if data["start_date"] else None
        data["fte"] = Decimal(data["fte"])
        return cls(**data)


@dataclass
class ImportPlan(ImportProblems):
    """What importing a file into a hub will do, as plain JSON-ready values (`to_json`, `from_json`).

    - `format`: `registrations` (ours) or `dfe`; `hub`: the hub's slug; `today`: the import date
      (ISO), which dates status changes; `rows`: lines checked.
    - `errors` and `notes`: `line N: column: message` (errors stop the import; notes say what is
      kept or not applied and why).
    - Each action is a list of dicts, each with the `line` it comes from:
      `new_schools` {urn, name}; `renamed_schools` {urn, old, new}; `new_people` {email, name, trn,
      unconfirmed (an account someone owns: no access until they confirm)}; `new_roles` {email,
      role (ect, mentor, induction_tutor), urn, started_on}; `changes` {email, what, old, new} (ECT
      details, TRN, names); `status_changes` {email, old, new, on}; `mentor_links` {email,
      mentor_email, on, replaces (the current mentor's e-mail, or "")}; `transfers` {email, urn,
      on} (a leaver re-registered at another school); `email_changes` {old_email, new_email,
      confirmation (True: the owner must confirm from the new address)}.
    - `unchanged` {line, email}: lines that change nothing; `not_in_file` {email, name, roles}:
      people with a current role of a kind the format lists who are not in the file (nobody is
      deleted: the hub decides).
    - `registrations`: the checked rows (`Row.to_json`), which `apply` plans again.
    - `applied`: whether it was written.
    """

    format: str = ""
    hub: str = ""
    today: str = ""
    rows: int = 0
    new_schools: list = field(default_factory=list)
    renamed_schools: list = field(default_factory=list)
    new_people: list = field(default_factory=list)
    new_roles: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    status_changes: list = field(default_factory=list)
    mentor_links: list = field(default_factory=list)
    transfers: list = field(default_factory=list)
    email_changes: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    not_in_file: list = field(default_factory=list)
    registrations: list = field(default_factory=list)
    applied: bool = False

    def to_json(self):
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text):
        return cls(**json.loads(text))

    def actions(self):
        return {name: getattr(self, name) for name in ACTIONS}

    def _count(self, name, **where):
        return sum(all(item.get(k) == v for k, v in where.items()) for item in getattr(self, name))

    def summary_lines(self):
        people_with_ect_updates = {c["email"] for c in self.changes if c["what"] in services.ECT_DETAIL_LABELS.values()}
        return [
            f"rows: {self.rows}",
            f"schools created: {len(self.new_schools)}",
            f"people created: {len(self.new_people)}",
            f"ECTs added: {self._count('new_roles', role=ECT_ROLE)}",
            f"ECTs updated: {len(people_with_ect_updates)}",
            f"ECTs transferred: {len(self.transfers)}",
            f"mentors added: {self._count('new_roles', role=MENTOR_ROLE)}",
            f"induction tutors added: {self._count('new_roles', role=TUTOR_ROLE)}",
            f"mentors assigned: {self._count('mentor_links', replaces='')}",
            f"mentor changes: {len(self.mentor_links) - self._count('mentor_links', replaces='')}",
            f"unchanged rows: {len(self.unchanged)}",
            f"schools renamed: {len(self.renamed_schools)}",
            f"status changes: {len(self.status_changes)}",
            f"e-mail changes: {len(self.email_changes)}",
            f"people not in the file: {len(self.not_in_file)}",
        ]


class PlanOutdated(Exception):
    """The hub changed between checking a file and applying it."""


def check(hub, data, today=None):
    """The plan for importing CSV `data` (bytes) into `hub`, recognising the format by its header.

    `today` (default: today) is the import date that dates status changes."""
    with hub_scope(hub):
        plan, rows = _parse(hub, data, today or timezone.localdate())
        if not plan.errors:
            _plan(hub, rows, plan)
    plan.sort()
    return plan


def _parse(hub, data, today):
    """(a new plan with the file's problems, the checked rows), for the format the header names."""
    from participants import dfe_imports, imports

    parser = dfe_imports if dfe_imports.is_dfe_file(data) else imports
    plan = ImportPlan(format=parser.FORMAT, hub=hub.slug, today=today.isoformat())
    rows = parser.parse(hub, data, plan)
    plan.registrations = [row.to_json() for row in rows]
    return plan, rows


def check_and_apply(hub, data, actor=None, *, dry_run=False):
    """Check and write in one pass and one transaction (the command line: nothing to preview).

    The same plan and writes as `check` then `apply`, without planning twice. With `dry_run`, or
    when the file or a service has a problem, nothing is written. Returns the plan.
    """
    with hub_scope(hub):
        plan, rows = _parse(hub, data, timezone.localdate())
        plan.dry_run = dry_run
        if not plan.errors:
            with transaction.atomic():
                work = _plan(hub, rows, plan)
                if not plan.errors:
                    work.write(hub, actor, plan)
                if plan.errors or dry_run:
                    transaction.set_rollback(True)
                else:
                    plan.applied = True
    plan.sort()
    return plan


def apply(plan, actor=None, *, dry_run=False):
    """Write a checked plan (all or nothing) and return it, `applied` set.

    The rows are planned again in the transaction; if that plan differs from `plan` (the hub
    changed since the check) `PlanOutdated` is raised and nothing is written. A service refusing
    a change adds its problem to `plan.errors` and nothing is written. With `dry_run` everything is
    done and rolled back (the counts and problems are those of a real import).
    """
    if plan.errors:
        raise ValueError("A plan with problems cannot be applied.")
    hub = Hub.objects.get(slug=plan.hub)
    rows = [Row.from_json(data) for data in plan.registrations]
    with hub_scope(hub), transaction.atomic():
        fresh = ImportPlan(format=plan.format, hub=plan.hub, today=plan.today, registrations=plan.registrations)
        work = _plan(hub, rows, fresh)
        if fresh.errors or json.dumps(fresh.actions(), sort_keys=True) != json.dumps(plan.actions(), sort_keys=True):
            raise PlanOutdated("The hub changed since this file was checked: check it again.")
        try:
            with transaction.atomic():
                work.write(hub, actor, plan)
        except IntegrityError:
            raise PlanOutdated("The hub changed while this file was being imported: check it again.") from None
        if plan.errors or dry_run:
            transaction.set_rollback(True)
        else:
            plan.applied = True
    plan.sort()
    return plan


# --- Planning -------------------------------------------------------------------------------------


class _Hub:
    """The hub's schools, people and roles, read set-based (a few queries whatever the file's size)."""

    def __init__(self, hub, rows):
        self.schools = {school.urn: school for school in School.objects.filter(hub=hub)}
        self.people = {}
        self.people_by_trn = {}
        for person in Person.objects.filter(hub=hub).select_related("user"):
            self.people[person.user.email] = person
            if person.trn:
                self.people_by_trn[person.trn] = person
        people_by_pk = {person.pk: person for person in self.people.values()}
        schools_by_pk = {school.pk: school for school in self.schools.values()}
        self.emails_by_person = {person.pk: email for email, person in self.people.items()}
        self.ects = {}
        for ect in ECT.objects.filter(hub=hub):
            ect.person, ect.school = people_by_pk[ect.person_id], schools_by_pk[ect.school_id]
            self.ects[ect.person_id] = ect
        self.statuses = {s.ect_id: s for s in ECTStatus.objects.filter(hub=hub, finished_on__isnull=True)}
        self.school_periods = {}
        for period in ECTAtSchool.objects.filter(hub=hub).order_by("started_on", "id"):
            self.school_periods.setdefault(period.ect_id, []).append(period)
        self.roles = {MENTOR_ROLE: {}, TUTOR_ROLE: {}}
        for role, model in ((MENTOR_ROLE, Mentor), (TUTOR_ROLE, InductionTutor)):
            for item in model.objects.filter(hub=hub):
                item.person, item.school = people_by_pk[item.person_id], schools_by_pk[item.school_id]
                self.roles[role].setdefault((item.person_id, item.school_id), []).append(item)
        self.mentor_people = {m.pk: m.person_id for items in self.roles[MENTOR_ROLE].values() for m in items}
        self.assignments = {}
        for assignment in MentorAssignment.objects.filter(hub=hub).order_by("started_on", "id"):
            self.assignments.setdefault(assignment.ect_id, []).append(assignment)
        self.pending_email_changes = {
            change.person_id: change.new_email
            for change in EmailChange.objects.filter(hub=hub, confirmed_at__isnull=True, cancelled_at__isnull=True)
        }
        emails = sorted({row.email for row in rows} - set(self.people))
        self.users = {}
        for start in range(0, len(emails), CHUNK):
            self.users.update((u.email, u) for u in User.objects.filter(email__in=emails[start : start + CHUNK]))
        self.owned = {user.pk for user in self.users.values() if user.has_usable_password() or user.last_login}
        ids = [user.pk for user in self.users.values() if user.pk not in self.owned]
        with scopes_disabled():
            for start in range(0, len(ids), CHUNK):
                confirmed = Person.objects.filter(user_id__in=ids[start : start + CHUNK], confirmed_at__isnull=False)
                self.owned.update(confirmed.values_list("user_id", flat=True))


class _Work:
    """The writes a plan stands for: unsaved and changed model instances, and service calls."""

    def __init__(self, today):
        self.today = today
        self.now = timezone.now()
        self.creates = {model: [] for model in (School, User, EmailAddress, Person, ECT, ECTStatus, ECTAtSchool, Mentor, InductionTutor, MentorAssignment)}
        self.updates = {}  # model -> {instance id: (instance, {field names})}
        self.leaves = []
        self.timeline = []
        self.calls = []  # (line, column, function, args)
        self.ect_ids = set()
        self.new_ects = []

    def create(self, instance):
        """A new row the planning refers to again (a school, account, person, ECT or role)."""
        self.creates[type(instance)].append(instance)
        return instance

    def later(self, model, **values):
        """A new row nothing refers to, built only when written (a plan that is only shown builds none)."""
        self.leaves.append((model, values))

    def update(self, instance, **values):
        for name, value in values.items():
            setattr(instance, name, value)
        entry = self.updates.setdefault(type(instance), {}).setdefault(id(instance), (instance, set()))
        entry[1].update(values)

    def record(self, person, summary, school=None):
        self.timeline.append((person, summary, school))

    def write(self, hub, actor, plan):
        emails = [user.email for user in self.creates[User]]
        for start in range(0, len(emails), CHUNK):
            EmailAddress.objects.annotate(lower=Lower("email")).filter(lower__in=emails[start : start + CHUNK], verified=False).delete()
        self.creates[EmailAddress] = [EmailAddress(user=u, email=u.email, primary=True, verified=False) for u in self.creates[User]]
        for model, entries in self.updates.items():  # first: a closed status makes room for the new open one
            names = sorted(set().union(*(names for _, names in entries.values())))
            instances = [instance for instance, _ in entries.values() if instance.pk is not None]
            model.objects.bulk_update(instances, names, batch_size=BATCH)
        for model, values in self.leaves:
            self.creates[model].append(model(**values))
        for model, instances in self.creates.items():
            model.objects.bulk_create(instances, batch_size=BATCH)
        PersonChange.objects.bulk_create(
            [PersonChange(hub=hub, person=p, actor=actor, summary=summary, school=school, at=self.now) for p, summary, school in self.timeline],
            batch_size=BATCH,
        )
        self.ect_ids.update(ect.pk for ect in self.new_ects)
        mentor_ids = [a.mentor_id for a in self.creates[MentorAssignment]]
        people_imported.send(sender=Person, hub_id=hub.pk, ect_ids=sorted(self.ect_ids), mentor_ids=sorted(set(mentor_ids)))
        for line, column, function, args in self.calls:
            try:
                function(*args, actor=actor)
            except ValidationError as error:
                for name, message in _messages(error, column):
                    plan.error(line, name, message)


def _messages(error, default_column):
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            for message in messages:
                yield FIELD_COLUMNS.get(name, default_column), message
    else:
        for message in error.messages:
            yield default_column, message


def _plan(hub, rows, plan):
    """Fill `plan` from checked `rows` and return the `_Work` that writes it."""
    today = datetime.date.fromisoformat(plan.today)
    known = _Hub(hub, rows)
    work = _Work(today)
    planner = _Planner(hub, known, work, plan)
    plan.rows = len(rows)
    for row in rows:
        planner.school(row)
    for row in sorted(rows, key=lambda row: (row.role == ECT_ROLE, row.line)):
        if not planner.row(row):
            plan.unchanged.append({"line": row.line, "email": row.email})
    planner.not_in_file(rows)
    return work


class _Planner:
    def __init__(self, hub, known, work, plan):
        self.hub, self.known, self.work, self.plan = hub, known, work, plan
        self.today = work.today
        self.people_in_file = set()

    def school(self, row):
        school = self.known.schools.get(row.urn)
        if school is None:
            school = self.work.create(School(hub=self.hub, urn=row.urn, name=row.school_name))
            self.known.schools[row.urn] = school
            self.plan.new_schools.append({"line": row.line, "urn": row.urn, "name": row.school_name})
        elif row.rename_school and school.name != row.school_name and school.pk is not None:
            self.plan.renamed_schools.append({"line": row.line, "urn": row.urn, "old": school.name, "new": row.school_name})
            self.work.update(school, name=row.school_name)

    # People

    def person(self, row):
        """(the hub's Person for the row, created?), recognising by TRN someone whose e-mail changed;
        None when the row has a problem."""
        person = self.known.people.get(row.email)
        by_trn = self.known.people_by_trn.get(row.trn) if row.trn else None
        if by_trn is not None and person is not None and by_trn is not person:
            self.plan.error(row.line, "trn", f"TRN {row.trn} is {by_trn.user.email} in the hub, and {row.email} is someone else there")
            return None
        if person is not None and row.trn and person.trn and person.trn != row.trn:
            self.plan.error(row.line, "trn", f"{row.email} has TRN {person.trn} in the hub")
            return None
        if person is None and by_trn is not None:
            person = by_trn
            self._email_change(row, person)
            self.known.people[row.email] = person  # the person's other rows find them by the new address
        if person is None:
            return self._new_person(row)
        self.people_in_file.add(person.pk)
        if row.trn and not person.trn:
            self.work.update(person, trn=row.trn)
            self.known.people_by_trn[row.trn] = person
            self.plan.changes.append({"line": row.line, "email": row.email, "what": "TRN", "old": "", "new": row.trn})
            self.work.record(person, f"TRN set to {row.trn}")
        if not person.full_name and (row.first_name or row.last_name):
            self.work.update(person, first_name=row.first_name, last_name=row.last_name)
            self.plan.changes.append({"line": row.line, "email": row.email, "what": "Name", "old": "", "new": f"{row.first_name} {row.last_name}"})
        return person

    def _email_change(self, row, person):
        old = person.user.email
        if self.known.pending_email_changes.get(person.pk) == row.email:
            self.plan.note(row.line, "email_address", f"the change of {old} to {row.email} is waiting for confirmation from {row.email}")
            return
        self.plan.email_changes.append(
            {"line": row.line, "trn": row.trn, "old_email": old, "new_email": row.email, "confirmation": person.is_confirmed}
        )
        self.work.calls.append((row.line, "email_address", _change_email, (person, row.email)))

    def _new_person(self, row):
        user = self.known.users.get(row.email)
        if user is None:
            user = self.work.create(
                User(email=row.email, first_name=row.first_name, last_name=row.last_name, password=_unusable_password())
            )
            self.known.users[row.email] = user
        owned = user.pk is not None and user.pk in self.known.owned
        person = self.work.create(
            Person(
                hub=self.hub, user=user, first_name=row.first_name, last_name=row.last_name, trn=row.trn,
                confirmed_at=None if owned else self.work.now,
            )
        )
        self.known.people[row.email] = person
        if row.trn:
            self.known.people_by_trn[row.trn] = person
        self.plan.new_people.append(
            {"line": row.line, "email": row.email, "name": f"{row.first_name} {row.last_name}".strip(), "trn": row.trn, "unconfirmed": owned}
        )
        self.work.record(person, f"Added to {self.hub.name}")
        return person

    # Rows

    def _size(self):
        return sum(len(getattr(self.plan, name)) for name in ACTIONS if name not in ("new_schools", "renamed_schools"))

    def row(self, row):
        """Plan one row; True if it changes anything."""
        before = self._size()
        person = self.person(row)
        if person is not None:
            school = self.known.schools[row.urn]
            if row.role == ECT_ROLE:
                self._ect(row, person, school)
            else:
                self._school_role(row, person, school)
        return self._size() > before

    def _school_role(self, row, person, school):
        model = Mentor if row.role == MENTOR_ROLE else InductionTutor
        roles = self.known.roles[row.role].setdefault((person.pk or id(person), school.pk or id(school)), [])
        if any(role.finished_on is None for role in roles):
            return
        label = ROLE_LABELS[row.role].split(" ", 1)[1]
        if row.status == ECTStatusKind.LEFT:
            self.plan.note(row.line, "training_status", f"{row.email} is withdrawn; not added as {label} at {school.name}")
            return
        ended = max(roles, key=lambda role: role.finished_on, default=None)
        if ended is not None and (row.start_date is None or row.start_date < ended.finished_on):
            self.plan.note(
                row.line, "role", f"{row.email} stopped being {label} at {school.name} on {human_date(ended.finished_on)}; not re-opened"
            )
            return
        started_on = row.start_date or self.today
        role = self.work.create(model(hub=self.hub, person=person, school=school, started_on=started_on))
        roles.append(role)
        self.plan.new_roles.append({"line": row.line, "email": row.email, "role": row.role, "urn": row.urn, "started_on": started_on.isoformat()})
        self.work.record(person, f"Became {label} at {school.name} from {human_date(started_on)}", school)

    def _ect(self, row, person, school):
        ect = self.known.ects.get(person.pk) if person.pk else None
        if ect is None:
            ect = self._new_ect(row, person, school)
            self._mentor(row, ect, school, current=None, history=[])
            return
        status = self.known.statuses[ect.pk]
        if ect.school_id != school.pk:
            self._other_school(row, ect, school, status)
            return
        ended = (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED)
        if row.status is None and status.status in ended:
            self.plan.note(row.line, "email", f"{row.email} has {status.get_status_display().lower()}; row not applied")
            return
        if row.status is not None:
            final = row.status if self._status(row, ect, status) else status.status
            if final in ended:
                return
        self._details(row, ect)
        history = self.known.assignments.get(ect.pk, [])
        current = next((a for a in history if a.finished_on is None), None)
        self._mentor(row, ect, school, current, history)

    def _new_ect(self, row, person, school):
        ect = self.work.create(
            ECT(
                hub=self.hub, person=person, school=school, programme=row.programme, cohort_start_year=row.cohort_start,
                induction_start_date=row.start_date, fte=row.fte,
            )
        )
        self.work.new_ects.append(ect)
        start = row.start_date
        final = row.status or ECTStatusKind.ACTIVE
        on = max(self.today, start)
        if final != ECTStatusKind.ACTIVE and on == start:
            self.work.later(ECTStatus, hub=self.hub, ect=ect, status=final, started_on=start)
        else:
            finished_on = None if final == ECTStatusKind.ACTIVE else on
            self.work.later(ECTStatus, hub=self.hub, ect=ect, status=ECTStatusKind.ACTIVE, started_on=start, finished_on=finished_on)
            if final != ECTStatusKind.ACTIVE:
                self.work.later(ECTStatus, hub=self.hub, ect=ect, status=final, started_on=on)
        self.work.later(ECTAtSchool, hub=self.hub, ect=ect, school=school, started_on=start)
        self.plan.new_roles.append(
            {"line": row.line, "email": row.email, "role": ECT_ROLE, "urn": row.urn, "started_on": start.isoformat(), "status": final}
        )
        programme = Programme(row.programme).label
        self.work.record(
            person,
            f"Registered as an ECT at {school.name} ({programme}, cohort {row.cohort_start}, starting {human_date(start)}, FTE {row.fte})",
            school,
        )
        if final != ECTStatusKind.ACTIVE:
            self.work.record(person, f"Status changed from active to {ECTStatusKind(final).label.lower()} on {human_date(on)}", school)
        return ect

    def _other_school(self, row, ect, school, status):
        """A row placing an existing ECT at another school: a leaver re-registered there is a transfer."""
        on = row.start_date if row.status is None else self.today
        wants_back = row.status in (None, ECTStatusKind.ACTIVE, ECTStatusKind.PAUSED)
        if status.status != ECTStatusKind.LEFT or on < status.started_on or not wants_back:
            periods = [p for p in self.known.school_periods.get(ect.pk, []) if p.school_id == school.pk and p.finished_on]
            if periods:
                left = f"moved from {school.name} on {human_date(periods[-1].finished_on)}"
            elif status.status in (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED):
                left = f"has {status.get_status_display().lower()}"
            else:
                left = f"is at {self.known_school_name(ect)} in the hub (hub staff transfer them on their page)"
            self.plan.note(row.line, "school_urn", f"{row.email} {left}; row not applied")
            return
        fte = row.fte if row.status is None else None
        self.plan.transfers.append({"line": row.line, "email": row.email, "urn": row.urn, "on": on.isoformat()})
        self.work.calls.append((row.line, "school_urn", _rejoin, (ect, school, on, fte)))
        history = [a for a in self.known.assignments.get(ect.pk, [])]
        self._mentor(row, ect, school, current=None, history=history, via_services=True)

    def known_school_name(self, ect):
        return next((s.name for s in self.known.schools.values() if s.pk == ect.school_id), "another school")

    def _status(self, row, ect, current):
        """Plan the status the DfE's file asks for; False if it is not applied (noted)."""
        wanted = row.status
        if wanted == current.status:
            return True
        if wanted not in services.ALLOWED_STATUS_CHANGES[current.status]:
            self.plan.note(
                row.line,
                "training_status",
                f"{row.email} is {current.get_status_display().lower()} in the hub; "
                f"{ECTStatusKind(wanted).label.lower()} in the file not applied",
            )
            return False
        on = max(self.today, current.started_on)
        self.work.update(current, finished_on=on)
        self.work.later(ECTStatus, hub=self.hub, ect=ect, status=wanted, started_on=on)
        self.work.ect_ids.add(ect.pk)
        old = current.get_status_display().lower()
        new = ECTStatusKind(wanted).label.lower()
        self.plan.status_changes.append({"line": row.line, "email": row.email, "old": current.status, "new": wanted, "on": on.isoformat()})
        self.work.record(ect.person, f"Status changed from {old} to {new} on {human_date(on)}", ect.school)
        if wanted in (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED):
            for assignment in self.known.assignments.get(ect.pk, []):
                if assignment.finished_on is None:
                    self.work.update(assignment, finished_on=max(on, assignment.started_on))
        return True

    def _details(self, row, ect):
        wanted = {"programme": row.programme, "cohort_start_year": row.cohort_start}
        if row.status is None:
            wanted["fte"] = row.fte
        for name, value in wanted.items():
            old = getattr(ect, name)
            if old != value:
                label = services.ECT_DETAIL_LABELS[name]
                self.plan.changes.append({"line": row.line, "email": row.email, "what": label, "old": str(old), "new": str(value)})
                self.work.record(ect.person, f"{label} changed from {old} to {value}", ect.school)
                self.work.update(ect, **{name: value})
                self.work.ect_ids.add(ect.pk)

    def _mentor(self, row, ect, school, current, history, via_services=False):
        """Make the row's mentor the ECT's current mentor (a new mentor dated the row's start date when
        that is after the ECT's latest mentor date, else today, so a change never predates the current one)."""
        if not row.mentor_email:
            return
        mentor_person = self.known.people.get(row.mentor_email)
        key = (getattr(mentor_person, "pk", None) or id(mentor_person), school.pk or id(school))
        mentor = next((m for m in self.known.roles[MENTOR_ROLE].get(key, []) if m.finished_on is None), None)
        if mentor is None:
            self.plan.note(row.line, "mentor_email", f"{row.mentor_email} is no longer a mentor at {school.name}; not applied")
            return
        if current is not None and mentor.pk is not None and current.mentor_id == mentor.pk:
            return
        if mentor.pk is not None and any(a.mentor_id == mentor.pk and a.finished_on is not None for a in history):
            self.plan.note(row.line, "mentor_email", f"{row.mentor_email} stopped mentoring {row.email} before; not re-opened")
            return
        latest = max((a.finished_on or a.started_on for a in history), default=None)
        on = row.start_date if latest is None or row.start_date > latest else self.today
        self.plan.mentor_links.append(
            {
                "line": row.line, "email": row.email, "mentor_email": row.mentor_email, "on": on.isoformat(),
                "replaces": self.known.emails_by_person.get(self.known.mentor_people.get(current.mentor_id), "") if current else "",
            }
        )
        if current is not None or via_services:
            self.work.calls.append((row.line, "mentor_email", _change_mentor, (ect, mentor, on)))
            return
        previous = max((a for a in history if a.finished_on), key=lambda a: a.finished_on, default=None)
        if previous is not None and on < previous.finished_on:
            self.plan.error(row.line, "start_date", f"The date cannot be before the previous mentor stopped ({human_date(previous.finished_on)}).")
            return
        self.work.later(MentorAssignment, hub=self.hub, ect=ect, mentor=mentor, started_on=on)
        self.work.record(ect.person, f"Mentor set to {mentor.person} from {human_date(on)}", school)
        self.work.record(mentor.person, f"Started mentoring {ect.person} on {human_date(on)}", school)

    def not_in_file(self, rows):
        """People with a current role the format lists (ECTs in training, mentors, and for our format
        induction tutors) who are not in the file."""
        kinds = (ECT_ROLE, MENTOR_ROLE) if self.plan.format == "dfe" else (ECT_ROLE, MENTOR_ROLE, TUTOR_ROLE)
        roles = {}
        for ect in self.known.ects.values():
            status = self.known.statuses.get(ect.pk)
            if ect.pk and status and status.status in (ECTStatusKind.ACTIVE, ECTStatusKind.PAUSED):
                roles.setdefault(ect.person_id, []).append("ECT")
        for kind in kinds[1:]:
            for (person_id, _), items in self.known.roles[kind].items():
                if isinstance(person_id, int) and any(item.finished_on is None and item.pk for item in items):
                    roles.setdefault(person_id, []).append(ROLE_LABELS[kind].split(" ", 1)[1])
        for email, person in sorted(self.known.people.items()):
            if person.pk in roles and person.pk not in self.people_in_file:
                self.plan.not_in_file.append({"email": email, "name": person.full_name, "roles": sorted(set(roles[person.pk]))})


def _unusable_password():
    """What `set_unusable_password` stores (a marker no password matches), without its slower random string."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _change_email(person, email, actor):
    from participants.email_changes import request_email_change

    request_email_change(person, actor, email)


def _rejoin(ect, school, on, fte, actor):
    services.rejoin_ect(ect, school, actor, on=on, fte=fte)


def _change_mentor(ect, mentor, on, actor):
    ect.refresh_from_db(fields=["school"])
    services.change_mentor(ect, mentor, actor, on=on)
