"""Changes to people and roles. Each change is validated here and written to the person's timeline.

Views, commands and imports call these functions; none of them writes participant rows directly.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ectprogramme import queueing
from ectprogramme.formats import human_date
from ectprogramme.hub_cache import hub_changed
from participants.models import (
    ECT,
    ECTAtSchool,
    ECTStatus,
    ECTStatusKind,
    HubRole,
    InductionTutor,
    Invitation,
    Mentor,
    MentorAssignment,
    Person,
    PersonChange,
    User,
)
from schools.scoping import hub_scope

# Which status may follow which (a completed induction is final).
ALLOWED_STATUS_CHANGES = {
    ECTStatusKind.ACTIVE: {ECTStatusKind.PAUSED, ECTStatusKind.LEFT, ECTStatusKind.COMPLETED},
    ECTStatusKind.PAUSED: {ECTStatusKind.ACTIVE, ECTStatusKind.LEFT},
    ECTStatusKind.LEFT: {ECTStatusKind.ACTIVE},
    ECTStatusKind.COMPLETED: set(),
}


def record_change(person, actor, summary, school=None):
    """Add an entry to the person's timeline; `school` when it concerns their role at a school (a tutor
    who sees the person only through their own schools sees only those schools' entries)."""
    return PersonChange.objects.create(hub=person.hub, person=person, actor=actor, summary=summary, school=school)


def _today():
    return timezone.localdate()


def _is_owned(user):
    """Whether someone already owns this account: it has a password, has been used, or belongs to a hub."""
    return (
        user.has_usable_password()
        or user.last_login is not None
        or Person.objects.with_scopes_disabled().filter(user=user, confirmed_at__isnull=False).exists()
    )


@transaction.atomic
def get_or_create_person(hub, email, first_name="", last_name="", actor=None):
    """The hub's Person for this e-mail, with the name this hub gave, creating the account as needed.

    An account someone already owns (see `_is_owned`) is never handed to the hub: its new Person is
    unconfirmed, gives the account no access here until the owner confirms (`confirm_membership`),
    and looks to the hub like any person who has not signed in yet. The account itself (its name,
    password, other hubs) is not touched.
    """
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    person = Person.objects.filter(hub=hub, user=user).first()
    if person is None:
        confirmed_at = None if _is_owned(user) else timezone.now()
        person = Person.objects.create(
            hub=hub, user=user, first_name=first_name, last_name=last_name, confirmed_at=confirmed_at
        )
        record_change(person, actor, f"Added to {hub.name}")
    elif not person.full_name and (first_name or last_name):
        person.first_name, person.last_name = first_name, last_name
        person.save(update_fields=["first_name", "last_name"])
    return person


