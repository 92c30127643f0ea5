"""ECTs without a mentor, and pairing them with the school's mentors in one go.

After an import (the DfE's file carries no mentor pairing) a school's tutor, or hub staff, picks a
current mentor of the school for each ECT in training who has none. One form saves them all or
none (a row's problem is shown on that row); each assignment starts today and is on both people's
timelines (`services.change_mentor`). The form's one-time token (`ectprogramme.once`) is stored on
the assignments it made, so a double post answers as the first did.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from participants import services
from participants.models import ECT, ECTStatus, ECTStatusKind, Mentor, MentorAssignment


def ects_without_mentor(school):
    """The school's ECTs in training (active or paused) with no current mentor, by name."""
    in_training = ECTStatus.objects.filter(
        ect=OuterRef("pk"), finished_on__isnull=True, status__in=(ECTStatusKind.ACTIVE, ECTStatusKind.PAUSED)
    )
    mentored = MentorAssignment.objects.filter(ect=OuterRef("pk"), finished_on__isnull=True)
    return (
        ECT.objects.filter(school=school)
        .filter(Exists(in_training))
        .exclude(Exists(mentored))
        .select_related("person__user")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def posted_ects(school, data, prefix="mentor-"):
    """The school's ECTs a posted pairing form names (fields `mentor-<ECT code>`), by name."""
    codes = []
    for name in data:
        if name.startswith(prefix):
            try:
                codes.append(uuid.UUID(name.removeprefix(prefix)))
            except ValueError:
                continue
    return ECT.objects.filter(school=school, code__in=codes).select_related("person__user").order_by(
        "person__last_name", "person__first_name", "pk"
    )


def current_mentors(school):
    return (
        Mentor.objects.filter(school=school, finished_on__isnull=True)
        .select_related("person__user")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def already_paired(form_token):
    """The assignments an earlier post of this form made (a retried post finds them)."""
    return list(MentorAssignment.objects.filter(form_token=form_token))


@transaction.atomic
def pair_mentors(school, choices, actor, form_token):
    """Give each ECT in `choices` ({ECT: Mentor}) that mentor from today; all or nothing.

    Raises ValidationError({ECT code: [messages]}) naming each row that cannot be saved (an ECT
    who has a mentor by now, a mentor who is not a current mentor of the school, an ECT mentoring
    themselves). Returns the new assignments, or those of the first post of the same form.
    """
    earlier = already_paired(form_token)
    if earlier:
        return earlier
    waiting = {ect.pk for ect in ects_without_mentor(school).select_for_update(of=("self",))}
    errors, made = {}, []
    for ect, mentor in choices.items():
        if ect.school_id != school.pk or ect.pk not in waiting:
            errors[str(ect.code)] = [f"{ect.person} has a mentor now, or is no longer in training here: reload the page."]
            continue
        try:
            with transaction.atomic():
                assignment = services.change_mentor(ect, mentor, actor)
        except ValidationError as error:
            errors[str(ect.code)] = error.messages
            continue
        assignment.form_token = form_token
        assignment.save(update_fields=["form_token"])
        made.append(assignment)
    if errors:
        raise ValidationError(errors)
    return made
