"""Gentle: what happens to each automatic nudge a run has due (issue 13, "What must hold: Gentle").

Every outcome is a row. In order:

- the recipient opted out → suppressed ("opted out");
- the school is paused until a date on or after the run → suppressed ("school paused until …");
- an event reminder whose session is already past → stale; any other nudge whose period (or a
  catch-up's due date) ended more than `STALE_AFTER` before the run → stale (too late to be useful);
- the run is not on a term-time weekday (a school holiday week, or a weekend) → left planned, and
  the first run on a term-time weekday decides it again. Event reminders and catch-up notices are
  not held: they are about a dated session or due date (which may fall in a holiday), and a
  reminder held past its session would be useless;
- a nudge to the recipient about their own programme (missed study, missed observation, praise,
  event reminder, catch-up) when they had an automatic one of those in the hub's `weekly_cap_days`
  → capped; a run sends each recipient at most one of those rules (a mentor's several mentees are
  one e-mail), event reminders first, then catch-ups. One exception: event reminders do not cap
  event reminders (a session's day reminder follows its week reminder by less than a week, and
  each booked session is reminded), though they count against the cap for the other rules and are
  capped by them. Tutors' digests (escalation, 75% at risk) have their own once-a-week /
  once-a-term keys and are not capped.

What is left is sent (`send_now`).
"""

import datetime

from ectprogramme.formats import human_date
from engagement.models import CalendarPeriod
from nudges.models import EVENT_RULES, EmailStatus, NudgeEmail, NudgeStatus, OptOut, Rule, SchoolPause

STALE_AFTER = datetime.timedelta(days=14)
CAPPED_RULES = (Rule.MISSED_STUDY, Rule.MISSED_OBSERVATION, Rule.PRAISE, Rule.EVENT_REMINDER, Rule.CATCH_UP)
# which of a recipient's capped rules a run sends first
PRIORITY = {Rule.EVENT_REMINDER: 0, Rule.CATCH_UP: 1, Rule.MISSED_OBSERVATION: 2, Rule.MISSED_STUDY: 3, Rule.PRAISE: 4}
# rules whose earlier e-mails do not cap them
NOT_CAPPED_BY = {Rule.EVENT_REMINDER: {Rule.EVENT_REMINDER}}
HELD = "held until the first term-time weekday"


def is_term_weekday(hub, day):
    """A weekday of a term week (the engine's calendar: a week with three weekdays in a half term)."""
    return day.weekday() < 5 and CalendarPeriod.objects.filter(
        hub=hub, cadence="weekly", start_date__lte=day, end_date__gte=day
    ).exists()


def decide(hub, nudges, as_of, cap_days):
    """Set each nudge's status and reason (in memory), and `send_now` on those to send."""
    recipients = {n.recipient_id for n in nudges}
    opted_out = set(OptOut.objects.filter(hub=hub, person_id__in=recipients).values_list("person_id", flat=True))
    paused = dict(SchoolPause.objects.filter(hub=hub, until__gte=as_of).values_list("school_id", "until"))
    term_day = is_term_weekday(hub, as_of)
    recent = {}  # recipient → the capped rules of their e-mails in the last cap_days
    for recipient_id, rule in NudgeEmail.objects.filter(
        hub=hub, recipient_id__in=recipients, rule__in=CAPPED_RULES, run_on__gt=as_of - datetime.timedelta(days=cap_days),
        run_on__lte=as_of, status__in=(EmailStatus.QUEUED, EmailStatus.SENDING, EmailStatus.SENT),
    ).values_list("recipient_id", "rule"):
        recent.setdefault(recipient_id, set()).add(rule)
    chosen = {}  # recipient → the capped rule this run sends them
    for nudge in sorted(nudges, key=lambda n: (PRIORITY.get(n.rule, 9), n.key)):
        nudge.send_now = False
        if nudge.recipient_id in opted_out:
            nudge.status, nudge.status_reason = NudgeStatus.SUPPRESSED, "opted out"
        elif nudge.school_id in paused:
            nudge.status, nudge.status_reason = NudgeStatus.SUPPRESSED, f"school paused until {human_date(paused[nudge.school_id])}"
        elif nudge.rule == Rule.EVENT_REMINDER and nudge.period_end < as_of:
            nudge.status, nudge.status_reason = NudgeStatus.STALE, "its session has passed"
        elif nudge.period_end and nudge.period_end < as_of - STALE_AFTER:
            what = "its due date was" if nudge.rule == Rule.CATCH_UP else "its period ended"
            nudge.status, nudge.status_reason = NudgeStatus.STALE, f"{what} more than {STALE_AFTER.days} days before"
        elif not term_day and nudge.rule not in EVENT_RULES:
            nudge.status, nudge.status_reason = NudgeStatus.PLANNED, HELD
        elif nudge.rule in CAPPED_RULES and (
            recent.get(nudge.recipient_id, set()) - NOT_CAPPED_BY.get(nudge.rule, set())
            or chosen.setdefault(nudge.recipient_id, nudge.rule) != nudge.rule
        ):
            nudge.status, nudge.status_reason = NudgeStatus.CAPPED, f"already nudged in the last {cap_days} days"
        else:
            nudge.status, nudge.status_reason, nudge.send_now = NudgeStatus.PLANNED, "", True
    return nudges
