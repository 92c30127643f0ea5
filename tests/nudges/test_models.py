"""The nudges tables: one nudge per key per hub, settings made with the defaults on first use."""

import datetime

import pytest
from django.db import IntegrityError
from django_scopes import scopes_disabled

from nudges.models import HubNudgeSettings
from tests.factories import NudgeEmailFactory, NudgeFactory, OptOutFactory, RuleSettingFactory, SchoolPauseFactory

pytestmark = pytest.mark.django_db


@scopes_disabled()
def test_a_key_is_planned_once_per_hub():
    nudge = NudgeFactory(key="missed_study:abc:2025-10-10")
    with pytest.raises(IntegrityError):
        NudgeFactory(key=nudge.key, recipient=nudge.recipient)


@scopes_disabled()
def test_the_same_key_in_another_hub_is_another_nudge():
    NudgeFactory(key="escalation:x:2025-W41")
    NudgeFactory(key="escalation:x:2025-W41")


@scopes_disabled()
def test_hub_settings_are_made_with_the_defaults():
    nudge = NudgeFactory()
    settings = HubNudgeSettings.for_hub(nudge.hub)
    assert (settings.weekly_cap_days, settings.praise_streak, settings.send_time) == (7, 6, datetime.time(16, 0))
    assert HubNudgeSettings.for_hub(nudge.hub) == settings


@scopes_disabled()
def test_the_other_factories_make_rows():
    email = NudgeEmailFactory()
    NudgeFactory(recipient=email.recipient, email=email, status="sent")
    assert email.nudges.get().status == "sent"
    assert RuleSettingFactory(rule="praise", enabled=False).enabled is False
    assert SchoolPauseFactory().until == datetime.date(2025, 12, 19)
    assert OptOutFactory().via == "link"
