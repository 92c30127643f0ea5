"""Nudges and praise: one row per message key, the e-mails that carry them, and what stops them.

A `Nudge` is one message about one thing (an ECT's missed fortnight, a school's week off track),
identified by a `key` unique in its hub, so planning the same run twice adds nothing. Every
outcome is a row: sent, failed, held back by the weekly cap, stale, suppressed by a school's pause
or a person's opt-out. A `NudgeEmail` carries one or more nudges to one recipient and is sent by
claim-then-send. `HubNudgeSettings` and `RuleSetting` are what hub staff change in the browser.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager

from participants.models import Person
from schools.models import Hub, School


class Rule(models.TextChoices):
    MISSED_STUDY = "missed_study", "Missed study"
    MISSED_OBSERVATION = "missed_observation", "Missed observation"
    ESCALATION = "escalation", "Escalation"
    AT_RISK_75 = "at_risk_75", "Below 75% with little time left"
    PRAISE = "praise", "Praise"
    EVENT_REMINDER = "event_reminder", "Event reminder"
    CATCH_UP = "catch_up", "Catch-up to do"
    MANUAL_NUDGE = "manual_nudge", "Nudge from a tutor"
    MANUAL_PRAISE = "manual_praise", "Praise from a tutor"


ENGAGEMENT_RULES = (Rule.MISSED_STUDY, Rule.MISSED_OBSERVATION, Rule.ESCALATION, Rule.AT_RISK_75, Rule.PRAISE)
EVENT_RULES = (Rule.EVENT_REMINDER, Rule.CATCH_UP)
AUTOMATIC_RULES = ENGAGEMENT_RULES + EVENT_RULES
MANUAL_RULES = (Rule.MANUAL_NUDGE, Rule.MANUAL_PRAISE)
# Rules a hub may switch off, with their default; praise starts off (the defaults).
DEFAULT_ENABLED = {rule: rule != Rule.PRAISE for rule in Rule}


class HubNudgeSettings(models.Model):
    """A hub's nudge settings; `for_hub` creates them with the defaults on first use."""

    hub = models.OneToOneField(Hub, on_delete=models.PROTECT, related_name="nudge_settings")
    weekly_cap_days = models.PositiveSmallIntegerField(
        "Days between automatic nudges",
        default=7,
        help_text="At most one automatic nudge per person in this many days; what the cap holds back is recorded.",
    )
    praise_streak = models.PositiveSmallIntegerField(
        "Periods in a row for praise", default=6, help_text="Praise someone who has met this many periods in a row."
    )
    send_time = models.TimeField(
        "Send time", default=datetime.time(16, 0), help_text="Time of day (UK time) the nightly nudges go out."
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    last_run_on = models.DateField(null=True, blank=True, editable=False, help_text="The day the nightly run last claimed.")

    objects = ScopedManager(hub="hub")

    class Meta:
        verbose_name_plural = "hub nudge settings"

    def __str__(self):
        return f"Nudge settings of {self.hub}"

    @classmethod
    def for_hub(cls, hub):
        return cls.objects.get_or_create(hub=hub)[0]


class RuleSetting(models.Model):
    """A rule switched on or off in a hub, with its wording (blank: the default in `nudges.wording`)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=30, choices=Rule.choices)
    enabled = models.BooleanField(default=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["rule"]
        constraints = [models.UniqueConstraint(fields=["hub", "rule"], name="one_rule_setting_per_hub_and_rule")]

    def __str__(self):
        return f"{self.get_rule_display()} ({'on' if self.enabled else 'off'})"


class NudgeStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CAPPED = "capped", "Held back by the weekly cap"
    STALE = "stale", "Too late to send"
    SUPPRESSED = "suppressed", "Not sent"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    WITHDRAWN = "withdrawn", "Not sent: no longer due"


class NudgeEmail(models.Model):
    """One e-mail carrying one or more nudges to one person, sent once (claim-then-send)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nudge_emails")
    rule = models.CharField(max_length=30, choices=Rule.choices)
    run_on = models.DateField(help_text="The day of the run (or the manual send) that made it; the weekly cap counts these.")
    to_address = models.EmailField()
    subject = models.CharField(max_length=300)
    text_body = models.TextField()
    html_body = models.TextField()
    automatic = models.BooleanField(default=True, help_text="Carries automatic nudges (with unsubscribe headers).")
    headers = models.JSONField(default=dict, blank=True, help_text="Its extra headers (Message-ID, unsubscribe), made with it.")
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hub", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["recipient", "run_on"]),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to_address}"


class Nudge(models.Model):
    """One message about one thing, under a key unique in the hub (so it is planned once)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=200)
    rule = models.CharField(max_length=30, choices=Rule.choices)
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="nudges_received")
    about = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="nudges_about")
    school = models.ForeignKey(School, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    period_end = models.DateField(null=True, blank=True, help_text="The last day of the period (or week) it is about.")
    status = models.CharField(max_length=10, choices=NudgeStatus.choices, default=NudgeStatus.PLANNED)
    status_reason = models.CharField(max_length=200, blank=True)
    email = models.ForeignKey(NudgeEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="nudges")
    personal_line = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="What the message says (period, streak, people listed).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The tutor who sent it; empty for automatic nudges.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["hub", "key"], name="one_nudge_per_key_per_hub")]
        indexes = [
            models.Index(fields=["hub", "-created_at"]),
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["about", "-created_at"]),
            models.Index(fields=["hub", "status"]),
        ]

    def __str__(self):
        return f"{self.get_rule_display()} → {self.recipient} ({self.status})"

    @property
    def is_automatic(self):
        return self.rule in AUTOMATIC_RULES


class SchoolPause(models.Model):
    """No automatic nudges to a school's people (nor its tutors' escalations) until `until`."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="nudge_pause")
    until = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager(hub="hub")

    def __str__(self):
        return f"{self.school.name} paused until {self.until}"


class OptOutVia(models.TextChoices):
    LINK = "link", "Unsubscribe link"
    HEADER = "header", "One-click unsubscribe"


class OptOut(models.Model):
    """A person who stopped automatic nudges to themselves (operational e-mails still go)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="nudge_opt_out")
    at = models.DateTimeField(default=timezone.now)
    via = models.CharField(max_length=10, choices=OptOutVia.choices)

    objects = ScopedManager(hub="hub")

    def __str__(self):
        return f"{self.person} opted out"
