"""axe on every main page, as the role that uses it: no serious or critical violations.

Pages are grouped by who looks at them, one test per role, so the suite signs in (and builds
its committed test world) once per role; a failure lists every page with a problem at once.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_blocking, axe_check, format_violations
from tests.factories import UserFactory

# who signs in -> [(page, path)]
PAGES = {
    "anonymous": [
        ("login", lambda w: "/accounts/login/"),
        ("login code request", lambda w: "/accounts/login/code/"),
        ("password reset", lambda w: "/accounts/password/reset/"),
        ("accessibility statement", lambda w: "/accessibility/"),
    ],
    "staff": [
        ("hub overview", lambda w: "/hub/"),
        ("people list", lambda w: "/people/"),
        ("invite", lambda w: "/hub/invite/"),
        ("school create", lambda w: "/schools/new/"),
        ("school edit", lambda w: f"/schools/{w.school.code}/edit/"),
        ("school page (staff)", lambda w: f"/schools/{w.school.code}/"),
        ("person page: tutor (staff)", lambda w: f"/people/{w.tutor.person.code}/"),
        ("nudges sent", lambda w: "/hub/nudges/"),
        ("nudge settings", lambda w: "/hub/nudges/settings/"),
        ("opted out of nudges", lambda w: "/hub/nudges/opted-out/"),
    ],
    "tutor": [
        ("school page", lambda w: f"/schools/{w.school.code}/"),
        ("add person form", lambda w: f"/schools/{w.school.code}/people/new/"),
        ("people list (tutor)", lambda w: "/people/"),
        ("person page: ECT with a mentor", lambda w: f"/people/{w.ect.person.code}/"),
        ("person page: ECT without a mentor", lambda w: f"/people/{w.unmentored_ect.person.code}/"),
        ("person page: mentor", lambda w: f"/people/{w.mentor.person.code}/"),
        ("person edit", lambda w: f"/people/{w.ect.person.code}/edit/"),
        ("ECT registration edit", lambda w: f"/ects/{w.ect.code}/edit/"),
        ("change mentor", lambda w: f"/ects/{w.ect.code}/mentor/"),
        ("change status", lambda w: f"/ects/{w.ect.code}/status/"),
        ("end role", lambda w: f"/roles/{w.mentor.code}/end/"),
        ("pause nudges", lambda w: f"/schools/{w.school.code}/nudges/pause/"),
        ("nudge or praise", lambda w: f"/people/{w.mentor.person.code}/nudge/"),
    ],
    "mentor": [
        ("mentor home", lambda w: "/mentoring/"),
        ("person page: own ECT (mentor)", lambda w: f"/people/{w.ect.person.code}/"),
        ("accessibility statement (signed in)", lambda w: "/accessibility/"),
    ],
    "ect": [
        ("person page: own (ECT)", lambda w: f"/people/{w.ect.person.code}/"),
    ],
}

USERS = {
    "anonymous": lambda w: None,
    "staff": lambda w: w.staff.user,
    "tutor": lambda w: w.tutor.person.user,
    "mentor": lambda w: w.mentor.person.user,
    "ect": lambda w: w.ect.person.user,
}


@pytest.mark.parametrize("who", PAGES)
def test_main_pages_have_no_serious_accessibility_violations(page, bworld, sign_in, who):
    user = USERS[who](bworld)
    if user is not None:
        sign_in(user)
    problems = []
    for name, path in PAGES[who]:
        url = path(bworld)
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        expect(page).to_have_url(re.compile(re.escape(url) + "$"))
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        blocking = axe_blocking(page)
        if blocking:
            problems.append(f"== {name} ({url})\n{format_violations(blocking)}")
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)


def test_no_role_page(page, bworld, sign_in):
    sign_in(UserFactory(email="nobody@example.org"))
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have no role yet")
    axe_check(page)


def test_form_error_states(page, bworld, sign_in):
    """The add-person form and the login form, each submitted with mistakes."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bworld.staff.user.email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("not correct")).to_be_visible()
    axe_check(page)

    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/people/new/")
    page.get_by_label("ECT", exact=True).check()
    page.get_by_label("E-mail address").fill("not an e-mail")
    page.get_by_label("Cohort start year").fill("")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_label("First name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Cohort start year")).to_have_attribute("aria-invalid", "true")
    # Each error is read out with its field.
    expect(page.get_by_label("Cohort start year")).to_have_accessible_description(
        re.compile("This field is required for an ECT.")
    )
    axe_check(page)


def test_login_code_confirm_page(page, bworld):
    page.goto("/accounts/login/code/")
    page.get_by_label("Email").fill(bworld.mentor.person.user.email)
    page.get_by_role("button", name="Request code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    axe_check(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, bworld, sign_in):
    sign_in(bworld.staff.user)
    page.goto("/hub/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab carries on inside main, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_axe_check_does_catch_violations(page, bworld):
    """The harness is not vacuous: a page with a known serious problem fails."""
    page.goto("/accessibility/")
    page.evaluate(
        """() => {
            const p = document.createElement('p');
            p.textContent = 'Barely visible';
            p.style.color = '#ddd';
            p.style.background = '#fff';
            document.querySelector('main').append(p);
            document.querySelector('main').append(document.createElement('input'));
        }"""
    )
    ids = {violation["id"] for violation in axe_blocking(page)}
    assert {"color-contrast", "label"} <= ids, ids
