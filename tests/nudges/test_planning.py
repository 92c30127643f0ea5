"""Each automatic rule of issue 13, pinned with a small scenario (run through `send_nudges`)."""

import pytest
from django.core import mail

from nudges.models import Nudge, RuleSetting
from participants import services
from schools.scoping import scopes_disabled
from tests import factories
from tests.nudges.conftest import D, observed, send_nudges, studied

pytestmark = pytest.mark.django_db

MONDAY = D(2025, 10, 13)  # the fortnight 29 Sep – 12 Oct (Friday 10 Oct its last school day) has just ended


@scopes_disabled()
def test_an_ect2_on_the_2021_programme_who_missed_the_fortnight_ending_friday_is_nudged_on_monday_not_tuesday(place, outsider):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))  # the first two fortnights met, the third missed
    twin = outsider.ect("sam@south.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(twin, D(2025, 9, 3), D(2025, 9, 17))

    assert send_nudges(place.hub, MONDAY) == ["missed_study,sam@north.example.org,sam@north.example.org,sent", "1 message"]
    assert send_nudges(place.hub, D(2025, 10, 14)) == ["0 messages"]
    [email] = mail.outbox
    assert email.to == ["sam@north.example.org"] and email.reply_to == ["hello@north.example.org"]
    assert "fortnight starting 29 Sep 2025" in email.body and f"/ects/{ect.code}/study/" in email.body
    assert Nudge.objects.get().key == f"missed_study:{ect.code}:2025-10-12"
    assert not Nudge.objects.filter(hub=outsider.hub).exists()


@scopes_disabled()
def test_an_ect_who_studied_in_the_fortnight_is_not_nudged(place):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17), D(2025, 10, 8))
    assert send_nudges(place.hub, MONDAY) == ["0 messages"]


@scopes_disabled()
def test_paused_left_completed_and_not_started_ects_are_never_nudged(place):
    for status in ("paused", "left", "completed"):
        ect = place.ect(f"{status}@north.example.org", cohort=2024, start=D(2024, 9, 2))
        services.change_ect_status(ect, status, actor=None, on=D(2025, 10, 1))
    place.ect("later@north.example.org", cohort=2025, start=D(2025, 11, 3))
    assert send_nudges(place.hub, MONDAY) == ["0 messages"]


@scopes_disabled()
def test_a_mentor_who_missed_two_mentees_gets_one_email_with_both(place):
    mentor = place.mentor("morgan@north.example.org")
    first = place.ect("ana@north.example.org", cohort=2024, start=D(2024, 9, 2), mentor=mentor)
    second = place.ect("ben@north.example.org", cohort=2024, start=D(2024, 9, 2), mentor=mentor)
    for ect in (first, second):
        studied(ect, D(2025, 10, 1))
        observed(mentor, ect, D(2025, 9, 3), D(2025, 9, 17))
    lines = send_nudges(place.hub, MONDAY)
    assert lines == [
        "missed_observation,morgan@north.example.org,ana@north.example.org,sent",
        "missed_observation,morgan@north.example.org,ben@north.example.org,sent",
        "2 messages",
    ]
    [email] = mail.outbox
    assert "Ana Example" in email.body and "Ben Example" in email.body
    assert f"/ects/{first.code}/coaching/new/" in email.body


@scopes_disabled()
def test_a_mentor_no_longer_mentoring_is_not_nudged(place):
    mentor = place.mentor("morgan@north.example.org")
    ect = place.ect("ana@north.example.org", cohort=2024, start=D(2024, 9, 2), mentor=mentor)
    studied(ect, D(2025, 10, 1))
    assignment = ect.mentor_assignments.get()
    assignment.finished_on = D(2025, 10, 1)
    assignment.save()
    assert send_nudges(place.hub, MONDAY) == ["0 messages"]


@scopes_disabled()
def test_the_tutor_gets_a_weekly_digest_of_people_off_track_once_a_week(place):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3))  # then two fortnights missed: off track
    RuleSetting.objects.create(hub=place.hub, rule="missed_study", enabled=False)
    lines = send_nudges(place.hub, MONDAY)
    assert lines == ["escalation,tutor@north.example.org,,sent", "1 message"]
    assert send_nudges(place.hub, D(2025, 10, 15)) == ["0 messages"]  # same ISO week
    [email] = mail.outbox
    assert "Sam Example" in email.body and f"/ects/{ect.code}/engagement/" in email.body
    assert f"/schools/{place.school.code}/engagement/" in email.body


@scopes_disabled()
def test_no_digest_when_nobody_is_off_track(place):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))  # one fortnight missed: at risk, not off track
    RuleSetting.objects.create(hub=place.hub, rule="missed_study", enabled=False)
    assert send_nudges(place.hub, MONDAY) == ["0 messages"]


@scopes_disabled()
def test_ects_below_75_percent_with_six_term_weeks_left_are_flagged_once_a_term(place):
    ect = place.ect("ana@north.example.org", programme="ecte2025", cohort=2025, start=D(2025, 9, 1))
    studied(ect, D(2025, 9, 3))
    RuleSetting.objects.bulk_create(
        [RuleSetting(hub=place.hub, rule=rule, enabled=False) for rule in ("missed_study", "escalation")]
    )
    assert send_nudges(place.hub, D(2026, 6, 2)) == ["0 messages"]  # seven term weeks left, this one included
    assert send_nudges(place.hub, D(2026, 6, 9)) == ["at_risk_75,tutor@north.example.org,ana@north.example.org,sent", "1 message"]
    assert send_nudges(place.hub, D(2026, 6, 16)) == ["0 messages"]  # once per term
    assert "% this year" in mail.outbox[0].body


@scopes_disabled()
def test_praise_is_off_by_default_and_once_per_run_when_on(place):
    ect = place.ect("ana@north.example.org", cohort=2024, start=D(2024, 9, 2))
    # one module in each fortnight of the autumn term (the half-term holiday week carries none)
    studied(ect, D(2025, 9, 3), D(2025, 9, 17), D(2025, 10, 1), D(2025, 10, 15), D(2025, 11, 5), D(2025, 11, 19), D(2025, 12, 3))
    assert send_nudges(place.hub, D(2025, 12, 1)) == ["0 messages"]
    RuleSetting.objects.create(hub=place.hub, rule="praise", enabled=True)
    assert send_nudges(place.hub, D(2025, 12, 1)) == ["praise,ana@north.example.org,ana@north.example.org,sent", "1 message"]
    assert send_nudges(place.hub, D(2025, 12, 15)) == ["0 messages"]  # the same run, longer
    assert "6 fortnights in a row" in mail.outbox[0].subject


@scopes_disabled()
def test_a_hubs_own_wording_is_used(place):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))
    RuleSetting.objects.create(hub=place.hub, rule="missed_study", subject="Hi {first_name} from {hub_name}", body="Study, {first_name}!")
    factories.HubNudgeSettingsFactory(hub=place.hub)
    send_nudges(place.hub, MONDAY)
    assert [m.subject for m in mail.outbox] == ["Hi Sam from North Hub"]
    assert mail.outbox[0].body.startswith("Study, Sam!")
