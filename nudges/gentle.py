"""Gentle: what happens to each automatic nudge a run has due (issue 13, "What must hold: Gentle").

Every outcome is a row. In order:

- the recipient opted out → suppressed ("opted out");
- the school is paused until a date on or after the run → suppressed ("school paused until …");
- its period ended more than `STALE_AFTER` before the run → stale (too late to be useful);
- the run is not on a term-time weekday (a school holiday week, or a weekend) → left planned, and
  the first run on a term-time weekday decides it again;
- a nudge about the recipient's own work (missed study, missed observation, praise) when they had
  an automatic one of those in the hub's `weekly_cap_days` → capped; a run sends each recipient at
  most one of those rules (a mentor's several mentees are one e-mail). Tutors' digests (escalation,
  75% at risk) have their own once-a-week / once-a-term keys and are not capped.

What is left is sent (`send_now`).
"""

import datetime

from ectprogramme.formats import human_date
from engagement.models import CalendarPeriod
from nudges.models import EmailStatus, NudgeEmail, NudgeStatus, OptOut, Rule, SchoolPause

STALE_AFTER = datetime.timedelta(days=14)
CAPPED_RULES = (Rule.MISSED_STUDY, Rule.MISSED_OBSERVATION, Rule.PRAISE)
# which of a recipient's capped rules a run sends first
PRIORITY = {Rule.MISSED_OBSERVATION: 0, Rule.MISSED_STUDY: 1, Rule.PRAISE: 2}
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
    recent = set(
        NudgeEmail.objects.filter(
            hub=hub, recipient_id__in=recipients, rule__in=CAPPED_RULES, run_on__gt=as_of - datetime.timedelta(days=cap_days),
            run_on__lte=as_of, status__in=(EmailStatus.QUEUED, EmailStatus.SENDING, EmailStatus.SENT),
        ).values_list("recipient_id", flat=True)
    )
    chosen = {}  # recipient → the capped rule this run sends them
    for nudge in sorted(nudges, key=lambda n: (PRIORITY.get(n.rule, 9), n.key)):
        nudge.send_now = False
        if nudge.recipient_id in opted_out:
            nudge.status, nudge.status_reason = NudgeStatus.SUPPRESSED, "opted out"
        elif nudge.school_id in paused:
            nudge.status, nudge.status_reason = NudgeStatus.SUPPRESSED, f"school paused until {human_date(paused[nudge.school_id])}"
        elif nudge.period_end and nudge.period_end < as_of - STALE_AFTER:
            nudge.status, nudge.status_reason = NudgeStatus.STALE, f"its period ended more than {STALE_AFTER.days} days before"
        elif not term_day:
            nudge.status, nudge.status_reason = NudgeStatus.PLANNED, HELD
        elif nudge.rule in CAPPED_RULES and (
            nudge.recipient_id in recent or chosen.setdefault(nudge.recipient_id, nudge.rule) != nudge.rule
        ):
            nudge.status, nudge.status_reason = NudgeStatus.CAPPED, f"already nudged in the last {cap_days} days"
        else:
            nudge.status, nudge.status_reason, nudge.send_now = NudgeStatus.PLANNED, "", True
    return nudges
