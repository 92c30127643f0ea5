"""The outbox, a message's page, who opted out, a school's pause, and messages on people's timelines."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from nudges.models import SchoolPause
from nudges.pauses import end_of_current_term
from schools.scoping import hub_scope
from schools.terms import save_year
from tests import factories
from tests.conftest import typical_term_dates

HTMX = {"HX-Request": "true"}


def _sign_in(client, person):
    client.force_login(person.user)


def _sent(person, school, rule="missed_study", subject="Time for this fortnight's study", about=None, **fields):
    email = factories.NudgeEmailFactory(
        recipient=person, subject=subject, status="sent", sent_at=timezone.now(),
        text_body=f"Hello {person.first_name}, plain", html_body=f"<p>Hello {person.first_name}, <b>rich</b></p>",
    )
    return factories.NudgeFactory(
        recipient=person, about=about or person, school=school, rule=rule, status="sent", email=email, **fields
    )


@pytest.fixture
def messages(world):
    with scopes_disabled():
        return {
            "sent": _sent(world.ect.person, world.school),
            "capped": factories.NudgeFactory(
                recipient=world.mentor.person, about=world.ect.person, school=world.school, rule="missed_observation",
                status="capped", status_reason="nudged 3 days ago",
            ),
            "suppressed": factories.NudgeFactory(
                recipient=world.sibling_ect.person, about=world.sibling_ect.person, school=world.sibling_school,
                status="suppressed", status_reason="school paused until 19 Dec",
            ),
            "elsewhere": _sent(world.other_ect.person, world.other_school, subject="Southern study"),
        }


# --- Outbox ------------------------------------------------------------------------------------


def test_hub_staff_see_every_message_of_the_hub_newest_first(world, client, messages):
    _sign_in(client, world.staff)
    page = client.get("/hub/nudges/").content.decode()
    assert "Time for this fortnight&#x27;s study" in page
    assert "nudged 3 days ago" in page and "school paused until 19 Dec" in page
    assert "Southern study" not in page
    assert page.index(str(world.sibling_ect.person)) < page.index("nudged 3 days ago") < page.index("Time for this")


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"status": "capped"}, ["nudged 3 days ago"], ["Time for this", "school paused until"]),
        ({"rule": "missed_study"}, ["Time for this", "school paused until"], ["nudged 3 days ago"]),
        ({"school": "sibling"}, ["school paused until"], ["Time for this", "nudged 3 days ago"]),
    ],
)
def test_the_outbox_filters_by_school_rule_and_status(world, client, messages, query, shown, hidden):
    if query.get("school") == "sibling":
        query = {"school": str(world.sibling_school.code)}
    _sign_in(client, world.staff)
    for headers in ({}, HTMX):
        page = client.get("/hub/nudges/", query, headers=headers).content.decode()
        assert all(text in page for text in shown), shown
        assert not any(text in page for text in hidden), hidden


def test_the_outbox_filters_by_date_and_says_when_a_range_is_backwards(world, client, messages):
    with scopes_disabled():
        messages["capped"].created_at = timezone.now() - datetime.timedelta(days=10)
        messages["capped"].save()
    _sign_in(client, world.staff)
    today = timezone.localdate()
    page = client.get("/hub/nudges/", {"sent_from": str(today - datetime.timedelta(days=11)), "sent_to": str(today - datetime.timedelta(days=9))}).content.decode()
    assert "nudged 3 days ago" in page and "Time for this" not in page
    page = client.get("/hub/nudges/", {"sent_from": str(today), "sent_to": str(today - datetime.timedelta(days=1))}).content.decode()
    assert "The end of the range is before its start." in page


def test_an_empty_outbox_says_so(world, client):
    _sign_in(client, world.staff)
    assert "No nudges yet" in client.get("/hub/nudges/").content.decode()
    assert "No message matches these filters." in client.get("/hub/nudges/", {"status": "failed"}).content.decode()


def test_the_outbox_pages_with_a_constant_number_of_queries(world, client, messages, django_assert_max_num_queries):
    _sign_in(client, world.staff)
    client.get("/hub/nudges/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/hub/nudges/")
    baseline = len(queries)
    with scopes_disabled():
        for _ in range(60):
            _sent(world.ect.person, world.school)
    with django_assert_max_num_queries(baseline):
        page = client.get("/hub/nudges/").content.decode()
    assert "Page 1 of 2" in page


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect"])
def test_the_outbox_is_for_hub_staff_only(world, client, messages, who):
    _sign_in(client, getattr(world, who).person)
    assert client.get("/hub/nudges/").status_code == 404
    assert client.get(f"/hub/nudges/{messages['sent'].code}/").status_code == 404
    assert client.get("/hub/nudges/opted-out/").status_code == 404


def test_a_message_page_shows_the_email_as_sent(world, client, messages):
    _sign_in(client, world.staff)
    page = client.get(f"/hub/nudges/{messages['sent'].code}/").content.decode()
    assert f"Hello {world.ect.person.first_name}, plain" in page  # the text part
    assert "&lt;b&gt;rich&lt;/b&gt;" in page  # the HTML part, shown in a sandboxed frame and as source
    assert "<iframe" in page and "sandbox" in page
    assert world.ect.person.user.email in page


def test_a_message_not_sent_says_why(world, client, messages):
    _sign_in(client, world.staff)
    page = client.get(f"/hub/nudges/{messages['capped'].code}/").content.decode()
    assert "Held back by the weekly cap" in page and "nudged 3 days ago" in page
    assert "No e-mail was made for this message" in page


def test_another_hubs_message_is_not_found(world, client, messages):
    _sign_in(client, world.staff)
    assert client.get(f"/hub/nudges/{messages['elsewhere'].code}/").status_code == 404


# --- Opted out -----------------------------------------------------------------------------------


def test_hub_staff_see_everyone_who_opted_out(world, client):
    with scopes_disabled():
        factories.OptOutFactory(person=world.ect.person)
        factories.OptOutFactory(person=world.sibling_mentor.person, via="header")
        factories.OptOutFactory(person=world.other_ect.person)
    _sign_in(client, world.staff)
    page = client.get("/hub/nudges/opted-out/").content.decode()
    assert str(world.ect.person) in page and str(world.sibling_mentor.person) in page
    assert "One-click unsubscribe" in page
    assert str(world.other_ect.person) not in page


def test_nobody_opted_out_says_so(world, client):
    _sign_in(client, world.staff)
    assert "Nobody has opted out of nudges." in client.get("/hub/nudges/opted-out/").content.decode()


def test_a_tutor_sees_who_at_their_school_opted_out(world, client):
    with scopes_disabled():
        factories.OptOutFactory(person=world.ect.person)
        factories.OptOutFactory(person=world.sibling_ect.person)
    _sign_in(client, world.tutor.person)
    page = client.get(f"/schools/{world.school.code}/").content.decode()
    assert "Opted out of automatic nudges" in page
    assert str(world.ect.person) in page
    assert str(world.sibling_ect.person) not in page


# --- A school's pause ----------------------------------------------------------------------------


def test_the_end_of_the_current_term_comes_from_the_hubs_term_dates(world):
    with hub_scope(world.hub):
        assert end_of_current_term(world.hub, datetime.date(2025, 10, 1)) is None
        save_year(world.hub, 2025, typical_term_dates(2025))
        assert end_of_current_term(world.hub, datetime.date(2025, 10, 1)) == datetime.date(2025, 12, 19)
        assert end_of_current_term(world.hub, datetime.date(2025, 10, 28)) == datetime.date(2025, 12, 19)  # half term
        assert end_of_current_term(world.hub, datetime.date(2025, 12, 22)) == datetime.date(2026, 3, 27)  # Christmas
        assert end_of_current_term(world.hub, datetime.date(2026, 7, 1)) == datetime.date(2026, 7, 21)


def test_a_tutor_pauses_nudges_for_their_school_until_a_date_and_undoes_it(world, client):
    today = timezone.localdate()
    academic_year = today.year if today.month >= 8 else today.year - 1
    with hub_scope(world.hub):
        save_year(world.hub, academic_year, typical_term_dates(academic_year))
        term_end = end_of_current_term(world.hub, today)
    _sign_in(client, world.tutor.person)
    url = f"/schools/{world.school.code}/nudges/pause/"
    form = client.get(url).content.decode()
    if term_end:
        assert f'value="{term_end.isoformat()}"' in form  # offered: the end of this term
    until = today + datetime.timedelta(days=20)
    response = client.post(url, {"until": until.isoformat()}, follow=True)
    assert "are paused until" in response.content.decode()
    with scopes_disabled():
        pause = SchoolPause.objects.get(school=world.school)
        assert (pause.until, pause.set_by) == (until, world.tutor.person.user)
    school_page = client.get(f"/schools/{world.school.code}/").content.decode()
    assert "Automatic nudges to Elm Primary are paused until" in school_page

    response = client.post(f"/schools/{world.school.code}/nudges/resume/", follow=True)
    assert "start again" in response.content.decode()
    with scopes_disabled():
        assert not SchoolPause.objects.filter(school=world.school).exists()


@pytest.mark.parametrize(("days", "error"), [(-1, "Choose today or a later date."), (400, "Choose a date within a year")])
def test_a_pause_date_in_the_past_or_too_far_is_refused(world, client, days, error):
    _sign_in(client, world.tutor.person)
    until = timezone.localdate() + datetime.timedelta(days=days)
    response = client.post(f"/schools/{world.school.code}/nudges/pause/", {"until": until.isoformat()})
    assert response.status_code == 200
    assert error in response.content.decode()
    with scopes_disabled():
        assert not SchoolPause.objects.exists()


def test_hub_staff_pause_any_school_and_others_cannot(world, client):
    until = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    _sign_in(client, world.staff)
    assert client.post(f"/schools/{world.sibling_school.code}/nudges/pause/", {"until": until}).status_code == 302
    _sign_in(client, world.tutor.person)
    assert client.post(f"/schools/{world.sibling_school.code}/nudges/pause/", {"until": until}).status_code == 404
    assert client.post(f"/schools/{world.sibling_school.code}/nudges/resume/").status_code == 404
    _sign_in(client, world.mentor.person)
    assert client.post(f"/schools/{world.school.code}/nudges/pause/", {"until": until}).status_code == 404
    with scopes_disabled():
        assert list(SchoolPause.objects.values_list("school", flat=True)) == [world.sibling_school.pk]


def test_an_expired_pause_shows_as_nudges_on(world, client):
    with scopes_disabled():
        factories.SchoolPauseFactory(school=world.school, until=timezone.localdate() - datetime.timedelta(days=1))
    _sign_in(client, world.tutor.person)
    assert "Automatic nudges are on" in client.get(f"/schools/{world.school.code}/").content.decode()


# --- Timeline ------------------------------------------------------------------------------------


def test_every_message_to_or_about_a_person_is_on_their_timeline(world, client, messages):
    _sign_in(client, world.staff)
    ect_page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert "E-mail “Missed study” to them: sent" in ect_page
    assert f"E-mail “Missed observation” about them to {world.mentor.person}: held back by the weekly cap (nudged 3 days ago)" in ect_page
    assert f"/hub/nudges/{messages['sent'].code}/" in ect_page  # hub staff open the message
    mentor_page = client.get(f"/people/{world.mentor.person.code}/").content.decode()
    assert f"E-mail “Missed observation” about {world.ect.person} to them: held back" in mentor_page


def test_a_tutor_sees_the_messages_of_their_school_only(world, client, messages):
    with scopes_disabled():
        attached = factories.MentorFactory(person=world.sibling_ect.person, school=world.school)
    assert attached
    _sign_in(client, world.tutor.person)
    page = client.get(f"/people/{world.sibling_ect.person.code}/").content.decode()
    assert "school paused until" not in page  # the message about Oak Academy stays hidden
    page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert "E-mail “Missed study” to them: sent" in page
    assert "/hub/nudges/" not in page
