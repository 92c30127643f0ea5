"""The demo hub's nudges (`manage.py seed_demo`): an opt-out, a paused school, three automatic runs
over the last two term-time weeks (sent, capped, suppressed, as the rules decide from the demo's
history and events: reminders of the sessions booked then, notices of the catch-ups assigned) and a
tutor's praise, with every e-mail marked sent (to memory, not printed). Idempotent:
each message has its key, so a second seed adds nothing."""

import datetime

from django.core.mail import get_connection
from django.dispatch import receiver

from engagement.demo import seeded
from engagement.models import Engagement
from nudges import gentle, manual, pauses, sending
from nudges.models import EmailStatus, NudgeEmail, OptOut, OptOutVia, SchoolPause
from participants.models import ECT, InductionTutor
from schools.models import School
from schools.scoping import hub_scope

RUN_DAYS_AGO = (10, 5, 0)  # automatic runs: about two weeks' worth, close enough for the weekly cap to hold some back
PRAISE_KEY = "manual:demo-praise"


def _term_weekday_on_or_before(hub, day, within=21):
    for back in range(within):
        candidate = day - datetime.timedelta(days=back)
        if gentle.is_term_weekday(hub, candidate):
            return candidate
    return None


@receiver(seeded)
def seed(sender, hub, today, **kwargs):
    with hub_scope(hub):
        schools = list(School.objects.order_by("urn"))
        if len(schools) >= 4:
            opted = _most_missed(schools[2])
            if opted is not None:
                OptOut.objects.get_or_create(person=opted, defaults={"hub": hub, "via": OptOutVia.LINK})
            until = pauses.end_of_current_term(hub, today)
            if until and not SchoolPause.objects.filter(school=schools[3]).exists():
                pauses.pause_school(schools[3], until, None, today)
        for days_ago in RUN_DAYS_AGO:
            day = _term_weekday_on_or_before(hub, today - datetime.timedelta(days=days_ago))
            if day is not None:
                sending.run(hub, day)
        _praise(hub, schools[0] if schools else None)
        connection = get_connection("django.core.mail.backends.locmem.EmailBackend")
        for email_id in NudgeEmail.objects.filter(status=EmailStatus.QUEUED).values_list("id", flat=True):
            sending.send_email(email_id, connection=connection)


def _most_missed(school):
    """The person at the school who has missed the most periods in a row (the one nudges would reach)."""
    row = Engagement.objects.filter(school=school).select_related("ect__person", "mentor__person").order_by("-consecutive_missed", "id").first()
    if row is None:
        return None
    return row.ect.person if row.ect_id else row.mentor.person


def _praise(hub, school):
    """The first school's induction tutor praises its first ECT, with a line of their own."""
    tutor = InductionTutor.objects.filter(school=school).select_related("person__user").order_by("started_on", "id").first()
    ect = ECT.objects.filter(school=school).select_related("person__user").order_by("created_at", "id").first()
    if tutor is None or ect is None:
        return
    line = "Your questioning in Tuesday's lesson was spot on: thank you for trying the action step so quickly."
    manual.record(ect.person, school, "praise", tutor.person, line, PRAISE_KEY, tutor.person.user)