@transaction.atomic
def confirm_membership(person, user):
    """The account's owner (signed in as `user`) confirms the hub's unconfirmed membership.

    Returns False if it was already confirmed (a used link). Only the account's owner can confirm.
    """
    if person.user_id != user.pk:
        raise PermissionDenied
    with hub_scope(person.hub):
        confirmed = Person.objects.filter(pk=person.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
        if confirmed:
            hub_changed(person.hub_id)
            record_change(person, user, f"Confirmed joining {person.hub.name}")
    return bool(confirmed)


@transaction.atomic
def repoint_unconfirmed(person, actor, email):
    """Point an unconfirmed membership at the account for `email` instead: the account it pointed at is
    someone else's and must not change (the hub typed an address; it now types another)."""
    old = person.user.email
    user = User.objects.filter(email=email).first() or User.objects.create_user(email=email)
    if Person.objects.filter(hub=person.hub, user=user).exists():
        raise ValidationError({"email": "Someone in this hub already uses this e-mail address."})
    person.user = user
    person.confirmed_at = None if _is_owned(user) else timezone.now()
    person.save(update_fields=["user", "confirmed_at"])
    record_change(person, actor, f"E-mail changed from {old} to {email}")


@transaction.atomic
def update_details(person, actor, *, first_name, last_name):
    """Change the name this hub knows the person by (this hub's Person only). Their e-mail changes
    only when confirmed: `participants.email_changes`."""
    if first_name == person.first_name and last_name == person.last_name:
        return []
    summary = f"Name changed from “{person.full_name}” to “{first_name} {last_name}”".replace("  ", " ")
    person.first_name, person.last_name = first_name, last_name
    person.save(update_fields=["first_name", "last_name"])
    record_change(person, actor, summary)
    return [summary]


@transaction.atomic
def set_hub_role(person, hub_role, actor):
    """Grant, change or remove a hub role (staff, admin or none).

    Only a hub admin of the person's hub may do it (`actor=None` is the command line: create_hub,
    the demo), nobody changes their own hub role, and a hub keeps at least one admin. The hub's
    admins are locked first, so two admins removing each other at once cannot leave none.
    """
    hub_role = HubRole(hub_role)
    admins = set(
        Person.objects.select_for_update().filter(hub=person.hub, hub_role=HubRole.ADMIN).values_list("pk", flat=True)
    )
    actor_person = None if actor is None else Person.objects.filter(hub=person.hub, user=actor).first()
    if actor is not None and (actor_person is None or actor_person.pk not in admins):
        raise PermissionDenied("Only hub admins manage hub roles.")
    person.refresh_from_db(fields=["hub_role"])
    if person.hub_role == hub_role:
        return
    if actor_person is not None and actor_person.pk == person.pk:
        raise ValidationError({"hub_role": "Nobody can change their own hub role: ask another hub admin."})
    if admins == {person.pk} and hub_role != HubRole.ADMIN:
        raise ValidationError({"hub_role": "A hub needs at least one hub admin: make someone else admin first."})
    old = HubRole(person.hub_role).label
    person.hub_role = hub_role
    person.save(update_fields=["hub_role"])
    record_change(person, actor, f"Hub role changed from {old} to {hub_role.label}")


def _add_school_role(model, label, person, school, started_on, actor):
    existing = model.objects.filter(person=person, school=school, finished_on__isnull=True).first()
    if existing:
        return existing, False
    role = model.objects.create(hub=person.hub, person=person, school=school, started_on=started_on)
    record_change(person, actor, f"Became {label} at {school.name} from {human_date(started_on)}", school)
    return role, True


@transaction.atomic
def add_induction_tutor(person, school, actor, started_on=None):
    return _add_school_role(InductionTutor, "induction tutor", person, school, started_on or _today(), actor)[0]


@transaction.atomic
def add_mentor(person, school, actor, started_on=None):
    return _add_school_role(Mentor, "mentor", person, school, started_on or _today(), actor)[0]


@transaction.atomic
def set_previously_trained(role, previously_trained, actor):
    """Record whether a mentor was already trained (previously trained mentors do not repeat the
    mentors' programme, so they are not expected at its events)."""
    if role.previously_trained == previously_trained:
        return
    role.previously_trained = previously_trained
    role.save(update_fields=["previously_trained"])
    state = "previously trained" if previously_trained else "new (not previously trained)"
    record_change(role.person, actor, f"Mentor at {role.school.name} recorded as {state}", school=role.school)


@transaction.atomic
def finish_school_role(role, actor, on=None, new_mentors=None):
    """End an induction tutor or mentor role on `on` (default today).

    History is never rewritten: a role that has ended keeps its first end date, and the end date
    can be neither in the future (as with an ECT's status, a change is recorded once it has
    happened) nor before the role started. A mentor's current mentees move on the same day to the
    mentor `new_mentors` names for them ({ECT id: Mentor, or None for "no mentor yet"}); a mentee
    it does not name has no mentor from that day.
    """
    on = on or _today()
    role.finished_on = type(role).objects.select_for_update().values_list("finished_on", flat=True).get(pk=role.pk)
    if role.finished_on is not None:
        raise ValidationError(f"This role already ended on {human_date(role.finished_on)}; the first end date stands.")
    if on > _today():
        raise ValidationError({"on": "The end date cannot be in the future: end the role once it has ended."})
    if on < role.started_on:
        raise ValidationError({"on": f"The end date cannot be before the role started ({human_date(role.started_on)})."})
    label = "mentor" if isinstance(role, Mentor) else "induction tutor"
    if isinstance(role, Mentor):
        new_mentors = new_mentors or {}
        for assignment in role.assignments.filter(finished_on__isnull=True).select_related("ect__person", "ect__school"):
            ect, replacement = assignment.ect, new_mentors.get(assignment.ect_id)
            if replacement is not None:
                if replacement.pk == role.pk:
                    raise ValidationError(f"{ect.person}: choose another mentor than the one whose role ends.")
                try:
                    change_mentor(ect, replacement, actor, on=max(on, assignment.started_on))
                except ValidationError as error:
                    raise ValidationError([f"{ect.person}: {message}" for message in error.messages]) from None
                continue
            assignment.finish(on)
            record_change(ect.person, actor, f"Mentor {role.person} stopped mentoring on {human_date(on)}; no mentor yet", role.school)
    role.finished_on = on
    role.save(update_fields=["finished_on"])
    record_change(role.person, actor, f"Stopped being {label} at {role.school.name} on {human_date(on)}", role.school)
    return role


@transaction.atomic
def add_ect(person, school, actor, *, programme, cohort_start_year, induction_start_date, fte=1):
    """Register the person as an ECT at the school from `induction_start_date`.

    Someone who has left is not registered twice: they rejoin (`rejoin_ect`), at this school from
    that date, keeping their one record and history (programme and cohort stay as registered).
    Anyone else already registered is refused, without saying where they are.
    """
    existing = ECT.objects.filter(person=person).first()
    if existing is not None:
        status = current_status(existing)
        if status is None or status.status != ECTStatusKind.LEFT:
            raise ValidationError("This person is already registered as an ECT in this hub; hub staff can transfer them.")
        return rejoin_ect(existing, school, actor, on=induction_start_date, fte=fte)
    ect = ECT.objects.create(
        hub=person.hub,
        person=person,
        school=school,
        programme=programme,
        cohort_start_year=cohort_start_year,
        induction_start_date=induction_start_date,
        fte=fte,
    )
    ECTStatus.objects.create(hub=ect.hub, ect=ect, status=ECTStatusKind.ACTIVE, started_on=induction_start_date)
    ECTAtSchool.objects.create(hub=ect.hub, ect=ect, school=school, started_on=induction_start_date)
    record_change(
        person,
        actor,
        f"Registered as an ECT at {school.name} ({ect.get_programme_display()}, cohort {cohort_start_year}, "
        f"starting {human_date(induction_start_date)}, FTE {fte})",
        school,
    )
    return ect


ECT_DETAIL_LABELS = {
    "programme": "Programme",
    "cohort_start_year": "Cohort",
    "induction_start_date": "Induction start",
    "fte": "FTE",
}


def _shown(value):
    return human_date(value) if isinstance(value, datetime.date) else value


@transaction.atomic
def update_ect(ect, actor, **fields):
    """Change an ECT's registration details; each changed field is a timeline entry. (A change of
    school is a transfer: `transfer_ect`.)"""
    changes = []
    for name, value in fields.items():
        old = getattr(ect, name)
        if old != value:
            changes.append(f"{ECT_DETAIL_LABELS[name]} changed from {_shown(old)} to {_shown(value)}")
            setattr(ect, name, value)
    if not changes:
        return changes
    ect.full_clean()
    ect.save()
    if "induction_start_date" in fields:
        for periods in (ect.statuses, ect.school_periods):
            first = periods.order_by("started_on", "id").first()
            if first and (first.finished_on is None or first.finished_on > ect.induction_start_date):
                first.started_on = ect.induction_start_date
                first.save(update_fields=["started_on"])
    for summary in changes:
        record_change(ect.person, actor, summary, ect.school)
    return changes


def current_status(ect):
    return ect.statuses.filter(finished_on__isnull=True).first()


@transaction.atomic
def change_ect_status(ect, status, actor, on=None, note=""):
    """Pause, resume, mark as left or completed, from `on` (default today).

    The current status period is finished on `on` and the new one starts that day; history is kept.
    """
    on = on or _today()
    current = ECTStatus.objects.select_for_update().filter(ect=ect, finished_on__isnull=True).first()
    if current is None:
        raise ValidationError("This ECT has no current status.")
    if status not in ALLOWED_STATUS_CHANGES[current.status]:
        raise ValidationError(
            {"status": f"An ECT who is {current.get_status_display().lower()} cannot become {ECTStatusKind(status).label.lower()}."}
        )
    if on < current.started_on:
        raise ValidationError({"on": f"The date cannot be before the current status began ({human_date(current.started_on)})."})
    if on > _today():
        raise ValidationError({"on": "The date cannot be in the future."})
    current.finished_on = on
    current.save(update_fields=["finished_on"])
    ECTStatus.objects.create(hub=ect.hub, ect=ect, status=status, started_on=on, note=note)
    if status in (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED):
        for assignment in ect.mentor_assignments.filter(finished_on__isnull=True):
            assignment.finish(on)
    summary = f"Status changed from {current.get_status_display().lower()} to {ECTStatusKind(status).label.lower()} on {human_date(on)}"
    record_change(ect.person, actor, summary + (f": {note}" if note else ""), ect.school)


def current_school_period(ect):
    return ect.school_periods.filter(finished_on__isnull=True).first()


def _move(ect, school, actor, on, new_mentor=None):
    """Move the ECT to `school` on `on`: finish their school period and open the next, end their
    mentor (a mentor at the old school) that day, and start `new_mentor` (at the new school) if given.

    Dated like every change: not in the future, not before the current school period started.
    """
    if school.hub_id != ect.hub_id:
        raise ValidationError({"school": "Choose a school of the ECT's hub."})
    if school.pk == ect.school_id:
        raise ValidationError({"school": f"{ect.person} is already at {school.name}."})
    current = ECTAtSchool.objects.select_for_update().filter(ect=ect, finished_on__isnull=True).select_related("school").get()
    if on > _today():
        raise ValidationError({"on": "A transfer cannot be dated in the future: record it once it has happened."})
    if on < current.started_on:
        raise ValidationError(
            {"on": f"The date cannot be before {ect.person} started at {current.school.name} ({human_date(current.started_on)})."}
        )
    old = current.school
    current.finished_on = on
    current.save(update_fields=["finished_on"])
    ECTAtSchool.objects.create(hub=ect.hub, ect=ect, school=school, started_on=on)
    ect.school = school
    ect.save(update_fields=["school"])
    # One entry per school, each naming only its own school (a tutor sees only their school's entries).
    record_change(ect.person, actor, f"Moved from {old.name} to another school of the hub on {human_date(on)}", old)
    record_change(ect.person, actor, f"Moved to {school.name} from another school of the hub on {human_date(on)}", school)
    assignment = (
        MentorAssignment.objects.select_for_update().filter(ect=ect, finished_on__isnull=True).select_related("mentor__person", "mentor__school").first()
    )
    if assignment is not None:
        assignment.finish(on)
        mentor = assignment.mentor
        record_change(ect.person, actor, f"Mentor {mentor.person} stopped on {human_date(on)} with the move", old)
        record_change(mentor.person, actor, f"Stopped mentoring {ect.person} on {human_date(on)}: they moved school", mentor.school)
    if new_mentor is not None:
        change_mentor(ect, new_mentor, actor, on=on)


@transaction.atomic
def transfer_ect(ect, school, actor, on=None, new_mentor=None):
    """An ECT moves to another school of the hub on `on` (default today): one record, one history.

    The old school keeps them until that day and the new one has them from it (`ECTAtSchool`); their
    mentor stops that day and `new_mentor`, a current mentor at the new school, may start. Someone who
    has left rejoins instead (`rejoin_ect`); a completed induction does not move.
    """
    status = current_status(ect)
    if status is not None and status.status in (ECTStatusKind.LEFT, ECTStatusKind.COMPLETED):
        raise ValidationError(
            f"{ect.person} has {status.get_status_display().lower()}: "
            + ("register them at the new school instead." if status.status == ECTStatusKind.LEFT else "a completed induction does not move.")
        )
    _move(ect, school, actor, on or _today(), new_mentor)
    return ect


@transaction.atomic
def rejoin_ect(ect, school, actor, on, fte=None):
    """Someone who left registers again, at `school` from `on`: the same ECT record becomes active
    again that day (after a move if the school is another), and keeps its history."""
    if ect.school_id != school.pk:
        _move(ect, school, actor, on)
    change_ect_status(ect, ECTStatusKind.ACTIVE, actor, on=on)
    if fte is not None:
        update_ect(ect, actor, fte=fte)
    return ect


def current_mentor_assignment(ect):
    return ect.mentor_assignments.filter(finished_on__isnull=True).select_related("mentor__person__user").first()


@transaction.atomic
def change_mentor(ect, mentor, actor, on=None):
    """Make `mentor` the ECT's mentor from `on` (default today), closing the current assignment.

    `mentor=None` ends the current assignment without a replacement. History is never rewritten:
    the current assignment cannot be closed in the future or before it began, and a new one
    cannot start before the previous one ended (a first mentor may start in the future, with
    the ECT's induction).
    """
    on = on or _today()
    if mentor is not None and mentor.school_id != ect.school_id:
        raise ValidationError({"mentor": "The mentor must be at the ECT's school."})
    if mentor is not None and mentor.finished_on is not None:
        raise ValidationError({"mentor": "This person is no longer a mentor at the school."})
    if mentor is not None and mentor.person_id == ect.person_id:
        raise ValidationError({"mentor": "An ECT cannot mentor themselves."})
    current = MentorAssignment.objects.select_for_update().filter(ect=ect, finished_on__isnull=True).first()
    if current and current.mentor_id == getattr(mentor, "pk", None):
        return current
    if current and on < current.started_on:
        raise ValidationError({"on": f"The date cannot be before the current mentor started ({human_date(current.started_on)})."})
    if current and on > _today():
        raise ValidationError({"on": "A change of mentor cannot be dated in the future."})
    previous = MentorAssignment.objects.filter(ect=ect, finished_on__isnull=False).order_by("-finished_on").first()
    if current is None and mentor is not None and previous and on < previous.finished_on:
        raise ValidationError(
            {"on": f"The date cannot be before the previous mentor stopped ({human_date(previous.finished_on)})."}
        )
    if current:
        current.finished_on = on
        current.save(update_fields=["finished_on"])
    if mentor is None:
        summary = f"Mentor {current.mentor.person} stopped on {human_date(on)}" if current else "No mentor"
        record_change(ect.person, actor, summary, ect.school)
        return None
    assignment = MentorAssignment.objects.create(hub=ect.hub, ect=ect, mentor=mentor, started_on=on)
    if current:
        summary = f"Mentor changed from {current.mentor.person} to {mentor.person} on {human_date(on)}"
    else:
        summary = f"Mentor set to {mentor.person} from {human_date(on)}"
    record_change(ect.person, actor, summary, ect.school)
    record_change(mentor.person, actor, f"Started mentoring {ect.person} on {human_date(on)}", mentor.school)
    return assignment


@transaction.atomic
def invite(person, actor):
    """Queue a set-up e-mail for this person (sent once by a Celery task).

    For an unconfirmed membership the e-mail asks the account's owner to confirm it instead
    (`setup_emails.send_invitation`); the hub sees the same either way.
    """
    from participants.tasks import send_setup_email

    invitation = Invitation.objects.create(hub=person.hub, person=person, sent_by=actor)
    record_change(person, actor, "Set-up e-mail requested")
    queueing.on_commit(send_setup_email, invitation.pk)
    return invitation


# A person's inbox is not a retry button: set-up e-mails are limited per person.
SETUP_EMAIL_INTERVAL = datetime.timedelta(minutes=10)
SETUP_EMAILS_PER_DAY = 3


def setup_email_refusal(person, now=None):
    """Why another set-up e-mail cannot go to `person` now, or None.

    At most one every `SETUP_EMAIL_INTERVAL`, and `SETUP_EMAILS_PER_DAY` in any 24 hours.
    """
    now = now or timezone.now()
    recent = sorted(
        Invitation.objects.filter(person=person, created_at__gt=now - datetime.timedelta(days=1)).values_list("created_at", flat=True)
    )
    if len(recent) >= SETUP_EMAILS_PER_DAY:
        again = timezone.localtime(recent[-SETUP_EMAILS_PER_DAY] + datetime.timedelta(days=1))
        return (
            f"{person.user.email} has been sent {len(recent)} set-up e-mails in the last 24 hours; "
            f"another can be sent from {again:%-d %b %Y, %H:%M}."
        )
    if recent and recent[-1] > now - SETUP_EMAIL_INTERVAL:
        again = timezone.localtime(recent[-1] + SETUP_EMAIL_INTERVAL)
        return f"A set-up e-mail was sent to {person.user.email} a moment ago; another can be sent from {again:%H:%M}."
    return None


@transaction.atomic
def resend_setup_email(person, actor):
    """Send a set-up e-mail on request, within the per-person limits (ValidationError if too soon)."""
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))  # one request at a time per person
    refusal = setup_email_refusal(person)
    if refusal:
        raise ValidationError(refusal)
    return invite(person, actor)


def people_never_signed_in(school):
    """People with a current role at the school who have never signed in with this hub (`onboarding`)."""
    from participants.onboarding import never_signed_in
    from participants.queries import people_at_school

    return people_at_school(school).filter(never_signed_in())


def invite_never_signed_in(school, actor):
    """Queue a set-up e-mail for everyone at the school who has never signed in, except those
    within their set-up e-mail limits (e-mailed recently). Returns (how many sent, how many skipped)."""
    sent = skipped = 0
    for person in people_never_signed_in(school).select_related("user"):
        try:
            resend_setup_email(person, actor)
        except ValidationError:
            skipped += 1
        else:
            sent += 1
    return sent, skipped
