"""A tutor's manual nudge or praise: who may send one to whom, its preview, and sending it once.

Only a person's own induction tutors (of a school where they are an ECT in training or a current
mentor) and hub staff may nudge or praise them; anyone else gets a 404, as if they did not exist.
A manual message is a person's choice, so it ignores the weekly cap and a school's pause, and it
goes to someone who opted out of automatic nudges too (the preview says so).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ectprogramme import queueing
from nudges import sending, tasks
from nudges.models import Nudge, OptOut, Rule, RuleSetting
from participants import access
from participants.models import ECT, ECTStatusKind, Mentor

IN_TRAINING = (ECTStatusKind.ACTIVE, ECTStatusKind.PAUSED)


def nudge_school_ids(person, today=None):
    """The schools where `person` can be nudged about their programme: where they are an ECT in
    training, and where they mentor now. Ordered so the first is the most telling (ECT first)."""
    today = today or timezone.localdate()
    ects = ECT.objects.filter(
        person=person, statuses__finished_on__isnull=True, statuses__status__in=IN_TRAINING
    ).values_list("school_id", flat=True)
    mentors = Mentor.objects.filter(person=person).current(today).order_by("started_on").values_list("school_id", flat=True)
    ids = list(ects)
    ids += [school_id for school_id in mentors if school_id not in ids]
    return ids


def school_to_nudge_about(viewer, person, today=None):
    """The school a manual message from `viewer` to `person` concerns, or None if the viewer may not
    nudge them: hub staff anyone in training or mentoring, a tutor only those at their own schools."""
    if viewer.person is None or not (viewer.is_hub_staff or viewer.is_tutor):
        return None
    ids = nudge_school_ids(person, today)
    if not viewer.is_hub_staff:
        ids = [school_id for school_id in ids if school_id in viewer.tutor_school_ids]
    return ids[0] if ids else None


def get_person_to_nudge(viewer, code):
    """(person, school id) for a manual message, or 404 for anyone the viewer may not nudge."""
    if not (viewer.is_hub_staff or viewer.is_tutor):
        raise Http404("Not found")
    person = access.get_person(viewer, code)
    school_id = school_to_nudge_about(viewer, person)
    if school_id is None:
        raise Http404("Not found")
    return person, school_id


KINDS = {"nudge": Rule.MANUAL_NUDGE, "praise": Rule.MANUAL_PRAISE}


@dataclass(frozen=True)
class Message:
    """A manual message as it will be sent."""

    rule: str
    subject: str
    text: str
    html: str
    opted_out: bool


def _link(person, school_id):
    """The page the recipient acts on: an ECT their study, a mentor their ECTs."""
    ect = ECT.objects.filter(person=person, school_id=school_id).first()
    if ect is not None:
        return settings.SITE_URL + reverse("ect_study", args=[ect.code]), "Go to your study"
    return settings.SITE_URL + reverse("mentor_home"), "Go to your mentees"


def _nudge(person, school, kind, sender, personal_line, key="", actor=None):
    """The (unsaved) Nudge of a manual message: what `nudges.sending` renders and records."""
    link, link_label = _link(person, school.pk)
    return Nudge(
        hub=person.hub, key=key, rule=KINDS[kind], recipient=person, about=person, school=school,
        personal_line=personal_line.strip(), created_by=actor,
        details={"sender_name": sender.full_name or sender.user.email, "link": link, "link_label": link_label},
    )


def compose(person, school, kind, sender, personal_line=""):
    """The e-mail a manual nudge or praise from `sender` (a Person) to `person` about `school` will be,
    rendered as `nudges.sending` renders it: the hub's wording (or the default), the personal line,
    what to do and the link. No unsubscribe link: it is not automatic."""
    nudge = _nudge(person, school, kind, sender, personal_line)
    setting = RuleSetting.objects.filter(rule=nudge.rule).first()
    subject, text, html = sending.render(person.hub, nudge.rule, person, [nudge], {}, {}, setting, automatic=False)
    return Message(nudge.rule, subject, text, html, OptOut.objects.filter(person=person).exists())


def _existing(hub, key):
    return Nudge.objects.filter(hub=hub, key=key).first()


def record(person, school, kind, sender, personal_line, key, actor):
    """Record a manual nudge or praise under `key` with its e-mail (queued, not sent); the key again
    returns the first one and makes nothing more."""
    if existing := _existing(person.hub, key):
        return existing, False
    nudge = _nudge(person, school, kind, sender, personal_line, key=key, actor=actor)
    try:
        with transaction.atomic():
            nudge.save()
            sending.compose(person.hub, [nudge], timezone.localdate(), automatic=False)
    except IntegrityError:
        if existing := _existing(person.hub, key):
            return existing, False
        raise
    return nudge, True


def send(person, school, kind, sender, personal_line, form_token, actor):
    """Record a manual nudge or praise and queue its e-mail to be sent (by `nudges.sending`, exactly
    once) when the transaction commits. The same `form_token` again (a double click, a retried POST)
    finds the first one and sends nothing more.

    It ignores the weekly cap, a school's pause and an opt-out: a person chose to send it."""
    nudge, made = record(person, school, kind, sender, personal_line, f"manual:{form_token}", actor)
    if made:
        queueing.on_commit(tasks.send_nudge_email, nudge.email_id)
    return nudge
