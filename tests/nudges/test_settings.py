"""Hub staff switch rules on and off, edit their wording with a live preview, and set the praise
streak, the weekly cap and the send time."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from nudges import wording
from nudges.models import HubNudgeSettings, RuleSetting

HTMX = {"HX-Request": "true"}
URL = "/hub/nudges/settings/"


def _form(**changes):
    """Every field of the settings page as it is first shown, with `changes`."""
    data = {"weekly_cap_days": "7", "praise_streak": "6", "send_time": "16:00"}
    for rule, (subject, body) in wording.DEFAULTS.items():
        data[f"{rule}-subject"], data[f"{rule}-body"] = subject, body
        if rule not in ("praise", "manual_nudge", "manual_praise"):
            data[f"{rule}-enabled"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_the_page_shows_every_rule_with_its_default_wording_and_placeholders(world, client):
    client.force_login(world.staff.user)
    page = client.get(URL).content.decode()
    for rule, (subject, _) in wording.DEFAULTS.items():
        assert f'name="{rule}-subject"' in page
    assert "{period_name}" in page and "{sender_name}" in page
    assert 'name="praise-enabled"' in page and 'name="praise-enabled" id="id_praise-enabled" checked' not in page
    assert 'name="manual_nudge-enabled"' not in page  # a tutor's own nudges cannot be switched off
    assert "Preview for" in page


def test_hub_staff_save_the_settings_and_wording(world, client):
    client.force_login(world.staff.user)
    response = client.post(URL, _form(
        weekly_cap_days="10", praise_streak="4", send_time="15:30", **{
            "praise-enabled": "on", "missed_study-enabled": None,
            "missed_study-subject": "Your study, {first_name}", "missed_study-body": "Hello {first_name}, see {hub_name}.",
        }
    ), follow=True)
    assert "Nudge settings saved." in response.content.decode()
    with scopes_disabled():
        settings = HubNudgeSettings.objects.get(hub=world.hub)
        assert (settings.weekly_cap_days, settings.praise_streak, settings.send_time) == (10, 4, datetime.time(15, 30))
        assert settings.updated_by == world.staff.user
        rules = {s.rule: s for s in RuleSetting.objects.filter(hub=world.hub)}
    assert rules["praise"].enabled and not rules["missed_study"].enabled
    assert (rules["missed_study"].subject, rules["missed_study"].body) == ("Your study, {first_name}", "Hello {first_name}, see {hub_name}.")
    assert (rules["escalation"].subject, rules["escalation"].body) == ("", "")  # the default wording is stored blank
    assert 'value="Your study, {first_name}"' in client.get(URL).content.decode()


def test_the_default_wording_sent_back_with_windows_line_ends_stays_the_default(world, client):
    client.force_login(world.staff.user)
    body = wording.DEFAULTS["praise"][1].replace("\n", "\r\n")
    client.post(URL, _form(**{"praise-body": body}))
    with scopes_disabled():
        assert RuleSetting.objects.get(hub=world.hub, rule="praise").body == ""


def test_an_unknown_placeholder_is_an_error_and_nothing_is_saved(world, client):
    client.force_login(world.staff.user)
    response = client.post(URL, _form(**{"missed_study-body": "Hello {first_name}, {mentees} and {nickname}", "weekly_cap_days": "9"}))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Unknown placeholders {mentees}, {nickname}: this message can use {first_name}, {hub_name}, {period}, {period_name}." in page
    assert 'aria-invalid="true"' in page
    with scopes_disabled():
        assert not RuleSetting.objects.filter(hub=world.hub).exists()
        assert HubNudgeSettings.for_hub(world.hub).weekly_cap_days == 7


@pytest.mark.parametrize(("field", "value"), [("weekly_cap_days", "0"), ("praise_streak", "1"), ("send_time", "25:00")])
def test_out_of_range_settings_are_refused(world, client, field, value):
    client.force_login(world.staff.user)
    response = client.post(URL, _form(**{field: value}))
    assert response.status_code == 200
    assert "Some settings need correcting" in response.content.decode()


def test_the_live_preview_fills_the_placeholders_for_a_sample_person(world, client):
    client.force_login(world.staff.user)
    data = _form(**{"missed_study-subject": "Study time, {first_name}", "missed_study-body": "Hi {first_name} from {hub_name}\n\nSecond"})
    response = client.post(URL, {**data, "preview": "missed_study"}, headers=HTMX)
    page = response.content.decode()
    with scopes_disabled():  # the sample: the hub's first ECT by name
        sample = min((world.ect, world.unmentored_ect, world.sibling_ect), key=lambda e: (e.person.last_name, e.pk)).person
    assert "<form" not in page  # the preview only
    assert f"Preview for {sample.first_name}" in page and f"Study time, {sample.first_name}" in page
    assert f"Hi {sample.first_name} from North Teaching School Hub" in page and "<p>Second</p>" in page
    with scopes_disabled():
        assert not RuleSetting.objects.exists()  # a preview saves nothing


def test_the_live_preview_shows_an_unknown_placeholder(world, client):
    client.force_login(world.staff.user)
    response = client.post(URL, {**_form(**{"praise-subject": "Well done {nickname}"}), "preview": "praise"}, headers=HTMX)
    assert "Unknown placeholder {nickname}" in response.content.decode()


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect"])
def test_the_settings_are_for_hub_staff_only(world, client, who):
    client.force_login(getattr(world, who).person.user)
    assert client.get(URL).status_code == 404
    assert client.post(URL, _form(weekly_cap_days="20")).status_code == 404
    with scopes_disabled():
        assert not HubNudgeSettings.objects.filter(hub=world.hub, weekly_cap_days=20).exists()


def test_the_settings_page_makes_the_same_number_of_queries_whatever_the_wording(world, client, django_assert_max_num_queries):
    client.force_login(world.staff.user)
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    baseline = len(queries)  # now: the next request empties the log
    client.post(URL, _form(**{f"{rule}-subject": f"Custom {rule}" for rule in wording.DEFAULTS}))
    with django_assert_max_num_queries(baseline):
        assert "Custom praise" in client.get(URL).content.decode()
