"""Gentle: holidays, stale nudges, the weekly cap, a school's pause and opting out; every outcome a row."""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from nudges.models import Nudge
from tests import factories
from tests.nudges.conftest import D, send_nudges, studied

pytestmark = pytest.mark.django_db


@pytest.fixture
def ect2(place, unscoped):
    """An ECT2 on the 2021 programme (fortnightly study) who studied in the first fortnight only."""
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3))
    factories.RuleSettingFactory(hub=place.hub, rule="escalation", enabled=False)
    return ect


def test_what_falls_due_in_half_term_is_sent_on_the_first_term_weekday_after(place, ect2):
    err = io.StringIO()
    call_command("send_nudges", "--hub", "north", "--as-of", "2025-10-27", stdout=io.StringIO(), stderr=err)  # half term
    assert "1 held until the first term-time weekday" in err.getvalue() and mail.outbox == []
    assert Nudge.objects.get().status == "planned"
    assert send_nudges(place.hub, D(2025, 11, 1)) == ["0 messages"]  # a Saturday: still held
    assert send_nudges(place.hub, D(2025, 11, 3)) == ["missed_study,sam@north.example.org,sam@north.example.org,sent", "1 message"]
    assert len(mail.outbox) == 1 and "fortnight starting 13 Oct 2025" in mail.outbox[0].body


def test_what_falls_due_at_christmas_is_stale_in_january(place, ect2):
    send_nudges(place.hub, D(2025, 12, 22))
    assert send_nudges(place.hub, D(2026, 1, 5)) == ["missed_study,sam@north.example.org,sam@north.example.org,stale", "1 message"]
    nudge = Nudge.objects.get()
    assert (nudge.status, nudge.period_end, nudge.email) == ("stale", D(2025, 12, 21), None)
    assert mail.outbox == []


def test_the_weekly_cap_holds_back_a_second_nudge_and_records_it(place, unscoped):
    ect = place.ect("ana@north.example.org", cohort=2025, start=D(2025, 9, 1))  # ECT1 on 2021: weekly study
    studied(ect, D(2025, 9, 3))
    factories.RuleSettingFactory(hub=place.hub, rule="escalation", enabled=False)
    factories.HubNudgeSettingsFactory(hub=place.hub, weekly_cap_days=14)
    assert send_nudges(place.hub, D(2025, 9, 15))[-1] == "1 message"
    assert send_nudges(place.hub, D(2025, 9, 22)) == ["missed_study,ana@north.example.org,ana@north.example.org,capped", "1 message"]
    assert send_nudges(place.hub, D(2025, 9, 29)) == ["missed_study,ana@north.example.org,ana@north.example.org,sent", "1 message"]
    assert len(mail.outbox) == 2
    assert Nudge.objects.get(status="capped").status_reason == "already nudged in the last 14 days"


def test_a_paused_school_gets_nothing_until_the_date_and_it_is_recorded(place, ect2):
    factories.SchoolPauseFactory(school=place.school, until=D(2025, 10, 17))
    assert send_nudges(place.hub, D(2025, 10, 13)) == [
        "missed_study,sam@north.example.org,sam@north.example.org,suppressed", "1 message"
    ]
    assert Nudge.objects.get().status_reason == "school paused until 17 Oct 2025"
    assert mail.outbox == []


def test_someone_who_opted_out_gets_no_automatic_nudge(place, ect2):
    factories.OptOutFactory(person=ect2.person)
    assert send_nudges(place.hub, D(2025, 10, 13))[0].endswith(",suppressed")
    assert Nudge.objects.get().status_reason == "opted out" and mail.outbox == []


def test_a_dry_run_sends_and_records_nothing(place, ect2):
    lines = send_nudges(place.hub, D(2025, 10, 13), "--dry-run")
    assert lines == ["missed_study,sam@north.example.org,sam@north.example.org,sent", "1 message (dry run: nothing sent or recorded)"]
    assert not Nudge.objects.exists() and mail.outbox == []
    assert send_nudges(place.hub, D(2025, 10, 13))[-1] == "1 message"
