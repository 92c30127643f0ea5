"""Every role reaches its pages from the main navigation; person and school pages have breadcrumbs."""

import html
import re

import pytest
from django_scopes import scopes_disabled

from tests import factories


def _nav(page, account=False):
    """[(label, url, current)] of the main navigation's role links (with `account`, also the
    "Account" link every signed-in person has)."""
    links = re.search(r'<ul class="nav-links">(.*?)</ul>', page, re.S).group(1)
    return [
        (label, url, bool(current))
        for url, current, label in re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', links)
        if account or label != "Account"
    ]


def _breadcrumbs(page):
    """[label, …] of the breadcrumb trail, the current page last; None without a trail."""
    trail = re.search(r'<nav aria-label="Breadcrumb" class="breadcrumbs">(.*?)</nav>', page, re.S)
    if trail is None:
        return None
    return [html.unescape(label.strip()) for label in re.findall(r"<li>(?:<a [^>]*>|<span [^>]*>)([^<]+)</", trail.group(1))]


def _landing(client, user):
    client.force_login(user)
    return client.get("/", follow=True)


def test_hub_staff_reach_dashboard_schools_people_onboarding_term_dates_events_booking_nudges_and_imports(world, client):
    response = _landing(client, world.staff.user)
    assert _nav(response.content.decode()) == [
        ("Dashboard", "/hub/engagement/", False),
        ("Schools", "/hub/", True),  # where they land
        ("People", "/people/", False),
        ("Onboarding", "/onboarding/", False),
        ("Term dates", "/hub/terms/", False),
        ("Events", "/events/", False),
        ("Booking", "/events/booking/", False),
        ("Nudges", "/hub/nudges/", False),
        ("Imports", "/hub/imports/", False),
    ]


def test_a_facilitator_lands_on_the_events_and_reaches_nothing_else(world, client):
    with scopes_disabled():
        facilitator = factories.PersonFactory(hub=world.hub, hub_role="facilitator")
    response = _landing(client, facilitator.user)
    assert _nav(response.content.decode()) == [("Events", "/events/", True)]


def test_hub_admins_also_reach_the_hubs_roles_and_settings_and_everyone_their_account(world, client):
    response = _landing(client, world.admin.user)
    assert _nav(response.content.decode(), account=True)[-3:] == [
        ("Hub roles", "/hub/roles/", False),
        ("Hub settings", "/hub/settings/", False),
        ("Account", "/accounts/2fa/", False),
    ]


def test_a_tutor_reaches_the_lead_dashboard_their_school_its_coaching_people_booking_and_onboarding(world, client):
    school = world.school.code
    response = _landing(client, world.tutor.person.user)
    assert _nav(response.content.decode()) == [
        ("Lead dashboard", f"/schools/{school}/engagement/", True),
        ("School", f"/schools/{school}/", False),
        ("Coaching", f"/schools/{school}/coaching/", False),
        ("People", "/people/", False),
        ("Booking", "/events/booking/", False),
        ("Onboarding", "/onboarding/", False),
    ]


def test_a_mentor_reaches_their_ects_their_own_figures_and_events(world, client):
    response = _landing(client, world.mentor.person.user)
    assert _nav(response.content.decode()) == [
        ("My ECTs", "/mentoring/", True),
        ("My figures", f"/mentors/{world.mentor.code}/engagement/", False),
        ("My events", "/events/mine/", False),
    ]


def test_an_ect_reaches_their_study_coaching_feedback_own_figures_and_events(world, client):
    ect = world.ect.code
    response = _landing(client, world.ect.person.user)
    page = response.content.decode()
    assert _nav(page) == [
        ("My study", f"/ects/{ect}/study/", True),
        ("My coaching", f"/ects/{ect}/coaching/", False),
        ("My feedback", f"/ects/{ect}/coaching/#feedback", False),
        ("My figures", f"/ects/{ect}/engagement/", False),
        ("My events", "/events/mine/", False),
    ]
    assert 'id="feedback"' in client.get(f"/ects/{ect}/coaching/").content.decode()


@pytest.mark.parametrize("who", ["staff", "tutor", "mentor", "ect"])
def test_every_navigation_link_opens_for_its_role(world, client, who):
    user = world.staff.user if who == "staff" else getattr(world, who).person.user
    for label, url, _ in _nav(_landing(client, user).content.decode()):
        response = client.get(url.split("#")[0])
        assert response.status_code == 200, f"{who}: {label} ({url}) answered {response.status_code}"


def test_the_navigation_follows_the_role_the_person_acts_in(world, client):
    with scopes_disabled():
        factories.MentorFactory(school=world.school, person=world.tutor.person)
    client.force_login(world.tutor.person.user)
    labels = [label for label, _, _ in _nav(client.get("/", follow=True).content.decode())]
    assert labels == ["Lead dashboard", "School", "Coaching", "People", "Booking", "Onboarding"]
    page = client.post("/switch/role/", {"role": "mentor"}, follow=True).content.decode()
    assert [label for label, _, _ in _nav(page)] == ["My ECTs", "My figures", "My events"]


# --- Breadcrumbs -------------------------------------------------------------------------------


def test_hub_staff_come_to_a_person_through_the_schools_and_their_school(world, client):
    client.force_login(world.staff.user)
    assert _breadcrumbs(client.get(f"/people/{world.ect.person.code}/").content.decode()) == [
        "Schools", "Elm Primary", str(world.ect.person),
    ]
    assert _breadcrumbs(client.get(f"/schools/{world.school.code}/").content.decode()) == ["Schools", "Elm Primary"]
    assert _breadcrumbs(client.get(f"/people/{world.admin.code}/").content.decode()) == ["People", str(world.admin)]
    assert _breadcrumbs(client.get(f"/ects/{world.ect.code}/study/").content.decode()) == [
        "Schools", "Elm Primary", str(world.ect.person), "Study",
    ]


def test_a_tutor_comes_to_a_person_through_their_lead_dashboard_and_school(world, client):
    client.force_login(world.tutor.person.user)
    page = client.get(f"/people/{world.mentor.person.code}/").content.decode()
    assert _breadcrumbs(page) == ["Lead dashboard", "Elm Primary", str(world.mentor.person)]
    assert f'<a href="/schools/{world.school.code}/engagement/">Lead dashboard</a>' in page
    assert _breadcrumbs(client.get(f"/schools/{world.school.code}/").content.decode()) == ["Lead dashboard", "Elm Primary"]
    assert _breadcrumbs(client.get(f"/schools/{world.school.code}/coaching/").content.decode()) == [
        "Lead dashboard", "Elm Primary", "Coaching",
    ]


def test_a_mentor_comes_to_their_ect_from_my_ects_and_an_ect_has_no_trail_on_their_own_pages(world, client):
    client.force_login(world.mentor.person.user)
    assert _breadcrumbs(client.get(f"/people/{world.ect.person.code}/").content.decode()) == ["My ECTs", str(world.ect.person)]
    client.force_login(world.ect.person.user)
    assert _breadcrumbs(client.get(f"/people/{world.ect.person.code}/").content.decode()) is None
    assert _breadcrumbs(client.get(f"/ects/{world.ect.code}/study/").content.decode()) is None
