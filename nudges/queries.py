"""What the nudge pages read: the outbox, a person's messages on their timeline, when people were
last nudged or praised, and who has opted out. Every function runs inside the hub's scope."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat

from ectprogramme.sql import to_datetime, with_lists
from nudges.models import EVENT_RULES, Nudge, NudgeStatus, OptOut, Rule
from participants.models import Person
from participants.queries import PEOPLE_AT_SCHOOLS_SQL, people_at_school

PRAISE_RULES = (Rule.PRAISE, Rule.MANUAL_PRAISE)


def outbox(school=None, rule="", status="", sent_from=None, sent_to=None):
    """Every message, newest first, filtered by school, rule, status and the day it was made."""
    nudges = Nudge.objects.select_related("recipient__user", "about", "school", "email")
    if school is not None:
        nudges = nudges.filter(school=school)
    if rule:
        nudges = nudges.filter(rule=rule)
    if status:
        nudges = nudges.filter(status=status)
    if sent_from:
        nudges = nudges.filter(created_at__date__gte=sent_from)
    if sent_to:
        nudges = nudges.filter(created_at__date__lte=sent_to)
    return nudges.order_by("-created_at", "-id")


def _actor_name():
    """The name the hub knows a nudge's sender by (blank for automatic nudges)."""
    senders = Person.objects.filter(hub=OuterRef("hub"), user=OuterRef("created_by"))
    return Subquery(senders.annotate(name=Concat("first_name", Value(" "), "last_name")).values("name")[:1])


@dataclass(frozen=True)
class MessageEntry:
    """A message to or about a person, shown on their timeline beside the `PersonChange`s."""

    nudge: Nudge
    at: datetime
    summary: str
    actor_id: int | None
    actor_name: str
    is_message: bool = True


def _status_phrase(nudge):
    phrase = {
        NudgeStatus.PLANNED: "waiting to be sent",
        NudgeStatus.SENT: "sent",
        NudgeStatus.FAILED: "could not be sent",
        NudgeStatus.CAPPED: "held back by the weekly cap",
        NudgeStatus.STALE: "not sent: too late to be useful",
        NudgeStatus.SUPPRESSED: "not sent",
    }[nudge.status]
    return f"{phrase} ({nudge.status_reason})" if nudge.status_reason else phrase


def _summary(nudge, person):
    label = nudge.get_rule_display()
    if nudge.rule in EVENT_RULES and nudge.details.get("event"):
        label = f"{label}: {nudge.details['event']}"
    if nudge.recipient_id == person.pk:
        about = f" about {nudge.about}" if nudge.about_id and nudge.about_id != person.pk else ""
        return f"E-mail “{label}”{about} to them: {_status_phrase(nudge)}"
    return f"E-mail “{label}” about them to {nudge.recipient}: {_status_phrase(nudge)}"


def person_messages(person, school_ids=None, limit=200):
    """The messages to or about `person`, newest first, as timeline entries. With `school_ids` (a
    viewer who sees only some schools' part of the person), only the messages about those schools."""
    nudges = Nudge.objects.filter(Q(recipient=person) | Q(about=person))
    if school_ids is not None:
        nudges = nudges.filter(school_id__in=school_ids)
    nudges = nudges.select_related("recipient__user", "about").annotate(actor_name=_actor_name())
    return [
        MessageEntry(nudge, nudge.created_at, _summary(nudge, person), nudge.created_by_id, nudge.actor_name or "")
        for nudge in nudges.order_by("-created_at", "-id")[:limit]
    ]


# When each person was last sent a nudge and praise: the Lead dashboard's column, on every load.
LAST_SENT_SQL = """
SELECT person.code, CASE WHEN nudge.rule IN (%(praise)s) THEN 'praise' ELSE 'nudge' END, max(email.sent_at)
FROM nudges_nudge nudge
JOIN participants_person person ON person.id = nudge.recipient_id
JOIN nudges_nudgeemail email ON email.id = nudge.email_id
WHERE nudge.hub_id = %(hub)s AND person.code IN (%(codes)s) AND nudge.status = %(sent)s AND nudge.rule <> %(reminder)s
GROUP BY 1, 2
"""


_to_uuid = Person._meta.get_field("code").to_python


def last_sent(hub_id, person_codes):
    """{person code: {"nudge": when, "praise": when}}: when each person was last sent a nudge and
    praise (one statement, whatever the number of people). Event reminders are not nudges here."""
    to_db = Person._meta.get_field("code").get_db_prep_value
    sql, params = with_lists(
        LAST_SENT_SQL, {"hub": hub_id, "sent": NudgeStatus.SENT, "reminder": Rule.EVENT_REMINDER},
        codes=[to_db(code, connection) for code in person_codes], praise=list(PRAISE_RULES),
    )
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for code, kind, at in cursor.fetchall():
            result.setdefault(_to_uuid(code), {})[kind] = to_datetime(at)
    return result


def opted_out_at(school):
    """The school's current people who have stopped automatic nudges, by name."""
    people = people_at_school(school).filter(nudge_opt_out__isnull=False)
    return OptOut.objects.filter(person__in=people).select_related("person__user").order_by("person__last_name", "person__first_name")


# The school's pause and how many of its people (`participants.queries.PEOPLE_AT_SCHOOLS_SQL`) opted
# out, in one statement: the Lead dashboard's notice, on every load.
NOTICE_SQL = f"""
SELECT
  (SELECT until FROM nudges_schoolpause WHERE school_id = %(school)s AND until >= %(today)s),
  (SELECT count(DISTINCT people.person_id) FROM ({PEOPLE_AT_SCHOOLS_SQL}) people
   JOIN nudges_optout opt_out ON opt_out.person_id = people.person_id)
"""


def school_notice(school, today):
    """(the date automatic nudges to the school are paused until or None, how many of its people opted out)."""
    with connection.cursor() as cursor:
        cursor.execute(*with_lists(NOTICE_SQL, {"school": school.pk, "today": today}, schools=[school.pk]))
        return cursor.fetchone()


def opted_out():
    """Everyone in the hub who has stopped automatic nudges, by name."""
    return OptOut.objects.select_related("person__user").order_by("person__last_name", "person__first_name", "pk")
