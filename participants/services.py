"""Changes to people and roles. Each change is validated here and written to the person's timeline.

Views, commands and imports call these functions; none of them writes participant rows directly.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ectprogramme.formats import human_date
from participants.models import (
    ECT,
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

# Which status may follow which (a completed induction is final).
ALLOWED_STATUS_CHANGES = {
    ECTStatusKind.ACTIVE: {ECTStatusKind.PAUSED, ECTStatusKind.LEFT, ECTStatusKind.COMPLETED},
    ECTStatusKind.PAUSED: {ECTStatusKind.ACTIVE, ECTStatusKind.LEFT},
    ECTStatusKind.LEFT: {ECTStatusKind.ACTIVE},
    ECTStatusKind.COMPLETED: set(),
}


def record_change(person, actor, summary):
    return PersonChange.objects.create(hub=person.hub, person=person, actor=actor, summary=summary)


def _today():
    return timezone.localdate()


@transaction.atomic
def get_or_create_person(hub, email, first_name="", last_name="", actor=None):
    """The hub's Person for this e-mail, creating the user account and membership as needed."""
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, first_name=first_name, last_name=last_name)
    elif not user.full_name and (first_name or last_name):
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    person, created = Person.objects.get_or_create(hub=hub, user=user)
    if created:
        record_change(person, actor, f"Added to {hub.name}")
    return person


@transaction.atomic
def update_details(person, actor, *, first_name, last_name, email):
    user = person.user
    email = email.strip().lower()
    changes = []
    if first_name != user.first_name or last_name != user.last_name:
        changes.append(f"Name changed from “{user.full_name}” to “{first_name} {last_name}”".replace("  ", " "))
    if email != user.email:
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": "Another account already uses this e-mail address."})
        changes.append(f"E-mail changed from {user.email} to {email}")
        user.emailaddress_set.all().delete()
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.save()
    for summary in changes:
        record_change(person, actor, summary)
    return changes


@transaction.atomic
def set_hub_role(person, hub_role, actor):
    if person.hub_role == hub_role:
        return
    old = HubRole(person.hub_role).label
    person.hub_role = hub_role
    person.save(update_fields=["hub_role"])
    record_change(person, actor, f"Hub role changed from {old} to {HubRole(hub_role).label}")


def _add_school_role(model, label, person, school, started_on, actor):
    existing = model.objects.filter(person=person, school=school, finished_on__isnull=True).first()
    if existing:
        return existing, False
    role = model.objects.create(hub=person.hub, person=person, school=school, started_on=started_on)
    record_change(person, actor, f"Became {label} at {school.name} from {human_date(started_on)}")
    return role, True


@transaction.atomic
def add_induction_tutor(person, school, actor, started_on=None):
    return _add_school_role(InductionTutor, "induction tutor", person, school, started_on or _today(), actor)[0]


@transaction.atomic
def add_mentor(person, school, actor, started_on=None):
    return _add_school_role(Mentor, "mentor", person, school, started_on or _today(), actor)[0]


@transaction.atomic
def finish_school_role(role, actor, on=None):
    """End an induction tutor or mentor role; a mentor's current mentees lose them the same day."""
    on = on or _today()
    if on < role.started_on:
        raise ValidationError({"on": "The end date cannot be before the role started."})
    role.finished_on = on
    role.save(update_fields=["finished_on"])
    label = "mentor" if isinstance(role, Mentor) else "induction tutor"
    if isinstance(role, Mentor):
        for assignment in role.assignments.filter(finished_on__isnull=True).select_related("ect__person"):
            assignment.finished_on = max(on, assignment.started_on)
            assignment.save(update_fields=["finished_on"])
            record_change(assignment.ect.person, actor, f"Mentor {role.person} stopped mentoring on {human_date(on)}")
    record_change(role.person, actor, f"Stopped being {label} at {role.school.name} on {human_date(on)}")


@transaction.atomic
def add_ect(person, school, actor, *, programme, cohort_start_year, induction_start_date, fte=1):
    if ECT.objects.filter(person=person).exists():
        raise ValidationError("This person is already registered as an ECT in this hub.")
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
    record_change(
        person,
        actor,
        f"Registered as an ECT at {school.name} ({ect.get_programme_display()}, cohort {cohort_start_year}, "
        f"starting {human_date(induction_start_date)}, FTE {fte})",
    )
    return ect


ECT_DETAIL_LABELS = {
    "programme": "Programme",
    "cohort_start_year": "Cohort",
    "induction_start_date": "Induction start",
    "fte": "FTE",
    "school": "School",
}


def _shown(value):
    return human_date(value) if isinstance(value, datetime.date) else value


@transaction.atomic
def update_ect(ect, actor, **fields):
    """Change an ECT's registration details; each changed field is a timeline entry."""
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
        first = ect.statuses.order_by("started_on", "id").first()
        if first and (first.finished_on is None or first.finished_on > ect.induction_start_date):
            first.started_on = ect.induction_start_date
            first.save(update_fields=["started_on"])
    for summary in changes:
        record_change(ect.person, actor, summary)
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
            assignment.finished_on = max(on, assignment.started_on)
            assignment.save(update_fields=["finished_on"])
    summary = f"Status changed from {current.get_status_display().lower()} to {ECTStatusKind(status).label.lower()} on {human_date(on)}"
    record_change(ect.person, actor, summary + (f": {note}" if note else ""))


def current_mentor_assignment(ect):
    return ect.mentor_assignments.filter(finished_on__isnull=True).select_related("mentor__person__user").first()


@transaction.atomic
def change_mentor(ect, mentor, actor, on=None):
    """Make `mentor` the ECT's mentor from `on` (default today), closing the current assignment.

    `mentor=None` ends the current assignment without a replacement.
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
    if current:
        current.finished_on = on
        current.save(update_fields=["finished_on"])
    if mentor is None:
        record_change(ect.person, actor, f"Mentor {current.mentor.person} stopped on {human_date(on)}" if current else "No mentor")
        return None
    assignment = MentorAssignment.objects.create(hub=ect.hub, ect=ect, mentor=mentor, started_on=on)
    if current:
        summary = f"Mentor changed from {current.mentor.person} to {mentor.person} on {human_date(on)}"
    else:
        summary = f"Mentor set to {mentor.person} from {human_date(on)}"
    record_change(ect.person, actor, summary)
    record_change(mentor.person, actor, f"Started mentoring {ect.person} on {human_date(on)}")
    return assignment


@transaction.atomic
def invite(person, actor):
    """Queue a set-up e-mail for this person (sent once by a Celery task)."""
    from participants.tasks import send_setup_email

    invitation = Invitation.objects.create(hub=person.hub, person=person, sent_by=actor)
    record_change(person, actor, "Set-up e-mail requested")
    send_setup_email.delay_on_commit(invitation.pk)
    return invitation


def people_never_signed_in(school):
    """People with a current role at the school whose account has never been used."""
    from participants.queries import people_at_school

    return people_at_school(school).filter(user__last_login__isnull=True)


def invite_never_signed_in(school, actor):
    """Queue a set-up e-mail for everyone at the school who has never signed in; returns how many."""
    people = list(people_never_signed_in(school).select_related("user"))
    for person in people:
        invite(person, actor)
    return len(people)
