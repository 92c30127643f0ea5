"""A hub's nudge settings as hub staff change them: the rules on or off, their wording (blank in the
database means the default of `nudges.wording`), the praise streak, the weekly cap and the send time;
and the sample a wording is previewed with."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ectprogramme.formats import human_date
from nudges import wording
from nudges.models import AUTOMATIC_RULES, DEFAULT_ENABLED, HubNudgeSettings, Rule, RuleSetting
from participants.models import ECT, Mentor
from schools.models import School

SAMPLE_FIRST_NAME = "Sam"


def rule_settings(hub):
    """{rule: RuleSetting} for every rule, unsaved with the defaults where the hub has none yet."""
    stored = {setting.rule: setting for setting in RuleSetting.objects.filter(hub=hub)}
    return {
        rule: stored.get(rule) or RuleSetting(hub=hub, rule=rule, enabled=DEFAULT_ENABLED[rule])
        for rule in Rule
    }


def unknown_placeholders(rule, text):
    """The `{placeholders}` in `text` that the rule's wording cannot fill, in order, once each."""
    allowed = set(wording.PLACEHOLDERS[rule])
    return list(dict.fromkeys(name for name in wording.PLACEHOLDER.findall(text) if name not in allowed))


@transaction.atomic
def save(hub, actor, general, rules):
    """Store the hub's settings (`general`: weekly_cap_days, praise_streak, send_time) and each rule's
    (`rules`: {rule: {"enabled", "subject", "body"}}); wording equal to the default is stored blank, so
    it follows the default."""
    settings = HubNudgeSettings.for_hub(hub)
    for name, value in general.items():
        setattr(settings, name, value)
    settings.updated_by = actor
    settings.save()
    for rule, values in rules.items():
        default_subject, default_body = wording.DEFAULTS[rule]
        subject, body = values["subject"].strip(), values["body"].strip()
        RuleSetting.objects.update_or_create(
            hub=hub, rule=rule,
            defaults={
                "enabled": values.get("enabled", True) if rule in AUTOMATIC_RULES else True,
                "subject": "" if subject == default_subject else subject,
                "body": "" if _same_text(body, default_body) else body,
                "updated_by": actor,
            },
        )
    return settings


def _same_text(typed, default):
    """A textarea sends line ends as CRLF: compare the words, not the line ends."""
    return typed.replace("\r\n", "\n").strip() == default.strip()


def _last_friday(today):
    return today - datetime.timedelta(days=(today.weekday() - 4) % 7 or 7)


@dataclass(frozen=True)
class Sample:
    """Who a preview is written for: the hub's first ECT in training and mentor (by name), a school."""

    ect: object
    mentor: object
    school_name: str


def sample(hub):
    ect = (
        ECT.objects.filter(statuses__finished_on__isnull=True, statuses__status="active")
        .select_related("person").order_by("person__last_name", "pk").first()
    )
    mentor = Mentor.objects.filter(finished_on__isnull=True).select_related("person").order_by("person__last_name", "pk").first()
    school = School.objects.order_by("name").first()
    return Sample(ect.person if ect else None, mentor.person if mentor else None, school.name if school else "Example Primary")


def sample_values(hub, rule, settings, sender_name, who):
    """The placeholders of `rule` filled for the sample person (`who`, a `Sample`) as a preview shows
    them: the mentor for coaching, the ECT otherwise."""
    today = timezone.localdate()
    person = who.mentor if rule == Rule.MISSED_OBSERVATION else who.ect
    values = {
        "first_name": (person.first_name if person else "") or SAMPLE_FIRST_NAME,
        "hub_name": hub.name,
        "period": f"fortnight ending {human_date(_last_friday(today))}",
        "period_name": "fortnight",
        "mentees": str(who.ect) if who.ect else "Alex Example",
        "school_name": who.school_name,
        "weeks_left": 6,
        "streak": f"{settings.praise_streak} fortnights",
        "strand": "study",
        "sender_name": sender_name,
        "event": "Clinic 4: Thinking hard",
        "session": f"{today + datetime.timedelta(days=1):%A} {human_date(today + datetime.timedelta(days=1))}, 16:00 to 17:30",
        "when": "tomorrow",
        "due_date": human_date(today + datetime.timedelta(days=14)),
    }
    return {name: values[name] for name in wording.PLACEHOLDERS[rule]}


def preview(rule, subject, body, values):
    """(subject, paragraphs) of a wording with its placeholders filled."""
    filled = wording.fill(body.replace("\r\n", "\n"), values)
    return wording.fill(subject, values), [part.strip() for part in filled.split("\n\n") if part.strip()]
