"""Each rule's default wording, and filling in its placeholders.

A hub may change a rule's subject and body (`RuleSetting`); blank means the default here. The
wording is the friendly part only: the e-mail templates (`emails/nudge-<rule>-*`) wrap it with why
the person got it, what to do, the link and (automatic nudges) how to stop them. Plain English,
no blame (the issue: "a gentle and supportive reminder").
"""

import re

from nudges.models import Rule

DEFAULTS = {
    Rule.MISSED_STUDY: (
        "A gentle reminder about your study",
        "Hello {first_name},\n\nWe noticed there was no self-study module recorded for the {period_name} {period}. "
        "A module takes about 40 minutes, and doing one each {period_name} keeps you on schedule.",
    ),
    Rule.MISSED_OBSERVATION: (
        "A gentle reminder about coaching",
        "Hello {first_name},\n\nWe noticed no coaching observation was recorded for {mentees} in the {period}. "
        "A short observation and a feedback session each period keep the coaching going.",
    ),
    Rule.ESCALATION: (
        "People at {school_name} who may need support this week",
        "Hello {first_name},\n\nThese people at {school_name} have missed two or more periods in a row. "
        "A quick word from you often helps.",
    ),
    Rule.AT_RISK_75: (
        "ECTs below 75% engagement with little of the year left",
        "Hello {first_name},\n\nThese ECTs are below 75% engagement this year, with {weeks_left} term weeks or fewer "
        "left. The DfE's declarations need evidence of 75% engagement, so now is a good time to help them catch up.",
    ),
    Rule.PRAISE: (
        "Well done: {streak} in a row",
        "Hello {first_name},\n\nYou have kept up your {strand} for {streak} in a row. Thank you: it makes a real "
        "difference.",
    ),
    Rule.EVENT_REMINDER: (
        "Reminder: {event} {when}",
        "Hello {first_name},\n\nA reminder that you are booked on {event} {when}. We look forward to seeing you.",
    ),
    Rule.CATCH_UP: (
        "Catch-up for {event}: due {due_date}",
        "Hello {first_name},\n\nAs you could not be at {event} ({session}), there is a short catch-up for you to do "
        "in your own time by {due_date}.",
    ),
    Rule.MANUAL_NUDGE: (
        "A note from {sender_name}",
        "Hello {first_name},\n\n{sender_name} has sent you a reminder about your programme.",
    ),
    Rule.MANUAL_PRAISE: (
        "Well done, from {sender_name}",
        "Hello {first_name},\n\n{sender_name} wanted to say well done for your work on the programme.",
    ),
}

# The placeholders each rule's wording may use (shown on the settings page).
COMMON_PLACEHOLDERS = ("first_name", "hub_name")
PLACEHOLDERS = {
    Rule.MISSED_STUDY: COMMON_PLACEHOLDERS + ("period", "period_name"),
    Rule.MISSED_OBSERVATION: COMMON_PLACEHOLDERS + ("period", "mentees"),
    Rule.ESCALATION: COMMON_PLACEHOLDERS + ("school_name",),
    Rule.AT_RISK_75: COMMON_PLACEHOLDERS + ("weeks_left",),
    Rule.PRAISE: COMMON_PLACEHOLDERS + ("streak", "strand"),
    Rule.EVENT_REMINDER: COMMON_PLACEHOLDERS + ("event", "session", "when"),
    Rule.CATCH_UP: COMMON_PLACEHOLDERS + ("event", "session", "due_date"),
    Rule.MANUAL_NUDGE: COMMON_PLACEHOLDERS + ("sender_name",),
    Rule.MANUAL_PRAISE: COMMON_PLACEHOLDERS + ("sender_name",),
}


PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text, values):
    """`text` with its `{placeholder}`s replaced; an unknown one (or a stray brace) is left as typed."""
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def wording(rule, setting=None):
    """(subject, body) of a rule: the hub's own (a `RuleSetting`) where not blank, else the default."""
    subject, body = DEFAULTS[rule]
    if setting is not None:
        subject, body = setting.subject or subject, setting.body or body
    return subject, body
